"""Conferences, accreditations and agendas."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.models.base import Base, UTCDateTime
from participation.models.people import Organisation, Person

CONFERENCE_STATUSES = ("planned", "running", "closed")
ROLES = ("observer", "delegate", "moderator", "admin")


class Conference(Base):
    """A numbered, recurring conference (Konferenz) of the network."""

    __tablename__ = "conference"
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'running', 'closed')", name="status_valid"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("line_width BETWEEN 40 AND 160", name="line_width_range"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_ordered"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("min_supporters >= 0", name="min_supporters_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: Ordinal of the conference in the network's series ("3. Konferenz").
    number: Mapped[int] = mapped_column(default=1)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    venue: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16), default="planned")
    #: Language codes texts are published in, the first being the conference's own.
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["de"])
    #: Characters per numbered line of resolutions.
    line_width: Mapped[int] = mapped_column(default=80)
    amendment_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Organisations that must co-sign a submitted document, besides its submitters, before a
    #: moderator may admit it; 0 for no minimum.
    min_supporters: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Further settings (majority and quorum defaults, speaking time, votes per organisation …).
    settings: Mapped[dict] = mapped_column(JSON, default=dict)

    accreditations: Mapped[list[Accreditation]] = relationship(
        back_populates="conference", cascade="all, delete-orphan"
    )
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="conference",
        cascade="all, delete-orphan",
        order_by="AgendaItem.position",
    )

    @property
    def agenda(self) -> list[AgendaItem]:
        """The agenda as people read it: each item followed by its sub-items."""
        return sorted(self.agenda_items, key=lambda item: item.order_key)

    def __repr__(self) -> str:
        return f"<Conference {self.id} {self.title!r}>"


class Accreditation(Base):
    """A person's admission to one conference: role, organisation, voting right, presence."""

    __tablename__ = "accreditation"
    __table_args__ = (
        UniqueConstraint("conference_id", "person_id"),
        CheckConstraint(
            "role IN ('observer', 'delegate', 'moderator', 'admin')", name="role_valid"
        ),
        CheckConstraint("vote_weight >= 1", name="vote_weight_positive"),
        CheckConstraint("voting_right = false OR role = 'delegate'", name="only_delegates_vote"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conference.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="delegate")
    #: The member organisation this person represents, if any.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    voting_right: Mapped[bool] = mapped_column(default=False)
    vote_weight: Mapped[int] = mapped_column(default=1)
    #: Checked in at the desk; only present delegates are eligible to vote.
    present: Mapped[bool] = mapped_column(default=False)
    #: SHA-256 of the access code; None when no code is issued (revoked or never made).
    access_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    access_code_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    conference: Mapped[Conference] = relationship(back_populates="accreditations")
    person: Mapped[Person] = relationship(back_populates="accreditations")
    organisation: Mapped[Organisation | None] = relationship()

    def __repr__(self) -> str:
        return f"<Accreditation {self.id} {self.role} p={self.person_id} c={self.conference_id}>"


class AgendaItem(Base):
    """An agenda item (Tagesordnungspunkt), with at most one level of sub-items."""

    __tablename__ = "agenda_item"
    __table_args__ = (
        UniqueConstraint("conference_id", "number"),
        CheckConstraint("length(number) > 0", name="number_not_empty"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conference.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    #: Label shown to people, such as "TOP 3" or "WP8".
    number: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Place among its siblings (the top-level items, or the sub-items of one item), from 1.
    position: Mapped[int]
    #: No further requests to speak are taken.
    speakers_list_closed: Mapped[bool] = mapped_column(default=False)
    #: Speaking time on this item in seconds; None takes the conference's.
    speaking_time: Mapped[int | None]
    #: A moderator reordered the list by hand; the automatic alternation no longer applies.
    speakers_order_manual: Mapped[bool] = mapped_column(default=False)
    #: How this item's list orders speeches ("none", "self_declared", "first_time");
    #: None takes the conference's.
    speakers_alternation: Mapped[str | None] = mapped_column(String(16))

    conference: Mapped[Conference] = relationship(back_populates="agenda_items")
    parent: Mapped[AgendaItem | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[AgendaItem]] = relationship(
        back_populates="parent", order_by="AgendaItem.position"
    )

    @property
    def order_key(self) -> tuple[int, int, int, int]:
        """Sorts an agenda into reading order: an item, then its sub-items in their order."""
        if self.parent is None:
            return (self.position, self.id, 0, 0)
        return (self.parent.position, self.parent.id, self.position, self.id)
