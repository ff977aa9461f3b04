"""Resolutions, demand catalogues, their versions, translations and amendments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation import clock
from participation.models.base import Base, UTCDateTime
from participation.models.conference import Accreditation, AgendaItem, Conference
from participation.models.people import Organisation, Person

DOCUMENT_KINDS = ("resolution", "catalogue")
DOCUMENT_STATUSES = (
    "draft",
    "submitted",
    "admitted",
    "in_vote",
    "adopted",
    "adopted_amended",
    "rejected",
    "withdrawn",
    "referred",
)
AMENDMENT_STATUSES = (
    "submitted",
    "admitted",
    "in_vote",
    "adopted",
    "taken_over",
    "rejected",
    "withdrawn",
)
DEMAND_STATUSES = ("open", "in_vote", "adopted", "rejected")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Document(Base):
    """A text the plenary decides on: a resolution or a demand catalogue."""

    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("conference_id", "number"),
        CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind_valid"),
        CheckConstraint(_in("status", DOCUMENT_STATUSES), name="status_valid"),
        CheckConstraint("length(number) > 0", name="number_not_empty"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
    )
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "document"}

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conference.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL"), index=True
    )
    #: Set while a working group collects the text; it goes to the plenary when handed over.
    working_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("working_group.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    #: Label such as "A3" or "WP8.2", unique within the conference.
    number: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    #: Why the text is put forward; shown beside it, never line-numbered or amended.
    reasoning: Mapped[str] = mapped_column(Text, default="")
    #: A body that submits in its own name (e.g. the speakers' council), besides organisations.
    submitting_body: Mapped[str] = mapped_column(String(200), default="")
    #: The version that is the text now; the adopted version once decided.
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("version.id", use_alter=True, ondelete="SET NULL")
    )
    #: Position in the voting order of its agenda item.
    position: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    #: Set when a moderator admits the document; from then on every delegate may read it, and a
    #: catalogue's demand numbering is frozen.
    admitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    conference: Mapped[Conference] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
    current_version: Mapped[Version | None] = relationship(foreign_keys=[current_version_id])
    versions: Mapped[list[Version]] = relationship(
        back_populates="document",
        foreign_keys="Version.document_id",
        order_by="Version.number",
        cascade="all, delete-orphan",
    )
    amendments: Mapped[list[Amendment]] = relationship(
        back_populates="document", order_by="Amendment.id", cascade="all, delete-orphan"
    )
    organisations: Mapped[list[DocumentOrganisation]] = relationship(
        back_populates="document", cascade="all, delete-orphan"
    )


class Resolution(Document):
    """A resolution (Antrag; once adopted, Beschluss): line-numbered running text."""

    __mapper_args__ = {"polymorphic_identity": "resolution"}


class Catalogue(Document):
    """A demand catalogue (Forderungskatalog): numbered sections of numbered demands."""

    __mapper_args__ = {"polymorphic_identity": "catalogue"}

    demands: Mapped[list[Demand]] = relationship(
        back_populates="catalogue", order_by="Demand.position", cascade="all, delete-orphan"
    )


class DocumentOrganisation(Base):
    """A member organisation that submits or co-signs a document."""

    __tablename__ = "document_organisation"
    __table_args__ = (
        UniqueConstraint("document_id", "organisation_id"),
        CheckConstraint("role IN ('submitter', 'cosigner')", name="role_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default="submitter")

    document: Mapped[Document] = relationship(back_populates="organisations")
    organisation: Mapped[Organisation] = relationship()


class Version(Base):
    """An immutable snapshot of a document's text (Fassung)."""

    __tablename__ = "version"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    #: 1, 2, 3 … within the document.
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    #: The text as safe Markdown; blocks are separated by blank lines.
    body: Mapped[str] = mapped_column(Text)
    #: Why this version exists ("submitted", "Ä2 adopted", "edited by the submitters" …).
    note: Mapped[str] = mapped_column(String(300), default="")
    #: The amendment whose adoption produced this version, if any.
    amendment_id: Mapped[int | None] = mapped_column(
        ForeignKey("amendment.id", use_alter=True, ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    document: Mapped[Document] = relationship(back_populates="versions", foreign_keys=[document_id])
    translations: Mapped[list[Translation]] = relationship(
        back_populates="version", cascade="all, delete-orphan"
    )


class Translation(Base):
    """A version's text in another language, entered by staff."""

    __tablename__ = "translation"
    __table_args__ = (UniqueConstraint("version_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("version.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    #: The text as published: translated blocks, and the original where none is up to date.
    body: Mapped[str] = mapped_column(Text)
    #: Per block of the version: ``{"from": original block, "text": its translation}``, or
    #: None where the block has no translation yet. Empty for translations kept as one text.
    blocks: Mapped[list | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    version: Mapped[Version] = relationship(back_populates="translations")


class Amendment(Base):
    """A proposed change to blocks of one version of a document (Änderungsantrag)."""

    __tablename__ = "amendment"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        CheckConstraint(_in("status", AMENDMENT_STATUSES), name="status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    #: "Ä1", "Ä2" … numbered per document.
    number: Mapped[str] = mapped_column(String(20))
    #: The version the changes apply to; moves forward when carried onto a newer version.
    base_version_id: Mapped[int] = mapped_column(ForeignKey("version.id", ondelete="RESTRICT"))
    #: Block index in the base version → replacement Markdown ("" deletes the block).
    changes: Mapped[dict] = mapped_column(JSON)
    reasoning: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    #: The organisation the amendment is filed for.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    #: Filed after the conference's amendment deadline; needs a moderator's admission.
    late: Mapped[bool] = mapped_column(default=False)
    #: Could not be carried onto a newer version; a moderator must look at it.
    needs_review: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    #: Set when the amendment is admitted (at once when filed in time); from then on every
    #: reader of the document sees it, even after a withdrawal.
    admitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    document: Mapped[Document] = relationship(back_populates="amendments")
    base_version: Mapped[Version] = relationship(foreign_keys=[base_version_id])
    organisation: Mapped[Organisation | None] = relationship()
    proposer: Mapped[Person | None] = relationship()


class Demand(Base):
    """One numbered demand of a catalogue, which can be voted on by itself."""

    __tablename__ = "demand"
    __table_args__ = (
        UniqueConstraint("catalogue_id", "label"),
        CheckConstraint(_in("status", DEMAND_STATUSES), name="status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    #: "3.2": section 3, demand 2. Frozen once the catalogue is admitted.
    label: Mapped[str] = mapped_column(String(20))
    #: Order within the catalogue.
    position: Mapped[int] = mapped_column(default=0)
    #: Index of the demand's block in the catalogue's current version.
    block_index: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="open")

    catalogue: Mapped[Catalogue] = relationship(back_populates="demands")


class WorkingGroup(Base):
    """A working group (Arbeitsgruppe) of a conference that collects demands."""

    __tablename__ = "working_group"
    __table_args__ = (UniqueConstraint("conference_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conference.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    members: Mapped[list[WorkingGroupMember]] = relationship(cascade="all, delete-orphan")
    #: The catalogue drafts the group collected (normally one).
    documents: Mapped[list[Document]] = relationship(
        primaryjoin="WorkingGroup.id == Document.working_group_id",
        foreign_keys="Document.working_group_id",
        viewonly=True,
        order_by="Document.id",
    )


class WorkingGroupMember(Base):
    """An accredited person who takes part in a working group."""

    __tablename__ = "working_group_member"
    __table_args__ = (UniqueConstraint("working_group_id", "accreditation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    working_group_id: Mapped[int] = mapped_column(
        ForeignKey("working_group.id", ondelete="CASCADE"), index=True
    )
    accreditation_id: Mapped[int] = mapped_column(
        ForeignKey("accreditation.id", ondelete="CASCADE"), index=True
    )

    accreditation: Mapped[Accreditation] = relationship()
