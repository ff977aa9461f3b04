"""The conference room: what is on now, the speakers lists and the projector."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation import clock
from participation.models.base import Base, UTCDateTime, partial_unique_index
from participation.models.conference import Accreditation, AgendaItem

SPEAKER_KINDS = ("speech", "point_of_order")
SPEAKER_STATUSES = ("waiting", "speaking", "done", "withdrawn", "removed")
PROJECTOR_VIEWS = ("agenda", "speakers", "document", "poll")


class RoomState(Base):
    """What the hall sees now: the current agenda item and the projector view."""

    __tablename__ = "room_state"
    __table_args__ = (
        CheckConstraint(
            "projector_view IN ('agenda', 'speakers', 'document', 'poll')", name="view_valid"
        ),
        CheckConstraint("projector_theme IN ('light', 'dark')", name="theme_valid"),
    )

    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conference.id", ondelete="CASCADE"), primary_key=True
    )
    current_agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL")
    )
    projector_view: Mapped[str] = mapped_column(String(16), default="agenda")
    #: The document the projector shows in the "document" view.
    projector_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("document.id", ondelete="SET NULL")
    )
    #: First line number of the passage under discussion; the projector scrolls there.
    projector_line: Mapped[int | None]
    projector_theme: Mapped[str] = mapped_column(String(8), default="dark")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    current_agenda_item: Mapped[AgendaItem | None] = relationship()


class SpeakerRequest(Base):
    """A request to speak on an agenda item (an entry of its Redeliste)."""

    __tablename__ = "speaker_request"
    __table_args__ = (
        CheckConstraint("kind IN ('speech', 'point_of_order')", name="kind_valid"),
        CheckConstraint(
            "status IN ('waiting', 'speaking', 'done', 'withdrawn', 'removed')", name="status_valid"
        ),
        # A person waits at most once per list and kind; a double tap cannot queue twice.
        partial_unique_index(
            "uq_speaker_request_waiting",
            "agenda_item_id",
            "accreditation_id",
            "kind",
            where="status = 'waiting'",
        ),
        # At most one person speaks on an item at a time.
        partial_unique_index(
            "uq_speaker_request_speaking", "agenda_item_id", where="status = 'speaking'"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    accreditation_id: Mapped[int] = mapped_column(
        ForeignKey("accreditation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="speech")
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    #: Speaks on the priority side of an alternating list (e.g. women and diverse people).
    priority: Mapped[bool] = mapped_column(default=False)
    #: Sort key within the list; moderators reorder by rewriting it.
    position: Mapped[int] = mapped_column(default=0)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    accreditation: Mapped[Accreditation] = relationship()
    agenda_item: Mapped[AgendaItem] = relationship()
