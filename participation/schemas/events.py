"""The payload of every socket event, one shape each.

``@on(event, level, Shape)`` in :mod:`participation.realtime.handlers` validates what a page
sends with its shape before the handler runs, so a handler only ever sees a well-formed
payload: ids in range, texts and lists of bounded length, booleans that are booleans. What the
values mean (whether the agenda item exists, whether a choice fits the poll) is still checked
by the use case.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, WrapValidator
from pydantic_core import PydanticCustomError

from participation.schemas.common import Count, Flag, Id, Key, Strict, SubmissionId

#: The longest speakers list a moderator can put in order in one go.
MAX_SPEAKERS = 2_000
#: The most candidates a choice can name (an election has at most 100).
MAX_CHOICES = 100

#: A candidate as a ballot names it: its id, as a number or as digits (an object key).
CandidateRef = Id | Annotated[StrictStr, Field(max_length=12)]
Candidates = Annotated[list[CandidateRef], Field(max_length=MAX_CHOICES)]
CandidateVotes = Annotated[
    dict[Annotated[StrictStr, Field(max_length=12)], Key], Field(max_length=MAX_CHOICES)
]


def _one_message(value: Any, handler) -> Any:
    """A choice that fits none of its forms gets one error, not one per form."""
    try:
        return handler(value)
    except ValidationError:
        raise PydanticCustomError("choice", "not a choice of any form") from None


#: A ballot's choice in one of the forms the voting methods read: ``"yes"`` or
#: ``{"vote": "yes"}``; ``[3, 5]`` or ``{"approve": [3, 5]}``; ``{"votes": {"3": "no"}}``.
#: Its size and depth are bounded here; whether it fits the poll, the ballot box decides.
Choice = Annotated[
    Key
    | Candidates
    | dict[Literal["vote"], Key]
    | dict[Literal["approve"], Candidates]
    | dict[Literal["votes"], CandidateVotes],
    WrapValidator(_one_message),
]


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
