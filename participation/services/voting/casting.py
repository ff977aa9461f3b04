"""Casting ballots: each exactly once, with a receipt; those that arrive together in one commit.

When a poll opens, every delegate in the hall votes within seconds. Stored one by one, each
ballot costs a transaction of about a dozen statements and a durable commit, and the server
spends almost all its time in them. So ballots are stored in batches (group commit):

* Every call of :func:`cast_ballot` puts its ballot in the application's ballot box
  (:mod:`.ballot_box`) and waits. The first caller becomes the *writer*: it lets the ballots
  that arrived at the same moment join (one cooperative yield), takes up to ``MAX_BATCH`` of
  them and stores them together (:func:`store`), then hands the box to the next waiting caller,
  if any. With ``GROUP_COMMIT`` off, each ballot is stored at once, as a batch of one.
* A batch takes the poll's row lock first (the conditional ``UPDATE … WHERE state = 'open'``
  that refuses a closed poll), then reads the frozen votes and earlier ballots of all its voters
  in two queries, checks every ballot in turn and writes the accepted ones with one multi-row
  INSERT per table (who voted, unique per poll and voter by the schema; the ballot; the
  tracker), one counter update, one turnout event and one extension of the audit chain.
* Every caller returns (and its client is acknowledged) only after the commit that stored its
  ballot. A ballot for a vote stored before, or earlier in the same batch, is a retry if it has
  the same submission id and gets the same receipt; with another one it is "already voted".
* If a batch fails with a constraint violation (a ballot for the same vote stored by another
  process in between), each of its ballots is stored again as a batch of one; a batch of one
  that still fails is answered from the ballot stored in between. If the database stays
  locked, every ballot of the batch gets the clean "busy, try again" error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from participation import clock, events
from participation.ballots import tracker
from participation.extensions import db
from participation.models import (
    Accreditation,
    Ballot,
    Base,
    Poll,
    PollParticipation,
    PollTracker,
    PollVoter,
    is_id,
)
from participation.services import audit
from participation.services.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from participation.services.unit import Busy
from participation.services.voting import proofcheck, rules, sealed
from participation.services.voting.ballot_box import PendingBallot, Receipt, app_box
from participation.services.voting.polls import candidate_ids, poll_table
from participation.services.voting.records import choice_digest
from participation.services.voting.shapes import publish_turnout

SUBMISSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
#: What became of a ballot: its receipt, or why it was refused.
Outcome: TypeAlias = Receipt | DomainError


def cast_ballot(
    caster_id: int | None,
    poll_id: int,
    choice: object,
    submission_id: object,
    *,
    voter_id: object = None,
    conference_id: int | None = None,
    origin: str | None = None,
) -> Receipt:
    """Cast a ballot as accreditation ``caster_id`` (for itself, or a proxy's ``voter_id``).

    Stores it durably and only then returns the receipt. A retry with the same submission id
    returns the same receipt, even when the first attempt and the retry raced each other.
    ``conference_id`` names the conference the poll must belong to; ``origin``, the connection
    that cast it, learns of it from the receipt, and only the caster's other devices are told.
    """
    ballot = PendingBallot(
        caster_id,
        poll_id,
        choice,
        submission_id,
        voter_id=voter_id,
        conference_id=conference_id,
        origin=origin,
    )
    # An encrypted ballot's layout, poll and pseudonym are checked here, before it waits for a
    # batch: CPU time must not be spent while the batch holds the poll's lock. Its proofs are
    # checked after the acknowledgement (:mod:`.proofcheck`), once ballots stop arriving.
    ballot.sealed = sealed.check_encrypted(poll_id, ballot.owner, choice)
    if ballot.sealed is not None:
        proofcheck.note_arrival()
    if current_app.config.get("GROUP_COMMIT", True):
        # End the caller's transaction, if it has one: its connection goes back to the pool
        # while it waits. A socket event usually has none, and none is made for it here.
        if db.session.registry.has():
            db.session.rollback()
        app_box().submit(ballot, store)
    else:
        store([ballot])
    if ballot.receipt is None:
        raise ballot.error or _busy()  # unanswered: the batch it was in could not be stored
    return ballot.receipt


def _busy() -> Busy:
    return Busy(_("The server is busy. Please try again."))


# --- storing a batch -------------------------------------------------------------------------


def store(batch: list[PendingBallot]) -> None:
    """Store ``batch`` in one transaction; set each ballot's receipt or error."""
    outcomes: dict[PendingBallot, Outcome]
    try:
        outcomes = _store_together(batch)
    except IntegrityError:
        # A ballot for one of these votes was stored by another process in between.
        if len(batch) > 1:
            for ballot in batch:
                store([ballot])
            return
        outcomes = {batch[0]: _answer_from_stored(batch[0])}
    except Busy as error:
        outcomes = {ballot: error for ballot in batch}
    for ballot, outcome in outcomes.items():
        if isinstance(outcome, Receipt):
            ballot.receipt = outcome
        else:
            ballot.error = outcome


def _store_together(batch: list[PendingBallot]) -> dict[PendingBallot, Outcome]:
    """Check and write every poll's ballots of ``batch``, then commit; roll back on any error."""
    session = db.session
    try:
        outcomes: dict[PendingBallot, Outcome] = {}
        for poll_id in dict.fromkeys(b.poll_id for b in batch):
            ballots = [b for b in batch if b.poll_id == poll_id]
            if not is_id(poll_id):  # names no poll; never bound into a query of the batch
                outcomes.update({b: NotFound(_("No such poll.")) for b in ballots})
                continue
            outcomes.update(_store_poll(poll_id, ballots))
        session.commit()
    except OperationalError as error:
        session.rollback()
        if "locked" not in str(error).lower() and "busy" not in str(error).lower():
            raise
        raise _busy() from error
    except BaseException:
        session.rollback()
        raise
    return outcomes


def _store_poll(poll_id: int, ballots: list[PendingBallot]) -> dict[PendingBallot, Outcome]:
    """Check and write one poll's ballots (inside the caller's transaction)."""
    session = db.session
    table = poll_table()
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
        return {ballot: NotFound(_("No such poll.")) for ballot in ballots}
    votes, earlier = _claims(poll.id, ballots)
    candidates = candidate_ids(poll)
    outcomes: dict[PendingBallot, Outcome] = {}
    accepted: list[_Accepted] = []
    for ballot in ballots:
        try:
            vote = _check(poll, ballot, votes)
            claimed = earlier.get(vote.accreditation_id)
            if claimed is not None:
                outcomes[ballot] = _repeat(poll.id, vote, ballot.submission_id, claimed)
                continue
            if not is_open:
                raise Conflict(_("This poll is closed; the ballot was not counted."))
            choice, tracker = _content(poll, candidates, ballot)
        except DomainError as error:
            outcomes[ballot] = error
            continue
        earlier[vote.accreditation_id] = (ballot.submission_id, tracker)
        accepted.append(_Accepted(ballot, vote, choice, tracker))
        outcomes[ballot] = Receipt(poll.id, vote.accreditation_id, tracker)
    if accepted:
        _write(poll, accepted, now)
    return outcomes


def _content(poll: Poll, candidates: list[int], ballot: PendingBallot) -> tuple[dict, str]:
    """What is stored of a checked ballot, and its receipt's tracker.

    An encrypted poll stores the encrypted ballot whose proofs were checked, and its tracker
    is the ballot's hash; any other poll stores the choice in its canonical form under a
    random tracker.
    """
    if poll.encryption is not None:
        if ballot.sealed is None:
            raise Invalid(_("This poll takes encrypted ballots only. Please reload the page."))
        return ballot.sealed, tracker(ballot.sealed)
    try:
        choice = rules.normalise_choice(poll.method, poll.seats, candidates, ballot.choice)
    except rules.BadChoice:
        raise Invalid(_("This ballot is not valid for this poll.")) from None
    return choice, clock.token_hex(16)


def _claims(
    poll_id: int, ballots: list[PendingBallot]
) -> tuple[dict[int, PollVoter], dict[int, tuple[object, str]]]:
    """The frozen votes the ballots are for, and the (submission id, tracker) of each ballot
    stored for them before, by owner."""
    owners = {b.owner for b in ballots} - {None}
    votes = {
        v.accreditation_id: v
        for v in db.session.scalars(
            select(PollVoter).where(
                PollVoter.poll_id == poll_id, PollVoter.accreditation_id.in_(owners)
            )
        )
    }
    earlier: dict[int, tuple[object, str]] = {
        voter_id: (submission_id, tracker)
        for voter_id, submission_id, tracker in db.session.execute(
            select(
                PollParticipation.voter_id,
                PollParticipation.submission_id,
                PollParticipation.tracker,
            ).where(PollParticipation.poll_id == poll_id, PollParticipation.voter_id.in_(owners))
        ).tuples()
    }
    return votes, earlier


def _answer_from_stored(ballot: PendingBallot) -> Outcome:
    """A batch of one broke the one-ballot-per-vote key: another process stored a ballot for
    this vote in between. Its receipt if that was this submission, else "already voted"."""
    try:
        poll = db.session.get(Poll, ballot.poll_id)
        if poll is None:
            return NotFound(_("No such poll."))
        votes, earlier = _claims(poll.id, [ballot])
        vote = _vote_of(poll, ballot, votes)
        claimed = earlier.get(vote.accreditation_id)
        if claimed is None:
            raise Conflict(_("The ballot could not be stored. Please try again."))
        return _repeat(poll.id, vote, ballot.submission_id, claimed)
    except DomainError as error:
        return error
    finally:
        db.session.rollback()  # end the read transaction


def _check(poll: Poll, ballot: PendingBallot, votes: dict[int, PollVoter]) -> PollVoter:
    """Refuse a ballot the poll does not take; returns the frozen vote it is for."""
    # A draft is not found, as it is not to anyone but the moderators when read: a ballot
    # must not tell which draft ids exist.
    if poll.state == "draft" or (
        ballot.conference_id is not None and poll.conference_id != ballot.conference_id
    ):
        raise NotFound(_("No such poll."))
    if poll.state == "cancelled":
        raise Conflict(_("This poll was cancelled."))
    vote = _vote_of(poll, ballot, votes)
    submission_id = ballot.submission_id
    if not isinstance(submission_id, str) or not SUBMISSION_ID.match(submission_id):
        raise Invalid(_("The ballot has no valid submission id."))
    return vote


def _vote_of(poll: Poll, ballot: PendingBallot, votes: dict[int, PollVoter]) -> PollVoter:
    """The frozen vote the caster casts: its own, or the proxy giver's named by voter_id."""
    if ballot.caster_id is None:
        raise NotAllowed(_("You are not eligible to vote in this poll."))
    owner = ballot.owner
    if owner is None:  # a proxy giver named by something that is not an id
        raise Invalid(_("The request could not be understood."))
    vote = votes.get(owner)
    if vote is None or vote.caster_id != ballot.caster_id:
        if ballot.voter_id is None and holds_only_proxies(poll.id, ballot.caster_id):
            raise Invalid(_("Choose whose vote you cast."))
        raise NotAllowed(_("You are not eligible to vote in this poll."))
    return vote


def holds_only_proxies(poll_id: int, caster_id: int) -> bool:
    return (
        db.session.scalar(
            select(PollVoter.accreditation_id)
            .where(PollVoter.poll_id == poll_id, PollVoter.caster_id == caster_id)
            .limit(1)
        )
        is not None
    )


def _repeat(
    poll_id: int, vote: PollVoter, submission_id: object, claimed: tuple[object, str]
) -> Receipt:
    """A ballot for a vote stored before: its receipt if it is a retry, else "already voted"."""
    stored_submission, tracker = claimed
    if stored_submission != submission_id:
        if vote.caster_id != vote.accreditation_id:
            raise Conflict(_("This proxy vote has been cast already."))
        raise Conflict(_("You have voted in this poll already."))
    return Receipt(poll_id, vote.accreditation_id, tracker, repeated=True)


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Accepted:
    """A ballot that passed the checks, with what is written for it."""

    ballot: PendingBallot
    vote: PollVoter
    #: The choice in its canonical form.
    choice: dict
    tracker: str


def _write(poll: Poll, accepted: list[_Accepted], now: datetime) -> None:
    """Insert the accepted ballots, count them, log them and tell the hall (after commit)."""
    session = db.session
    session.execute(
        insert(_table(PollParticipation)),
        [
            {
                "poll_id": poll.id,
                "voter_id": a.vote.accreditation_id,
                "cast_by_id": a.vote.caster_id,
                "submission_id": a.ballot.submission_id,
                "tracker": a.tracker,
                "choice": None if poll.secret else a.choice,
            }
            for a in accepted
        ],
    )
    session.execute(
        insert(_table(Ballot)),
        [
            {
                "key": clock.token_hex(16),
                "poll_id": poll.id,
                "choice": a.choice,
                "weight": a.vote.weight,
            }
            for a in accepted
        ],
    )
    session.execute(
        insert(_table(PollTracker)),
        [{"tracker": a.tracker, "poll_id": poll.id} for a in accepted],
    )
    table = poll_table()
    counts = session.execute(
        update(table)
        .where(table.c.id == poll.id)
        .values(
            cast_count=table.c.cast_count + len(accepted),
            cast_weight=table.c.cast_weight + sum(a.vote.weight for a in accepted),
        )
        .returning(table.c.cast_count, table.c.cast_weight)
    ).one()
    casters = {a.vote.caster_id for a in accepted}
    persons: dict[int, int] = dict(
        session.execute(
            select(Accreditation.id, Accreditation.person_id).where(Accreditation.id.in_(casters))
        )
        .tuples()
        .all()
    )
    audit.record_many(
        [
            (
                "ballot.accepted",
                f"poll:{poll.id}",
                f"person:{persons[a.vote.caster_id]}",
                accepted_entry_data(a.vote, **_recorded_content(poll, a)),
            )
            for a in accepted
        ],
        conference_id=poll.conference_id,
        at=now,
    )
    if poll.encryption is not None:
        stored = [(a.tracker, a.choice, a.vote.weight) for a in accepted]
        proofcheck.schedule(poll.id, poll.encryption, stored)
    publish_turnout(poll, counts.cast_count, counts.cast_weight)
    for a in accepted:
        publish_vote_recorded(poll, a.vote, persons[a.vote.caster_id], a.ballot.origin)


def _table(model: type[Base]) -> Table:
    """A model's table, for the multi-row INSERTs (no ORM bookkeeping per row)."""
    return cast(Table, model.__table__)


def _recorded_content(poll: Poll, accepted: _Accepted) -> dict:
    """What an accepted ballot's entry binds of its content (see :func:`accepted_entry_data`)."""
    if poll.encryption is not None:
        return {"tracker": accepted.tracker}
    if not poll.secret:
        return {"choice_digest": choice_digest(accepted.tracker, accepted.choice)}
    return {}


def accepted_entry_data(
    vote: PollVoter, *, tracker: str | None = None, choice_digest: str | None = None
) -> dict:
    """What the audit entry of an accepted ballot says: whose vote, who cast it, and what
    binds its content into the chain from the moment it was cast.

    No choice, not even for a named poll: who voted what is published only after the close.
    An encrypted ballot's tracker (its hash) is recorded, since the ciphertext reveals nothing;
    a named ballot's choice is recorded as a digest salted with its tracker. A plaintext
    secret ballot's content is bound only at the close (``ballots_digest``): anything recorded
    per voter before would link the voter to the choice.
    """
    data = {"voter": f"accreditation:{vote.accreditation_id}"}
    if tracker is not None:
        data["tracker"] = tracker
    if choice_digest is not None:
        data["choice_digest"] = choice_digest
    if vote.caster_id != vote.accreditation_id:
        data["proxy_holder"] = f"accreditation:{vote.caster_id}"
    return data


def publish_vote_recorded(
    poll: Poll, vote: PollVoter, caster_person_id: int, origin: str | None = None
) -> None:
    """Tell the caster's other devices that this vote is cast (after commit)."""
    events.publish(
        db.session(),
        "vote_recorded",
        f"user:{caster_person_id}",
        {
            "conference_id": poll.conference_id,
            "poll_id": poll.id,
            "voter_id": vote.accreditation_id,
        },
        skip=origin,
    )
