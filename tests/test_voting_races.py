"""Exactly once under concurrency, on SQLite and PostgreSQL, with real threads.

Each worker thread has its own app context, hence its own database session and connection,
as each request of a real server has.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from participation.extensions import db
from participation.models import AuditEntry, Poll
from participation.services import audit, conferences, directory, voting
from participation.services.errors import Conflict
from tests.helpers import build_world, run_at_once, socket_client, stored

THREADS = 50


@pytest.fixture
def race_world(any_db_app):
    return build_world()


def open_poll(world, **options):
    poll = voting.create_poll(
        world.moderator.person, world.conference.id, title="Wettlauf", **options
    )
    return voting.open_poll(world.moderator.person, world.conference.id, poll.id)


def bearer_for(app, world, acc) -> dict:
    response = app.test_client().post("/api/v1/auth/join", json={"code": world.codes[acc.id]})
    return {"Authorization": "Bearer " + response.get_json()["token"]}


def post_ballot(app, poll_id, headers, submission, choice="yes"):
    return app.test_client().post(
        f"/api/v1/polls/{poll_id}/ballots",
        json={"choice": choice, "submission_id": submission},
        headers=headers,
    )


# --- HTTP ------------------------------------------------------------------------------------


def test_a_double_vote_in_sequence_over_http(any_db_app, race_world):
    world = race_world
    poll = open_poll(world)
    headers = bearer_for(any_db_app, world, world.delegate)
    assert post_ballot(any_db_app, poll.id, headers, uuid.uuid4().hex).status_code == 201
    assert post_ballot(any_db_app, poll.id, headers, uuid.uuid4().hex, "no").status_code == 409
    assert stored(poll.id) == (1, 1, 1, 1)


def test_fifty_retries_at_once_over_http_store_one_ballot(any_db_app, race_world):
    world = race_world
    poll = open_poll(world)
    headers = bearer_for(any_db_app, world, world.delegate)
    submission = uuid.uuid4().hex
    responses = run_at_once(
        any_db_app,
        [lambda: post_ballot(any_db_app, poll.id, headers, submission)] * THREADS,
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1 and statuses.count(200) == THREADS - 1, statuses
    trackers = {r.get_json()["receipt"]["tracker"] for r in responses}
    assert len(trackers) == 1
    assert stored(poll.id) == (1, 1, 1, 1)


def test_fifty_different_votes_at_once_over_http_store_one_ballot(any_db_app, race_world):
    world = race_world
    poll = open_poll(world)
    headers = bearer_for(any_db_app, world, world.delegate)
    jobs = [
        (
            lambda choice: lambda: post_ballot(
                any_db_app, poll.id, headers, uuid.uuid4().hex, choice
            )
        )("yes" if i % 2 else "no")
        for i in range(THREADS)
    ]
    responses = run_at_once(any_db_app, jobs)
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 1 and statuses.count(409) == THREADS - 1, statuses
    assert stored(poll.id) == (1, 1, 1, 1)
    assert audit.verify().ok


# --- Socket.IO ---------------------------------------------------------------------------------


def _sockets(auth, app, world, acc, n):
    http = app.test_client()
    auth.join(http, world.codes[acc.id])
    sockets = [socket_client(app, http) for _ in range(n)]
    assert all(s.is_connected() for s in sockets)
    return sockets


def _emit(sio, world, poll_id, submission, choice="yes"):
    return sio.emit(
        "cast_ballot",
        {
            "conference_id": world.conference.id,
            "poll_id": poll_id,
            "choice": choice,
            "submission_id": submission,
        },
        callback=True,
    )


def test_a_double_vote_in_sequence_over_socketio(auth, any_db_app, race_world):
    world = race_world
    poll = open_poll(world)
    (sio,) = _sockets(auth, any_db_app, world, world.delegate, 1)
    assert _emit(sio, world, poll.id, uuid.uuid4().hex)["ok"] is True
    second = _emit(sio, world, poll.id, uuid.uuid4().hex, "no")
    assert second["ok"] is False and second["status"] == 409
    assert stored(poll.id) == (1, 1, 1, 1)


def test_fifty_ballots_at_once_over_socketio_store_one(auth, any_db_app, race_world):
    world = race_world
    poll = open_poll(world)
    sockets = _sockets(auth, any_db_app, world, world.delegate, THREADS)
    same = uuid.uuid4().hex
    # Half retry one submission, half try to vote again with their own.
    jobs = [
        (lambda sio, sub: lambda: _emit(sio, world, poll.id, sub))(
            sio, same if i % 2 == 0 else uuid.uuid4().hex
        )
        for i, sio in enumerate(sockets)
    ]
    acks = run_at_once(any_db_app, jobs)
    assert all(isinstance(a, dict) for a in acks), acks
    accepted = [a for a in acks if a["ok"]]
    refused = [a for a in acks if not a["ok"]]
    assert all(a["status"] == 409 for a in refused), refused
    assert len({a["receipt"]["tracker"] for a in accepted}) == 1
    assert len([a for a in accepted if not a["receipt"]["repeated"]]) == 1
    assert stored(poll.id) == (1, 1, 1, 1)
    for sio in sockets:
        sio.disconnect()


# --- opening and closing ---------------------------------------------------------------------


def _voters(world, n):
    staff = world.staff
    result = []
    for i in range(n):
        person = directory.save_person(staff, display_name=f"Delegierte {i}")
        acc = conferences.save_accreditation(
            staff,
            world.conference.id,
            person_id=person.id,
            role="delegate",
            organisation_id=(world.org_a if i % 2 else world.org_b).id,
            voting_right=True,
        )
        conferences.set_presence(staff, world.conference.id, acc.id, True)
        result.append(acc)
    return result


def test_votes_racing_a_close_are_counted_before_it_or_refused(any_db_app, race_world):
    world = race_world
    voters = _voters(world, 24)
    poll = open_poll(world, secret=True)
    moderator = world.moderator.person

    def vote(acc_id):
        return voting.cast_ballot(acc_id, poll.id, "yes", uuid.uuid4().hex)

    jobs = [(lambda a: lambda: vote(a))(acc.id) for acc in voters]
    jobs.insert(len(jobs) // 2, lambda: voting.close_poll(moderator, world.conference.id, poll.id))
    results = run_at_once(any_db_app, jobs)
    receipts = [r for r in results if isinstance(r, voting.Receipt)]
    refusals = [r for r in results if isinstance(r, Conflict)]
    assert len(receipts) + len(refusals) == len(voters), results
    assert all("closed" in str(r) for r in refusals)
    db.session.rollback()
    closed = voting.get_poll(poll.id)
    db.session.refresh(closed)
    assert closed.state == "closed"
    assert closed.result["tally"]["ballots"] == len(receipts)
    assert stored(poll.id) == (len(receipts),) * 4
    # Every accepted ballot is in the chain before the close, none after it.
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    close_seq = next(e.seq for e in entries if e.action == "poll.closed")
    accepted = [e.seq for e in entries if e.action == "ballot.accepted"]
    assert len(accepted) == len(receipts) and all(seq < close_seq for seq in accepted)
    assert audit.verify().ok


def test_two_closes_at_once_give_one_result(any_db_app, race_world):
    world = race_world
    poll = open_poll(world)
    voting.cast_ballot(world.delegate.id, poll.id, "yes", uuid.uuid4().hex)
    moderator = world.moderator.person
    close = lambda: voting.close_poll(moderator, world.conference.id, poll.id)  # noqa: E731
    results = run_at_once(any_db_app, [close] * 8)
    assert len([r for r in results if isinstance(r, Poll)]) == 1, results
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, Poll))
    db.session.rollback()
    closes = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "poll.closed")).all()
    assert len(closes) == 1
    assert audit.verify().ok


def test_two_opens_at_once_freeze_one_eligible_set(any_db_app, race_world):
    world = race_world
    poll = voting.create_poll(world.moderator.person, world.conference.id, title="Zweimal")
    other = voting.create_poll(world.moderator.person, world.conference.id, title="Anderer")
    moderator = world.moderator.person
    jobs = [
        lambda: voting.open_poll(moderator, world.conference.id, poll.id),
        lambda: voting.open_poll(moderator, world.conference.id, poll.id),
        lambda: voting.open_poll(moderator, world.conference.id, other.id),
    ]
    results = run_at_once(any_db_app, jobs)
    assert len([r for r in results if isinstance(r, Poll)]) == 1, results
    db.session.rollback()
    opens = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "poll.opened")).all()
    assert len(opens) == 1
    assert (
        db.session.scalar(select(func.count()).select_from(Poll).where(Poll.state == "open")) == 1
    )
