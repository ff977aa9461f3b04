"""What the JSON API answers: one shape per reply, described in the OpenAPI document.

The services and exports build these answers as plain JSON; the shapes say what a client may
rely on, and ``tests/test_openapi.py`` checks every real answer against them. Small answers are
also serialised through their shape (:func:`participation.web.shaped.reply`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from participation.schemas.api import Majority, Method, QuorumKind, TargetKind

#: A SHA-256 in hex, as the audit chain and the ballots' digest use it.
Hash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
PollState = Literal["draft", "open", "counting", "closed", "cancelled"]
DocumentStatus = Literal[
    "draft",
    "submitted",
    "admitted",
    "in_vote",
    "adopted",
    "adopted_amended",
    "rejected",
    "withdrawn",
    "referred",
]
AmendmentStatus = Literal[
    "submitted", "admitted", "in_vote", "adopted", "taken_over", "rejected", "withdrawn"
]
ConferenceStatus = Literal["planned", "running", "closed"]
DemandStatus = Literal["open", "in_vote", "adopted", "rejected"]


class Reply(BaseModel):
    """The base of every reply shape: it names every key a reply has."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(Reply):
    status: int = Field(ge=400, le=599)
    message: str = Field(min_length=1)
    details: dict[str, Any] | None = Field(None, description="What was wrong, field by field.")


class Error(Reply):
    """Every refusal: the HTTP status and a message a person can read."""

    error: ErrorBody


# --- conferences and texts -------------------------------------------------------------------


class Conference(Reply):
    id: int
    title: str
    number: int
    starts_on: date | None
    ends_on: date | None
    venue: str
    status: ConferenceStatus
    languages: list[str]
    line_width: int | None = Field(None, description="Characters per numbered line.")


class Conferences(Reply):
    conferences: list[Conference]


class ConferenceReply(Reply):
    conference: Conference
    links: dict[str, str] = Field(description="The conference's texts, results, page and book.")


class DocumentSummary(Reply):
    id: int
    conference_id: int
    number: str = Field(description="Such as A1 or K2.")
    kind: Literal["resolution", "catalogue"]
    title: str
    status: DocumentStatus
    published: bool = Field(description="Decided after admission: part of the public archive.")
    decided_at: datetime | None
    agenda_item: str | None
    current_version: int | None
    languages: list[str] = Field(description="The original language, then the translations.")
    url: str | None = Field(description="Permanent link of a published text.")


class Documents(Reply):
    documents: list[DocumentSummary]


class Line(Reply):
    """A numbered line, as on the screen, the projector and in the PDF."""

    number: int
    block: int | None = None
    text: str


class Text(Reply):
    language: str
    title: str
    body: str = Field(description="Markdown.")
    translation: bool
    version: int = Field(description="The version this text is (a translation of).")
    outdated: bool = Field(description="A translation of an earlier version than the current.")
    lines: list[Line]


class VersionSummary(Reply):
    number: int
    title: str
    note: str
    created_at: datetime | None
    translations: list[str]


class Versions(Reply):
    versions: list[VersionSummary]


class Version(VersionSummary):
    language: str
    translation: bool
    body: str
    lines: list[Line]


class VersionReply(Reply):
    version: Version


class Change(Reply):
    block: int
    text: str


class Amendment(Reply):
    id: int
    document_id: int
    number: str = Field(description="Ä1, Ä2 … per document.")
    status: AmendmentStatus
    base_version: int = Field(description="The version the lines refer to.")
    lines: str = Field(description="Line ranges changed, such as 12–14.")
    changes: list[Change] = Field(description="Paragraph (block) → its new Markdown; empty: cut.")
    reasoning: str
    organisation: str | None
    admitted_at: datetime | None
    decided_at: datetime | None


class Amendments(Reply):
    amendments: list[Amendment]


# --- polls -----------------------------------------------------------------------------------


class Quorum(Reply):
    kind: QuorumKind
    value: list[int] = Field(
        min_length=2, max_length=2, description="Numerator and denominator (a count over 1)."
    )


class Candidate(Reply):
    id: int
    name: str


class Eligible(Reply):
    """Frozen when the poll opened."""

    count: int
    weight: int


class Result(BaseModel):
    """Closed polls only: outcome, tally, majority rule and quorum with the numbers that
    decided it."""

    model_config = ConfigDict(extra="allow")

    outcome: Literal["adopted", "rejected", "tie", "not_quorate", "elected", "none_elected"]
    tally: dict[str, Any]
    majority: dict[str, Any]
    quorum: dict[str, Any]


class Turnout(Reply):
    conference_id: int
    poll_id: int
    cast_count: int
    cast_weight: int
    eligible_count: int
    eligible_weight: int
    weight_scale: int


class MyVote(Reply):
    """A vote the caller casts in the poll: its own, or a proxy's."""

    voter_id: int
    own: bool
    name: str
    weight: int
    cast: bool
    tracker: str | None
    pseudonym: str | None = Field(
        None, description="Encrypted polls: the label this vote's ballot is made under."
    )


class Target(Reply):
    """What the poll decided on."""

    label: str
    title: str


class BallotQuestion(Reply):
    choices: int
    min: int
    max: int


class Encryption(Reply):
    """An encrypted secret poll: the key and label its ballots are made with."""

    ceremony: int
    label: str
    key: str = Field(description="The trustees' public key (ristretto255, hex).")
    threshold: int
    trustees: int
    questions: list[BallotQuestion]


class Poll(Reply):
    """A poll. Open polls never show how many or who voted, only once closed the result; a
    secret poll never shows who chose what."""

    id: int
    conference_id: int
    title: str
    question: str
    kind: Literal["motion", "election"]
    target_kind: TargetKind
    target_id: int | None
    secret: bool
    method: Method
    seats: int
    majority: Majority
    quorum: Quorum
    state: PollState
    source: Literal["electronic", "paper"]
    candidates: list[Candidate]
    opened_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None
    weight_scale: int = Field(description="Weights are whole multiples of 1/weight_scale.")
    encryption: Encryption | None = None
    eligible: Eligible | None = None
    result: Result | None = None
    turnout: Turnout | None = None
    my_votes: list[MyVote] | None = None
    target: Target | None = None


class Polls(Reply):
    polls: list[Poll]


class PollReply(Reply):
    poll: Poll


class Results(Reply):
    conference: Conference
    polls: list[Poll]


class PublishedBallot(Reply):
    key: str
    choice: Any
    weight: int


class NamedVote(Reply):
    """Named polls: who chose what."""

    name: str
    organisation: str | None
    choice: Any
    weight: int
    tracker: str
    by_proxy: bool


class Ballots(Reply):
    poll_id: int
    state: PollState
    secret: bool
    weight_scale: int
    ballots: list[PublishedBallot] = Field(
        description="After close: every ballot, in random (key) order, no voter."
    )
    trackers: list[str]
    named: list[NamedVote]
    ballots_digest: Hash


class Receipt(Reply):
    poll_id: int
    voter_id: int
    tracker: str
    repeated: bool


class ReceiptReply(Reply):
    receipt: Receipt


# --- documents in full -----------------------------------------------------------------------


class DemandSummary(Reply):
    label: str
    status: DemandStatus
    position: int
    in_text: bool = Field(description="Still in the current text.")


class Document(DocumentSummary):
    reasoning: str
    submitters: list[str]
    cosigners: list[str]
    submitting_body: str
    text: Text
    versions: list[VersionSummary]
    amendments: list[Amendment]
    demands: list[DemandSummary]
    polls: list[Poll]


class DocumentReply(Reply):
    document: Document


class HitLine(Reply):
    number: int
    text: str


class Hit(Reply):
    document: DocumentSummary
    language: str
    title: str
    url: str
    lines: list[HitLine]


class SearchReply(Reply):
    query: str
    hits: list[Hit]


# --- the audit chain -------------------------------------------------------------------------


class Head(Reply):
    seq: int
    hash: Hash


class AuditEntry(Reply):
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    conference_id: int | None
    data: dict[str, Any] = Field(description="Empty while the data is withheld.")
    data_withheld: bool = Field(
        description="The data is not public yet; the hash covers data_digest."
    )
    salt: str | None
    data_digest: Hash | None = Field(
        description="sha256(salt || JSON of data); null for entries whose hash covers their "
        "data itself."
    )
    prev_hash: Hash
    hash: Hash


class AuditPage(Reply):
    head: Head
    withheld: bool = Field(description="The entries after the opening of an open poll wait.")
    entries: list[AuditEntry]


# --- tokens ----------------------------------------------------------------------------------


class Token(Reply):
    token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105  (the kind of token, not one)


class JoinToken(Token):
    conference_id: int
    accreditation_id: int


class Done(Reply):
    ok: bool = True
