"""Polls, the eligible voters frozen at opening, who voted, ballots, trackers and proxies.

Secrecy is a property of the schema: ``poll_ballot`` (what was chosen) has a random key and no
voter, no timestamp and no tracker; ``poll_participation`` (who voted) has no choice for secret
polls. On SQLite both are ``WITHOUT ROWID`` tables, so not even the physical order of the rows
follows the order in which ballots arrived; at close, every ballot is written anew under a new
random key (``services/voting/closing.py``), which also erases PostgreSQL's trace of the writing
transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation import clock
from participation.models.base import Base, UTCDateTime, partial_unique_index
from participation.models.conference import Accreditation

POLL_KINDS = ("motion", "election")
#: What a poll decides on; "question" is a procedural question in free text.
TARGET_KINDS = ("amendment", "document", "demand", "question", "election")
#: motion: yes/no/abstain; election: approve up to ``seats`` candidates, or yes/no/abstain each.
METHODS = ("yes_no_abstain", "approval", "candidate_yes_no_abstain")
#: "counting": closed to ballots, the trustees decrypt the encrypted totals.
POLL_STATES = ("draft", "open", "counting", "closed", "cancelled")
MAJORITIES = ("simple", "absolute", "two_thirds", "absolute_eligible")
#: none; a share of the eligible weight taking part; a number or a share of member
#: organisations represented by a present delegate.
QUORUM_KINDS = ("none", "weight_share", "organisations_count", "organisations_share")
SOURCES = ("electronic", "paper")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Poll(Base):
    """A vote (Abstimmung) or an election (Wahl) in a conference."""

    __tablename__ = "poll"
    __table_args__ = (
        CheckConstraint(_in("kind", POLL_KINDS), name="kind_valid"),
        CheckConstraint(_in("target_kind", TARGET_KINDS), name="target_kind_valid"),
        CheckConstraint(_in("method", METHODS), name="method_valid"),
        CheckConstraint(_in("state", POLL_STATES), name="state_valid"),
        CheckConstraint(_in("majority", MAJORITIES), name="majority_valid"),
        CheckConstraint(_in("quorum_kind", QUORUM_KINDS), name="quorum_kind_valid"),
        CheckConstraint(_in("source", SOURCES), name="source_valid"),
        CheckConstraint(
            "(kind = 'election') = (target_kind = 'election')", name="election_has_no_target"
        ),
        CheckConstraint(
            "(kind = 'motion' AND method = 'yes_no_abstain') OR "
            "(kind = 'election' AND method IN ('approval', 'candidate_yes_no_abstain'))",
            name="method_fits_kind",
        ),
        CheckConstraint(
            "(amendment_id IS NOT NULL) = (target_kind = 'amendment') AND "
            "(document_id IS NOT NULL) = (target_kind = 'document') AND "
            "(demand_id IS NOT NULL) = (target_kind = 'demand')",
            name="one_target",
        ),
        CheckConstraint("seats >= 1", name="seats_positive"),
        CheckConstraint("quorum_numerator >= 0 AND quorum_denominator >= 1", name="quorum_valid"),
        CheckConstraint("cast_count >= 0 AND cast_weight >= 0", name="cast_not_negative"),
        CheckConstraint("weight_scale >= 1", name="weight_scale_positive"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        # At most one open poll per conference: the phones show "the" ballot.
        partial_unique_index(
            "uq_poll_one_open_per_conference", "conference_id", where="state = 'open'"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conference.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="motion")
    target_kind: Mapped[str] = mapped_column(String(16), default="question")
    amendment_id: Mapped[int | None] = mapped_column(
        ForeignKey("amendment.id", ondelete="RESTRICT"), index=True
    )
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("document.id", ondelete="RESTRICT"), index=True
    )
    demand_id: Mapped[int | None] = mapped_column(
        ForeignKey("demand.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    #: The question put to the vote, in free text (procedural questions, notes).
    question: Mapped[str] = mapped_column(Text, default="")
    #: Secret: who voted and what was chosen are never linked. Named: published after close.
    secret: Mapped[bool] = mapped_column(default=False)
    method: Mapped[str] = mapped_column(String(32), default="yes_no_abstain")
    #: Places to fill in an election; in an approval vote, candidates a ballot may approve.
    seats: Mapped[int] = mapped_column(default=1)
    majority: Mapped[str] = mapped_column(String(20), default="simple")
    quorum_kind: Mapped[str] = mapped_column(String(24), default="none")
    #: The quorum as a fraction (share) or, for ``organisations_count``, a number (over 1).
    quorum_numerator: Mapped[int] = mapped_column(default=0)
    quorum_denominator: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    #: "paper": counts from a show of hands or paper ballots, entered by a moderator.
    source: Mapped[str] = mapped_column(String(16), default="electronic")
    #: Seconds the poll stays open once opened; None: until a moderator closes it.
    duration_seconds: Mapped[int | None]
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the countdown closes the poll.
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Weights are whole multiples of 1/weight_scale (votes shared within an organisation).
    weight_scale: Mapped[int] = mapped_column(BigInteger, default=1)
    #: Frozen at opening.
    eligible_count: Mapped[int] = mapped_column(default=0)
    eligible_weight: Mapped[int] = mapped_column(BigInteger, default=0)
    #: What quorum and "absolute majority of the eligible" count against: "present" (the
    #: eligible weight frozen at opening) or "members" (every accredited vote with voting
    #: right, present or not). Frozen at opening.
    quorum_base: Mapped[str] = mapped_column(
        String(10), default="present", server_default="present"
    )
    #: The weight of every accredited vote with voting right at opening; None before.
    member_weight: Mapped[int | None] = mapped_column(BigInteger)
    #: Member organisations represented by a present delegate at opening, and all of them.
    organisations_present: Mapped[int] = mapped_column(default=0)
    organisations_total: Mapped[int] = mapped_column(default=0)
    #: Ballots accepted so far; bumping it is the first write of each ballot's transaction.
    cast_count: Mapped[int] = mapped_column(default=0)
    cast_weight: Mapped[int] = mapped_column(BigInteger, default=0)
    #: The outcome with the numbers and the rule that decided it; set at close.
    result: Mapped[dict | None] = mapped_column(JSON)
    #: An encrypted secret poll: {"ceremony", "label", "key", "threshold", "trustees"} from
    #: the opening, with "totals" and "weight" from the close. None: ballots in plaintext.
    encryption: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    candidates: Mapped[list[PollCandidate]] = relationship(
        back_populates="poll", order_by="PollCandidate.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Poll {self.id} {self.state} {self.title!r}>"


class PollCandidate(Base):
    """A person standing in an election."""

    __tablename__ = "poll_candidate"
    __table_args__ = (
        UniqueConstraint("poll_id", "position"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    poll: Mapped[Poll] = relationship(back_populates="candidates")


class PollVoter(Base):
    """One vote that may be cast in a poll, frozen when it opens (the eligible set).

    ``accreditation_id`` owns the vote; ``caster_id`` casts it: the owner, or the holder of
    the owner's proxy.
    """

    __tablename__ = "poll_voter"
    __table_args__ = (
        PrimaryKeyConstraint("poll_id", "accreditation_id"),
        CheckConstraint("weight >= 1", name="weight_positive"),
        Index("ix_poll_voter_caster", "poll_id", "caster_id"),
    )

    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"))
    accreditation_id: Mapped[int] = mapped_column(
        ForeignKey("accreditation.id", ondelete="CASCADE")
    )
    caster_id: Mapped[int] = mapped_column(ForeignKey("accreditation.id", ondelete="CASCADE"))
    #: In units of 1/Poll.weight_scale.
    weight: Mapped[int] = mapped_column(BigInteger)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )


class PollParticipation(Base):
    """That a vote was cast (hat abgestimmt): at most one per voter and poll, by the schema.

    Holds what a retry needs (the submission id and the receipt's tracker) and, in named
    polls only, the choice. No timestamp: arrival order must not be recoverable.
    """

    __tablename__ = "poll_participation"
    __table_args__ = (
        PrimaryKeyConstraint("poll_id", "voter_id"),
        {"sqlite_with_rowid": False},
    )

    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"))
    #: The accreditation that owns the vote (the proxy giver when a holder cast it).
    voter_id: Mapped[int] = mapped_column(ForeignKey("accreditation.id", ondelete="CASCADE"))
    #: Who cast it: the voter, or the holder of the voter's proxy.
    cast_by_id: Mapped[int] = mapped_column(ForeignKey("accreditation.id", ondelete="CASCADE"))
    #: Chosen by the client; a retry with the same id gets the same receipt.
    submission_id: Mapped[str] = mapped_column(String(64))
    #: Shown to the voter and published (without the choice in secret polls) after close.
    tracker: Mapped[str] = mapped_column(String(64))
    #: Named polls only; always None in secret polls.
    choice: Mapped[dict | None] = mapped_column(JSON)


class Ballot(Base):
    """What was chosen (Stimmzettel). Nothing here names the voter or when the ballot came."""

    __tablename__ = "poll_ballot"
    __table_args__ = (
        CheckConstraint("weight >= 1", name="weight_positive"),
        {"sqlite_with_rowid": False},
    )

    #: Random; sorting by it shuffles the ballots.
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    choice: Mapped[dict] = mapped_column(JSON)
    #: In units of 1/Poll.weight_scale.
    weight: Mapped[int] = mapped_column(BigInteger)


class PollTracker(Base):
    """A receipt's tracker, published after close; linked to no ballot."""

    __tablename__ = "poll_tracker"
    __table_args__ = ({"sqlite_with_rowid": False},)

    tracker: Mapped[str] = mapped_column(String(64), primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)


class Proxy(Base):
    """A delegate's vote goes to another delegate of the same organisation (Stimmübertragung).

    A holder's proxies take numbered slots; the conference allows ``max_proxies_per_holder``
    slots, and the unique (holder, slot) pair keeps concurrent moderators from exceeding it.
    """

    __tablename__ = "proxy"
    __table_args__ = (
        UniqueConstraint("conference_id", "giver_id"),
        UniqueConstraint("holder_id", "slot"),
        CheckConstraint("giver_id <> holder_id", name="not_to_oneself"),
        CheckConstraint("slot >= 1", name="slot_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conference.id", ondelete="CASCADE"), index=True
    )
    giver_id: Mapped[int] = mapped_column(ForeignKey("accreditation.id", ondelete="CASCADE"))
    holder_id: Mapped[int] = mapped_column(
        ForeignKey("accreditation.id", ondelete="CASCADE"), index=True
    )
    slot: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    giver: Mapped[Accreditation] = relationship(foreign_keys=[giver_id])
    holder: Mapped[Accreditation] = relationship(foreign_keys=[holder_id])
