"""The payload of every socket event, one shape each.

``@on(event, level, Shape)`` in :mod:`participation.realtime.handlers` validates what a page
sends with its shape before the handler runs, so a handler only ever sees a well-formed
payload: ids in range, texts and lists of bounded length, booleans that are booleans. What the
values mean (whether the agenda item exists, whether a choice fits the poll) is still checked
by the use case.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from participation.schemas.api import (
    MAX_CANDIDATES,
    Choice,
    Hex64,
    ProofPart,
    plain_choice,
)
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


# --- trustees ----------------------------------------------------------------------------------

#: The most trustees a conference appoints (the trustees service's limit).
MAX_TRUSTEES = 9
TrusteeNumber = Annotated[StrictInt, Field(ge=1, le=MAX_TRUSTEES)]


class TrusteeKey(ConferenceEvent):
    """Step 1 of the key ceremony: the trustee's transport key."""

    key: Hex64


class DealingShape(Strict):
    trustee: TrusteeNumber
    commitments: Annotated[list[Hex64], Field(min_length=1, max_length=MAX_TRUSTEES)]
    proof: ProofPart


class SealedShareShape(Strict):
    sender: TrusteeNumber
    receiver: TrusteeNumber
    ephemeral: Hex64
    sealed: Hex64


class TrusteeDealing(ConferenceEvent):
    """Step 2: the trustee's dealing and a sealed share for every trustee."""

    dealing: DealingShape
    sealed: Annotated[list[SealedShareShape], Field(min_length=1, max_length=MAX_TRUSTEES)]


class TrusteeConfirm(ConferenceEvent):
    """Step 3: the trustee holds its key share, or names the dealer whose share failed."""

    failed_dealer: TrusteeNumber | None = None


class PartialShape(Strict):
    trustee: TrusteeNumber
    factors: Annotated[
        list[Annotated[list[Hex64], Field(max_length=MAX_CANDIDATES)]],
        Field(max_length=MAX_CANDIDATES),
    ]
    proofs: Annotated[
        list[Annotated[list[ProofPart], Field(max_length=MAX_CANDIDATES)]],
        Field(max_length=MAX_CANDIDATES),
    ]


class TrusteeDecryption(ConferenceEvent):
    """A trustee's partial decryption of a counting poll's totals."""

    poll_id: Id
    partial: PartialShape
