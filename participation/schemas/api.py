"""What clients send to the JSON API: request bodies and query strings, one shape each.

Every route of ``/api/v1`` names its shapes (:mod:`participation.web.shaped`); the same
declarations check each request and describe it in the OpenAPI document
(:mod:`participation.schemas.openapi`). What the API answers is declared in
:mod:`participation.schemas.replies`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

from participation.schemas.common import (
    Count,
    Flag,
    Id,
    Strict,
    SubmissionId,
    Title,
)

#: A ballot's submission id as the ballot box accepts it.
SUBMISSION_PATTERN = r"^[A-Za-z0-9_.:-]{8,64}$"
#: Candidates of an election, at most (the voting service's limit).
MAX_CANDIDATES = 100
#: The longest countdown of a poll, in seconds.
MAX_DURATION = 24 * 3600
#: The longest search, in characters.
MAX_SEARCH = 200

Vote = Literal["yes", "no", "abstain"]
TargetKind = Literal["question", "election", "amendment", "document", "demand"]
Method = Literal["yes_no_abstain", "approval", "candidate_yes_no_abstain"]
Majority = Literal["simple", "absolute", "two_thirds", "absolute_eligible"]
QuorumKind = Literal["none", "weight_share", "organisations_count", "organisations_share"]

_WHOLE_NUMBER = re.compile(r"[0-9]{1,30}")


def _whole_number(value: Any) -> Any:
    """A query string's digits as a number; anything else stays text, which an int refuses."""
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        return int(value)
    return value


#: An id in a query string (``?conference_id=3``).
QueryId = Annotated[Id, BeforeValidator(_whole_number)]
#: A count in a query string (``?after=120``).
QueryCount = Annotated[Count, BeforeValidator(_whole_number)]


class Query(Strict):
    """The base of every query string's shape: keys it does not know are ignored, as in any
    URL; the ones it knows are checked."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


# --- sign-in ---------------------------------------------------------------------------------


class JoinBody(Strict):
    """A delegate's join code, as printed on the slip (spaces and dashes do not matter)."""

    code: Annotated[StrictStr, Field(max_length=100)]


# --- polls -----------------------------------------------------------------------------------


class PollsQuery(Query):
    conference_id: QueryId = Field(description="The conference.")


Candidate = Annotated[StrictStr, Field(max_length=200)]


class PollBody(Strict):
    """A new draft poll; what is left out comes from the conference's voting defaults."""

    conference_id: Id
    title: Title = ""
    target_kind: TargetKind = "question"
    target_id: Id | None = Field(None, description="The amendment, document or demand.")
    question: Annotated[StrictStr, Field(max_length=5000)] = ""
    secret: Flag | None = None
    method: Method | None = None
    majority: Majority | None = None
    quorum_kind: QuorumKind | None = None
    quorum: Annotated[StrictStr, Field(max_length=20)] | Id | None = Field(
        None, description="A share such as 1/2 or 50%, or (organisations_count) a number."
    )
    seats: Annotated[StrictInt, Field(ge=1, le=MAX_CANDIDATES)] = 1
    candidates: Annotated[list[Candidate], Field(max_length=MAX_CANDIDATES)] = []
    duration_seconds: Annotated[StrictInt, Field(ge=0, le=MAX_DURATION)] | None = Field(
        None, description="A countdown that closes the poll; none: closed by hand."
    )
    agenda_item_id: Id | None = None

    def settings(self) -> dict:
        """The poll's settings for the voting service, as the client gave them."""
        return self.model_dump(exclude={"conference_id"}, exclude_unset=True)


# --- ballots ---------------------------------------------------------------------------------


class MotionChoice(Strict):
    vote: Vote


class ApprovalChoice(Strict):
    approve: Annotated[list[Id], Field(max_length=MAX_CANDIDATES)] = Field(
        description="The candidates approved (at most as many as there are seats)."
    )


CandidateKey = Annotated[StrictStr, Field(pattern=r"^[0-9]{1,10}$")]


class CandidateChoice(Strict):
    votes: Annotated[dict[CandidateKey, Vote], Field(max_length=MAX_CANDIDATES)] = Field(
        description="Yes, no or abstain for every candidate, by candidate id."
    )


Hex64 = Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{64}$")]
BallotLabel = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9._:-]{1,64}$")]


class CiphertextShape(Strict):
    alpha: Hex64
    beta: Hex64


class ProofPart(Strict):
    challenge: Hex64
    response: Hex64


#: A proof: one (challenge, response) per value of its interval (at most 0…MAX_CANDIDATES).
ProofShape = Annotated[list[ProofPart], Field(min_length=1, max_length=MAX_CANDIDATES + 1)]


class EncryptedAnswer(Strict):
    choices: Annotated[list[CiphertextShape], Field(min_length=1, max_length=MAX_CANDIDATES)]
    individual_proofs: Annotated[list[ProofShape], Field(max_length=MAX_CANDIDATES)]
    overall_proof: ProofShape


class EncryptedBallotShape(Strict):
    poll: BallotLabel
    voter: BallotLabel
    answers: Annotated[list[EncryptedAnswer], Field(min_length=1, max_length=MAX_CANDIDATES)]


class EncryptedChoice(Strict):
    encrypted: EncryptedBallotShape = Field(
        description="Encrypted polls: the ballot the phone encrypted, with its proofs."
    )


def _one_message(value: Any, handler) -> Any:
    """A choice that fits none of its forms gets one error, not one per form.

    An encrypted ballot that fits its shape is kept as it was sent: strict and closed, its
    shape changes nothing in it, and its tree of some forty small models would otherwise be
    held, beside the JSON, by every ballot waiting for its batch.
    """
    try:
        validated = handler(value)
    except ValidationError:
        raise PydanticCustomError("choice", "not a choice of any form") from None
    return value if isinstance(validated, EncryptedChoice) else validated


#: A ballot's choice, in the API and on the socket alike. Its size and depth are bounded here;
#: whether it fits the poll, the ballot box decides.
Choice = Annotated[
    Vote | MotionChoice | ApprovalChoice | CandidateChoice | EncryptedChoice,
    WrapValidator(_one_message),
    Field(
        description='Motions: "yes", "no" or "abstain" (or {"vote": …}); elections: '
        '{"approve": [candidate ids]} or {"votes": {candidate id: "yes"|"no"|"abstain"}}; '
        'encrypted polls: {"encrypted": ballot}.'
    ),
]


class BallotBody(Strict):
    choice: Choice
    submission_id: Annotated[SubmissionId, Field(pattern=SUBMISSION_PATTERN)] = Field(
        description="Chosen by the client; a retry with the same id gets the same receipt."
    )
    voter_id: Id | None = Field(None, description="Casting a proxy's vote: whose.")

    def raw_choice(self) -> Any:
        """The choice as plain JSON, as the voting rules read it."""
        return plain_choice(self.choice)


def plain_choice(choice: Any) -> Any:
    """A validated choice as plain JSON, as the voting rules read it."""
    return choice.model_dump() if isinstance(choice, BaseModel) else choice


# --- reads -----------------------------------------------------------------------------------


class AuditQuery(Query):
    after: QueryCount = Field(0, description="Entries after this sequence number.")
    limit: Annotated[StrictInt, Field(ge=1, le=1000), BeforeValidator(_whole_number)] = Field(
        200, description="At most this many entries."
    )


class LanguageQuery(Query):
    lang: Annotated[StrictStr, Field(max_length=8)] | None = Field(
        None, description="A language of the conference: the translation instead of the original."
    )


class SearchQuery(Query):
    q: Annotated[
        StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SEARCH)
    ] = Field(description="Words to find.")
    conference_id: QueryId | None = Field(None, description="Only this conference.")
