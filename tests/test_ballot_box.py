"""Group commit: ballots that arrive together are checked one by one and stored in one commit."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from participation.extensions import db
from participation.models import AuditEntry
from participation.services import audit, voting
from participation.services.errors import Conflict, Invalid, NotAllowed, NotFound
from participation.services.voting import ballot_box, casting
from tests.helpers import add_delegate, build_world, opened, run_at_once, stored


def _pending(acc_id, poll, choice="yes", submission=None):
    return ballot_box.PendingBallot(
        acc_id, poll.id, choice, submission or uuid.uuid4().hex, conference_id=poll.conference_id
    )


@pytest.fixture
def commits(app):
    """How many transactions were committed."""
    seen = []

    @event.listens_for(db.session, "after_commit")
    def _count(_session):
        seen.append(1)

    yield seen
    event.remove(db.session, "after_commit", _count)


def test_a_batch_checks_each_ballot_and_stores_the_valid_ones_in_one_commit(app, world, commits):
    voters = [world.delegate, world.delegate_b] + [
        add_delegate(world, f"Delegierte {i}", world.org_a) for i in range(4)
    ]
    poll = opened(world, secret=False)
    first = _pending(voters[0].id, poll, submission="first-submission")
    batch = [first] + [_pending(v.id, poll, choice="no") for v in voters[1:]]
    retry = _pending(voters[0].id, poll, submission="first-submission")
    again = _pending(voters[1].id, poll)
    outsider = _pending(world.observer.id, poll)
    spoilt = _pending(voters[0].id, poll, choice="perhaps", submission="spoilt-submission")
    batch += [retry, again, outsider, spoilt]
    head_before = voting.audit_head()["seq"]
    commits.clear()

    casting.store(batch)

    assert len(commits) == 1
    assert stored(poll.id) == (6, 6, 6, 6)
    receipts = [b.receipt for b in batch[:6]]
    assert all(r is not None and not r.repeated for r in receipts)
    assert len({r.tracker for r in receipts}) == 6
    assert retry.receipt.tracker == first.receipt.tracker and retry.receipt.repeated
    assert isinstance(again.error, Conflict) and "already" in str(again.error)
    assert isinstance(outsider.error, NotAllowed)
    # The first ballot for this vote is stored; a spoilt retry with another id is "already voted".
    assert isinstance(spoilt.error, Conflict)
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.seq > head_before).order_by(AuditEntry.seq)
    ).all()
    assert [e.action for e in entries] == ["ballot.accepted"] * 6
    assert {e.data["voter"] for e in entries} == {f"accreditation:{v.id}" for v in voters}
    assert all("choice" not in e.data for e in entries)  # named choices appear at the close only
    assert audit.verify().ok


def test_an_invalid_choice_is_refused_and_the_rest_of_the_batch_stored(app, world):
    poll = opened(world)
    good = _pending(world.delegate.id, poll)
    spoilt = _pending(world.delegate_b.id, poll, choice={"vote": "perhaps"})
    casting.store([good, spoilt])
    assert good.receipt is not None
    assert isinstance(spoilt.error, Invalid)
    assert stored(poll.id) == (1, 1, 1, 1)


def test_a_closed_poll_refuses_new_ballots_but_answers_retries(app, world):
    poll = opened(world)
    stored = voting.cast_ballot(world.delegate.id, poll.id, "yes", "stored-before-close")
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    retry = _pending(world.delegate.id, poll, submission="stored-before-close")
    late = _pending(world.delegate_b.id, poll)
    casting.store([retry, late])
    assert retry.receipt.tracker == stored.tracker and retry.receipt.repeated
    assert isinstance(late.error, Conflict) and "closed" in str(late.error)


def test_a_batch_that_breaks_a_constraint_is_stored_ballot_by_ballot(app, world, monkeypatch):
    poll = opened(world)
    batch = [_pending(world.delegate.id, poll), _pending(world.delegate_b.id, poll)]
    real = casting._store_poll

    def clash(poll_id, ballots):
        monkeypatch.setattr(casting, "_store_poll", real)  # the batch clashes, once
        real(poll_id, ballots)
        raise IntegrityError("INSERT", {}, Exception("unique constraint"))

    monkeypatch.setattr(casting, "_store_poll", clash)
    casting.store(batch)
    assert all(b.receipt is not None and b.error is None for b in batch)
    assert stored(poll.id) == (2, 2, 2, 2)
    assert audit.verify().ok


@pytest.mark.parametrize("submission", ["stored-in-between", "another-submission"])
def test_a_ballot_that_clashes_alone_is_answered_from_the_one_stored_in_between(
    app, world, monkeypatch, submission
):
    """Another process stores a ballot for the same vote after this one's checks read: the
    unique key refuses the write, and the ballot gets that ballot's receipt if it was the same
    submission, else "already voted"."""
    poll = opened(world)
    first = voting.cast_ballot(world.delegate.id, poll.id, "yes", "stored-in-between")
    real = casting._claims

    def unseen(poll_id, ballots):
        monkeypatch.setattr(casting, "_claims", real)
        votes, _earlier = real(poll_id, ballots)
        return votes, {}

    monkeypatch.setattr(casting, "_claims", unseen)
    ballot = _pending(world.delegate.id, poll, choice="no", submission=submission)
    casting.store([ballot])
    if submission == "stored-in-between":
        assert ballot.receipt.tracker == first.tracker and ballot.receipt.repeated
    else:
        assert isinstance(ballot.error, Conflict) and "already" in str(ballot.error)
    assert stored(poll.id) == (1, 1, 1, 1)
    assert audit.verify().ok


def test_ballots_cast_at_once_share_a_commit_and_each_counts_once(any_db_app, monkeypatch):
    """Forty phones vote at once, five of them twice (threads, each with its own session, as
    requests of a server have): the first writer waits until every other ballot is in the box,
    so 45 ballots take at most two commits."""
    world = build_world()
    voters = [add_delegate(world, f"Delegierte {i}", world.org_b) for i in range(38)]
    voters += [world.delegate, world.delegate_b]
    poll = opened(world)
    batches = []
    real = casting.store

    def store(batch):
        if not batches:  # the first writer lets everyone else queue up behind it
            box = any_db_app.extensions["ballot_box"]
            deadline = time.monotonic() + 30
            while len(box._waiting) < len(jobs) - len(batch) and time.monotonic() < deadline:
                time.sleep(0.01)
        batches.append(len(batch))
        real(batch)

    monkeypatch.setattr(casting, "store", store)
    submissions = {v.id: uuid.uuid4().hex for v in voters}
    jobs = [
        (lambda v=v: voting.cast_ballot(v.id, poll.id, "yes", submissions[v.id])) for v in voters
    ]
    jobs += [  # a double tap: the same ballot again, at the same moment
        (lambda v=v: voting.cast_ballot(v.id, poll.id, "yes", submissions[v.id]))
        for v in voters[:5]
    ]
    results = run_at_once(any_db_app, jobs)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(batches) == len(jobs) and len(batches) <= 2
    trackers = {}
    for result in results:
        trackers.setdefault(result.voter_id, set()).add(result.tracker)
    assert all(len(t) == 1 for t in trackers.values()) and len(trackers) == len(voters)
    assert stored(poll.id) == (40, 40, 40, 40)
    assert audit.verify().ok


#: What a hostile client can put into a ballot: ids past what the database stores, ids that are
#: not numbers, nested and oversized choices, submission ids of the wrong type.
HOSTILE = [
    {"voter_id": 2**63},
    {"voter_id": 2**70},
    {"voter_id": -1},
    {"voter_id": True},
    {"voter_id": "1"},
    {"voter_id": [1]},
    {"poll_id": 2**63},
    {"poll_id": -5},
    {"choice": [[[[[["yes"]]]]]]},
    {"choice": {"vote": ["yes"]}},
    {"choice": "yes" * 100_000},
    {"submission_id": {"id": "x" * 20}},
    {"submission_id": 10**30},
]


def test_hostile_ballots_in_a_batch_change_nothing_for_the_honest_ones(any_db_app):
    world = build_world()
    voters = [world.delegate, world.delegate_b] + [
        add_delegate(world, f"Delegierte {i}", world.org_a) for i in range(3)
    ]
    attackers = [add_delegate(world, f"Angreifer {n}", world.org_b) for n in range(len(HOSTILE))]
    poll = opened(world)
    honest = [_pending(v.id, poll) for v in voters]
    hostile = []
    for n, fields in enumerate(HOSTILE):
        ballot = _pending(attackers[n].id, poll)
        for name, value in fields.items():
            setattr(ballot, name, value)
        hostile.append(ballot)
    batch = [hostile[0], *honest[:2], *hostile[1:], *honest[2:]]

    casting.store(batch)

    assert all(b.receipt is not None and b.error is None for b in honest)
    assert stored(poll.id) == (5, 5, 5, 5)
    for ballot, fields in zip(hostile, HOSTILE, strict=True):
        assert ballot.receipt is None, fields
        assert isinstance(ballot.error, Invalid | NotFound | NotAllowed | Conflict), fields
    assert audit.verify().ok
