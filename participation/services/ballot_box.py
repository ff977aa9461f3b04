"""Group commit: ballots that arrive together are stored in one transaction and one commit.

When a poll opens, every delegate in the hall votes within seconds. Stored one by one, each
ballot costs a transaction of about a dozen statements and a durable commit, and the server
spends almost all its time in them. Here:

* Every call of :func:`cast` puts its ballot in the application's ballot box and waits. The
  first caller becomes the *writer*: it lets the ballots that arrived at the same moment join
  (one cooperative yield), takes up to ``MAX_BATCH`` of them and stores them together, then
  hands the box to the next waiting caller, if any. There is never more than one writer per
  process, and no thread of our own.
* A batch takes the poll's row lock first (the conditional ``UPDATE … WHERE state = 'open'``
  that refuses a closed poll), then reads the frozen votes and earlier ballots of all its voters
  in two queries, checks every ballot as the single-ballot path does — with the same messages,
  in the same order — and writes the accepted ones with one multi-row INSERT per table, one
  counter update, one turnout event and one extension of the audit chain.
* Every caller returns (and its client is acknowledged) only after the commit that stored its
  ballot. Duplicates inside a batch behave like retries: the same submission id gets the same
  receipt; another one is refused as "already voted".
* If a batch fails with a constraint violation (a ballot for the same vote stored by another
  process in between), each of its ballots is stored alone by the single-ballot path. If the
  database stays locked, every ballot of the batch gets the clean "busy, try again" error.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from participation import clock
from participation.extensions import db
from participation.models import (
    Accreditation,
    Ballot,
    Poll,
    PollParticipation,
    PollTracker,
    PollVoter,
)
from participation.services import audit, voting
from participation.services.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from participation.services.unit import Busy
from participation.services.voting import rules

#: Ballots stored in one transaction at most.
MAX_BATCH = 250


@dataclass(eq=False)
class PendingBallot:
    """A ballot in the box, and what became of it."""

    caster_id: int | None
    poll_id: int
    choice: object
    submission_id: object
    voter_id: object = None
    conference_id: int | None = None
    #: The connection that cast it (it learns of it from its receipt).
    origin: str | None = None
    done: threading.Event = field(default_factory=threading.Event)
    #: Set when the box is handed to this caller: it writes the next batch.
    lead: bool = False
    receipt: voting.Receipt | None = None
    error: BaseException | None = None

    @property
    def owner(self):
        """Whose vote this is: the proxy giver's if named, else the caster's own."""
        return self.voter_id if self.voter_id is not None else self.caster_id


class BallotBox:
    """Ballots waiting to be stored; at most one caller at a time writes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[PendingBallot] = []
        self._writing = False

    def submit(self, ballot: PendingBallot) -> None:
        """Return once ``ballot`` has its receipt or its error."""
        with self._lock:
            self._waiting.append(ballot)
            lead = not self._writing
            self._writing = True
        if not lead:
            ballot.done.wait()
            if not ballot.lead:
                return
        self._write_next()

    def _write_next(self) -> None:
        time.sleep(0)  # a cooperative yield: ballots that came in together join this batch
        with self._lock:
            batch = self._waiting[:MAX_BATCH]
            del self._waiting[:MAX_BATCH]
        try:
            store(batch)
        finally:
            for ballot in batch:
                if ballot.receipt is None and ballot.error is None:
                    ballot.error = Busy(_("The server is busy. Please try again."))
            with self._lock:
                if self._waiting:
                    successor = self._waiting[0]
                    successor.lead = True
                    successor.done.set()
                else:
                    self._writing = False
            for ballot in batch:
                ballot.done.set()


def _box() -> BallotBox:
    """The application's ballot box (each app has its own database, so its own box)."""
    return current_app.extensions.setdefault("ballot_box", BallotBox())


def cast(caster_id: int | None, poll_id: int, choice, submission_id, **options) -> voting.Receipt:
    """Cast a ballot through the box (options as ``voting.cast_one_ballot``); returns the
    receipt once the commit that stored it is done."""
    # End the caller's transaction: its connection goes back to the pool while it waits.
    db.session.rollback()
    ballot = PendingBallot(caster_id, poll_id, choice, submission_id, **options)
    _box().submit(ballot)
    if ballot.error is not None:
        raise ballot.error
    return ballot.receipt


def store(batch: list[PendingBallot]) -> None:
    """Store ``batch`` in one transaction; set each ballot's receipt or error."""
    session = db.session
    try:
        outcomes: dict[PendingBallot, voting.Receipt | DomainError] = {}
        for poll_id in dict.fromkeys(b.poll_id for b in batch):
            outcomes.update(_store_poll(poll_id, [b for b in batch if b.poll_id == poll_id]))
        session.commit()
    except IntegrityError:
        session.rollback()
        _store_one_by_one(batch)
        return
    except OperationalError as error:
        session.rollback()
        if "locked" not in str(error).lower() and "busy" not in str(error).lower():
            raise
        for ballot in batch:
            ballot.error = Busy(_("The server is busy. Please try again."))
        return
    except BaseException:
        session.rollback()
        raise
    for ballot, outcome in outcomes.items():
        if isinstance(outcome, voting.Receipt):
            ballot.receipt = outcome
        else:
            ballot.error = outcome


def _store_one_by_one(batch: list[PendingBallot]) -> None:
    for ballot in batch:
        try:
            ballot.receipt = voting.cast_one_ballot(
                ballot.caster_id,
                ballot.poll_id,
                ballot.choice,
                ballot.submission_id,
                voter_id=ballot.voter_id,
                conference_id=ballot.conference_id,
                origin=ballot.origin,
            )
        except DomainError as error:
            ballot.error = error


def _store_poll(poll_id: int, ballots: list[PendingBallot]) -> dict:
    """Check and write one poll's ballots (inside the caller's transaction)."""
    session = db.session
    table = Poll.__table__
    now = clock.now()
    # The first write takes the poll's lock and tells whether it is (still) open.
    is_open = (
        session.execute(
            update(table)
            .where(
                table.c.id == poll_id,
                table.c.state == "open",
                or_(table.c.closes_at.is_(None), table.c.closes_at > now),
            )
            .values(cast_count=table.c.cast_count)
            .returning(table.c.id)
        ).one_or_none()
        is not None
    )
    poll = session.get(Poll, poll_id, populate_existing=True)
    if poll is None:
        return {b: NotFound(_("No such poll.")) for b in ballots}
    owners = {b.owner for b in ballots if _is_id(b.owner)}
    votes = {
        v.accreditation_id: v
        for v in session.scalars(
            select(PollVoter).where(
                PollVoter.poll_id == poll.id, PollVoter.accreditation_id.in_(owners)
            )
        )
    }
    earlier = {
        row.voter_id: (row.submission_id, row.tracker)
        for row in session.execute(
            select(
                PollParticipation.voter_id,
                PollParticipation.submission_id,
                PollParticipation.tracker,
            ).where(PollParticipation.poll_id == poll.id, PollParticipation.voter_id.in_(owners))
        )
    }
    candidates = [c.id for c in poll.candidates]
    outcomes: dict = {}
    accepted: list[tuple[PendingBallot, PollVoter, dict, str]] = []
    for ballot in ballots:
        try:
            vote = _check(poll, ballot, votes)
            claimed = earlier.get(vote.accreditation_id)
            if claimed is not None:
                outcomes[ballot] = _repeat(poll.id, vote, ballot.submission_id, claimed)
                continue
            if not is_open:
                raise Conflict(_("This poll is closed; the ballot was not counted."))
            try:
                choice = rules.normalise_choice(poll.method, poll.seats, candidates, ballot.choice)
            except rules.BadChoice:
                raise Invalid(_("This ballot is not valid for this poll.")) from None
        except DomainError as error:
            outcomes[ballot] = error
            continue
        tracker = clock.token_hex(16)
        earlier[vote.accreditation_id] = (ballot.submission_id, tracker)
        accepted.append((ballot, vote, choice, tracker))
        outcomes[ballot] = voting.Receipt(poll.id, vote.accreditation_id, tracker)
    if accepted:
        _write(poll, accepted, now)
    return outcomes


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(poll: Poll, ballot: PendingBallot, votes: dict) -> PollVoter:
    """The checks of the single-ballot path before its write, in its order and with its
    messages; returns the frozen vote the ballot is for."""
    if ballot.conference_id is not None and poll.conference_id != ballot.conference_id:
        raise NotFound(_("No such poll."))
    if poll.state == "draft":
        raise Conflict(_("This poll is not open yet."))
    if poll.state == "cancelled":
        raise Conflict(_("This poll was cancelled."))
    if ballot.caster_id is None:
        raise NotAllowed(_("You are not eligible to vote in this poll."))
    if ballot.voter_id is not None and not _is_id(ballot.voter_id):
        raise Invalid(_("The request could not be understood."))
    vote = votes.get(ballot.owner)
    if vote is None or vote.caster_id != ballot.caster_id:
        if ballot.voter_id is None and voting.holds_only_proxies(poll.id, ballot.caster_id):
            raise Invalid(_("Choose whose vote you cast."))
        raise NotAllowed(_("You are not eligible to vote in this poll."))
    submission_id = ballot.submission_id
    if not isinstance(submission_id, str) or not voting.SUBMISSION_ID.match(submission_id):
        raise Invalid(_("The ballot has no valid submission id."))
    return vote


def _repeat(poll_id: int, vote: PollVoter, submission_id: str, claimed: tuple) -> voting.Receipt:
    """A ballot for a vote stored before: its receipt if it is a retry, else "already voted"."""
    stored_submission, tracker = claimed
    if stored_submission != submission_id:
        if vote.caster_id != vote.accreditation_id:
            raise Conflict(_("This proxy vote has been cast already."))
        raise Conflict(_("You have voted in this poll already."))
    return voting.Receipt(poll_id, vote.accreditation_id, tracker, repeated=True)


def _write(poll: Poll, accepted: list, now) -> None:
    """Insert the accepted ballots, count them, log them and tell the hall (after commit)."""
    session = db.session
    session.execute(
        insert(PollParticipation.__table__),
        [
            {
                "poll_id": poll.id,
                "voter_id": vote.accreditation_id,
                "cast_by_id": vote.caster_id,
                "submission_id": ballot.submission_id,
                "tracker": tracker,
                "choice": None if poll.secret else choice,
            }
            for ballot, vote, choice, tracker in accepted
        ],
    )
    session.execute(
        insert(Ballot.__table__),
        [
            {"key": clock.token_hex(16), "poll_id": poll.id, "choice": choice, "weight": v.weight}
            for _ballot, v, choice, _tracker in accepted
        ],
    )
    session.execute(
        insert(PollTracker.__table__),
        [{"tracker": tracker, "poll_id": poll.id} for *_rest, tracker in accepted],
    )
    table = Poll.__table__
    counts = session.execute(
        update(table)
        .where(table.c.id == poll.id)
        .values(
            cast_count=table.c.cast_count + len(accepted),
            cast_weight=table.c.cast_weight + sum(v.weight for _b, v, _c, _t in accepted),
        )
        .returning(table.c.cast_count, table.c.cast_weight)
    ).one()
    casters = {vote.caster_id for _b, vote, _c, _t in accepted}
    persons = dict(
        session.execute(
            select(Accreditation.id, Accreditation.person_id).where(Accreditation.id.in_(casters))
        ).all()
    )
    audit.record_many(
        [
            (
                "ballot.accepted",
                f"poll:{poll.id}",
                f"person:{persons[vote.caster_id]}",
                voting.accepted_entry_data(vote),
            )
            for _ballot, vote, _choice, _tracker in accepted
        ],
        conference_id=poll.conference_id,
        at=now,
    )
    voting.publish_turnout(poll, counts.cast_count, counts.cast_weight)
    for ballot, vote, _choice, _tracker in accepted:
        voting.publish_vote_recorded(poll, vote, persons[vote.caster_id], ballot.origin)
