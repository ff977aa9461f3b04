"""Group commit for ballots: a proposal for ``participation/services/voting.py``, measured here.

One commit per ballot costs one transaction of about a dozen statements per ballot; when a
thousand delegates vote within seconds, a server spends almost all its time in them. Here
ballots that arrive together share one transaction and one durable commit:

* Each ``cast_ballot`` call puts its ballot in the process's ballot box and waits. The first
  caller becomes the *writer*: it lets the other ballots that arrived at the same moment join
  (one cooperative yield), takes up to ``MAX_BATCH`` of them and stores them together, then hands
  the box to the next waiting caller, if any, and returns. So there is never more than one
  writer per process, and no thread of our own.
* The batch takes the poll's row lock first (the conditional ``UPDATE … WHERE state = 'open'``
  that refuses a closed poll, as before), then reads the frozen votes and earlier ballots of
  all its voters in two queries, checks every ballot as ``_cast`` does — with the same messages
  and in the same order — and writes the accepted ones with one multi-row INSERT per table,
  one counter update, one turnout event and one extension of the audit chain.
* Every caller returns (and its socket is acknowledged) only after the commit that stored its
  ballot. Duplicates inside a batch behave like retries: the same submission id gets the same
  receipt; another one is refused as "already voted".
* If the batch fails as a whole with a constraint violation (another process got in between,
  which the poll lock rules out), each of its ballots is stored alone, as before. If the
  database stays locked, every ballot of the batch gets the clean "busy, try again" error.

``install()`` swaps this in for ``voting.cast_ballot`` (``vote_burst --proposals group-commit``);
merged into ``voting.py`` it would replace ``cast_ballot`` and keep ``_cast`` as the fall-back.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from participation import clock, events
from participation.extensions import db
from participation.models import (
    Accreditation,
    AuditEntry,
    AuditHead,
    Ballot,
    Poll,
    PollParticipation,
    PollTracker,
    PollVoter,
)
from participation.services import audit, voting
from participation.services import voting_rules as rules
from participation.services.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from participation.services.unit import Busy
from participation.services.voting import SUBMISSION_ID, Receipt

#: Ballots stored in one transaction at most.
MAX_BATCH = 250

_single_cast = voting.cast_ballot


@dataclass(eq=False)
class _Ballot:
    caster_id: int | None
    poll_id: int
    choice: object
    submission_id: object
    voter_id: object
    conference_id: int | None
    done: threading.Event = field(default_factory=threading.Event)
    #: Set when the box is handed to this caller: it writes the next batch.
    lead: bool = False
    receipt: Receipt | None = None
    error: BaseException | None = None

    @property
    def owner(self):
        return self.voter_id if self.voter_id is not None else self.caster_id


class BallotBox:
    """Ballots waiting to be stored; at most one caller at a time writes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[_Ballot] = []
        self._writing = False

    def submit(self, ballot: _Ballot) -> None:
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


_box = BallotBox()


def cast_ballot(
    caster_id: int | None,
    poll_id: int,
    choice,
    submission_id,
    *,
    voter_id: int | None = None,
    conference_id: int | None = None,
) -> Receipt:
    """Cast a ballot, as ``voting.cast_ballot``; concurrent ballots share one commit.

    Returns the receipt only after the transaction that stored the ballot committed.
    """
    # End this request's transaction: its connection goes back to the pool while it waits.
    db.session.rollback()
    ballot = _Ballot(caster_id, poll_id, choice, submission_id, voter_id, conference_id)
    _box.submit(ballot)
    if ballot.error is not None:
        raise ballot.error
    return ballot.receipt


def store(batch: list[_Ballot]) -> None:
    """Store ``batch`` in one transaction; set each ballot's receipt or error."""
    session = db.session
    try:
        outcomes: dict[_Ballot, Receipt | DomainError] = {}
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
        if isinstance(outcome, Receipt):
            ballot.receipt = outcome
        else:
            ballot.error = outcome


def _store_one_by_one(batch: list[_Ballot]) -> None:
    for ballot in batch:
        try:
            ballot.receipt = _single_cast(
                ballot.caster_id,
                ballot.poll_id,
                ballot.choice,
                ballot.submission_id,
                voter_id=ballot.voter_id,
                conference_id=ballot.conference_id,
            )
        except DomainError as error:
            ballot.error = error


def _store_poll(poll_id: int, ballots: list[_Ballot]) -> dict:
    """Check and write one poll's ballots (inside the caller's transaction)."""
    session = db.session
    table = Poll.__table__
    now = clock.now()
    # The first write takes the poll's lock and refuses a poll that is not open (any more).
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
    outcomes: dict = {}
    if poll is None:
        return {b: NotFound(_("No such poll.")) for b in ballots}
    owners = {
        b.owner for b in ballots if isinstance(b.owner, int) and not isinstance(b.owner, bool)
    }
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
    accepted: list[tuple[_Ballot, PollVoter, dict, str]] = []
    for ballot in ballots:
        try:
            vote = _check(poll, ballot, votes)
            claimed = earlier.get(vote.accreditation_id)
            if claimed is not None:
                outcomes[ballot] = _repeat(poll.id, vote, ballot.submission_id, claimed)
                continue
            try:
                choice = rules.normalise_choice(poll.method, poll.seats, candidates, ballot.choice)
            except rules.BadChoice:
                raise Invalid(_("This ballot is not valid for this poll.")) from None
            if not is_open:
                raise Conflict(_("This poll is closed; the ballot was not counted."))
        except DomainError as error:
            outcomes[ballot] = error
            continue
        tracker = clock.token_hex(16)
        earlier[vote.accreditation_id] = (ballot.submission_id, tracker)
        accepted.append((ballot, vote, choice, tracker))
        outcomes[ballot] = Receipt(poll.id, vote.accreditation_id, tracker)
    if accepted:
        _write(poll, accepted, now)
    return outcomes


def _check(poll: Poll, ballot: _Ballot, votes: dict) -> PollVoter:
    """The checks of ``voting._cast`` before its write, in its order and with its messages."""
    if ballot.conference_id is not None and poll.conference_id != ballot.conference_id:
        raise NotFound(_("No such poll."))
    if poll.state == "draft":
        raise Conflict(_("This poll is not open yet."))
    if poll.state == "cancelled":
        raise Conflict(_("This poll was cancelled."))
    if ballot.caster_id is None:
        raise NotAllowed(_("You are not eligible to vote in this poll."))
    voter_id = ballot.voter_id
    if voter_id is not None and not (isinstance(voter_id, int) and not isinstance(voter_id, bool)):
        raise Invalid(_("The request could not be understood."))
    vote = votes.get(ballot.owner)
    if vote is None or vote.caster_id != ballot.caster_id:
        if voter_id is None and voting._holds_only_proxies(poll.id, ballot.caster_id):
            raise Invalid(_("Choose whose vote you cast."))
        raise NotAllowed(_("You are not eligible to vote in this poll."))
    submission_id = ballot.submission_id
    if not isinstance(submission_id, str) or not SUBMISSION_ID.match(submission_id):
        raise Invalid(_("The ballot has no valid submission id."))
    return vote


def _repeat(poll_id: int, vote: PollVoter, submission_id: str, claimed: tuple) -> Receipt:
    stored_submission, tracker = claimed
    if stored_submission != submission_id:
        if vote.caster_id != vote.accreditation_id:
            raise Conflict(_("This proxy vote has been cast already."))
        raise Conflict(_("You have voted in this poll already."))
    return Receipt(poll_id, vote.accreditation_id, tracker, repeated=True)


def _write(poll: Poll, accepted: list, now) -> None:
    session = db.session
    table = Poll.__table__
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
            {
                "key": clock.token_hex(16),
                "poll_id": poll.id,
                "choice": choice,
                "weight": vote.weight,
            }
            for _ballot, vote, choice, _tracker in accepted
        ],
    )
    session.execute(
        insert(PollTracker.__table__),
        [{"tracker": tracker, "poll_id": poll.id} for *_rest, tracker in accepted],
    )
    counts = session.execute(
        update(table)
        .where(table.c.id == poll.id)
        .values(
            cast_count=table.c.cast_count + len(accepted),
            cast_weight=table.c.cast_weight + sum(vote.weight for _b, vote, _c, _t in accepted),
        )
        .returning(table.c.cast_count, table.c.cast_weight)
    ).one()
    casters = {vote.caster_id for _b, vote, _c, _t in accepted}
    persons = dict(
        session.execute(
            select(Accreditation.id, Accreditation.person_id).where(Accreditation.id.in_(casters))
        ).all()
    )
    entries = []
    for _ballot, vote, choice, _tracker in accepted:
        data = {"voter": f"accreditation:{vote.accreditation_id}"}
        if vote.caster_id != vote.accreditation_id:
            data["proxy_holder"] = f"accreditation:{vote.caster_id}"
        if not poll.secret:
            data["choice"] = choice
            data["weight"] = vote.weight
        entries.append(
            ("ballot.accepted", f"poll:{poll.id}", f"person:{persons[vote.caster_id]}", data)
        )
    record_many(entries, conference_id=poll.conference_id, at=now)
    voting._publish_turnout(poll, counts.cast_count, counts.cast_weight)
    for _ballot, vote, _choice, _tracker in accepted:
        events.publish(
            session,
            "vote_recorded",
            f"user:{persons[vote.caster_id]}",
            {
                "conference_id": poll.conference_id,
                "poll_id": poll.id,
                "voter_id": vote.accreditation_id,
            },
        )


def record_many(entries: list[tuple[str, str, str, dict]], *, conference_id, at) -> None:
    """Append ``(action, subject, actor, data)`` entries to the audit chain in one go.

    The same chain as ``audit.record`` entry by entry (a proposal for ``services/audit.py``):
    the head row is bumped by the number of entries first, which takes its lock.
    """
    session = db.session
    bumped = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + len(entries))
    )
    if bumped.rowcount == 0:  # no chain yet: let record() start it
        for action, subject, actor, data in entries:
            audit.record(action, subject, actor=actor, conference_id=conference_id, data=data)
        return
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    seq, prev = head.seq - len(entries), head.hash
    rows = []
    for action, subject, actor, data in entries:
        seq += 1
        entry = AuditEntry(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            conference_id=conference_id,
            data=data,
            prev_hash=prev,
        )
        entry.hash = audit.entry_hash(entry, prev)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": action,
                "subject": subject,
                "conference_id": conference_id,
                "data": data,
                "prev_hash": prev,
                "hash": entry.hash,
            }
        )
        prev = entry.hash
    session.execute(insert(AuditEntry.__table__), rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))


def install() -> None:
    """Serve ballots through the ballot box (the realtime handler and the API look the
    function up on the module at each call)."""
    voting.cast_ballot = cast_ballot
