"""The payload of every socket event, one shape each.

``@on(event, level, Shape)`` in :mod:`participation.realtime.handlers` validates what a page
sends with its shape before the handler runs, so a handler only ever sees a well-formed
payload: ids in range, texts and lists of bounded length, booleans that are booleans. What the
values mean (whether the agenda item exists, whether a choice fits the poll) is still checked
by the use case.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from participation.schemas.api import Choice, plain_choice
from participation.schemas.common import Count, Flag, Id, Key, Strict, SubmissionId

#: The longest speakers list a moderator can put in order in one go.
MAX_SPEAKERS = 2_000


class Addressed(BaseModel):
    """The part of any payload the access check reads before the event's own shape: which
    conference it is about, if any."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    conference_id: Id | None = None


class ConferenceEvent(Strict):
    """An event about one conference; most carry nothing else."""

    conference_id: Id


class WatchDocuments(ConferenceEvent):
    document_id: Id | None = None


class SetCurrentItem(ConferenceEvent):
    #: None: no item is current.
    agenda_item_id: Id | None = None


class SetProjector(ConferenceEvent):
    view: Key | None = None
    document_id: Id | None = None
    #: The line to show; the use case says what a line number may be.
    line: Count | None = None
    theme: Key | None = None


class AgendaItemEvent(ConferenceEvent):
    """An action on one agenda item's speakers list."""

    agenda_item_id: Id


class SpeakerRequestEvent(ConferenceEvent):
    """An action on one request to speak."""

    request_id: Id


class RequestToSpeak(AgendaItemEvent):
    kind: Key = "speech"
    priority: Flag = False


class AddSpeaker(RequestToSpeak):
    accreditation_id: Id


class ReorderSpeakers(AgendaItemEvent):
    #: The waiting requests' ids, first speaker first.
    order: Annotated[list[Id], Field(max_length=MAX_SPEAKERS)]


class CloseSpeakers(AgendaItemEvent):
    closed: Flag = True


class CastBallot(ConferenceEvent):
    poll_id: Id
    choice: Choice
    submission_id: SubmissionId
    #: Whose vote this is when the caster holds a proxy; none: the caster's own.
    voter_id: Id | None = None

    def raw_choice(self) -> Any:
        """The choice as plain JSON, as the voting rules read it."""
        return plain_choice(self.choice)
