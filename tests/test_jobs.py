"""The background work of a serving process: poll countdowns and the session sweep.

A second app on the same database stands in for another process, or for this one after a
restart: it knows nothing of the first but what the database holds. The last test restarts
the real server (``python wsgi.py``, eventlet), which starts the loop when it starts serving.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from bench import server as servers
from participation import clock, create_app, events, jobs, realtime
from participation.extensions import db
from participation.models import AuditEntry, Ballot, LoginSession, Poll
from participation.services import access, audit, voting
from tests.helpers import Auth, api, build_world, make_app, opened, sign_in, socket_client

PASSES_PER_APP = 3


@pytest.fixture
def other_app(any_db_app, tmp_path):
    """Another app on the same database: another process, or the server after a restart."""
    other = make_app(tmp_path / "other", any_db_app.config["SQLALCHEMY_DATABASE_URI"])
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def published():
    """The events delivered after commit, in order."""
    delivered: list[events.Event] = []
    events.set_sink(delivered.append)
    yield delivered
    events.set_sink(realtime.broadcast)


@pytest.fixture(autouse=True)
def _release_the_clock():
    yield
    clock.freeze(None)


def fresh(poll_id: int) -> Poll:
    db.session.rollback()
    poll = db.session.get(Poll, poll_id)
    assert poll is not None
    db.session.refresh(poll)
    return poll


def closings() -> list[AuditEntry]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "poll.closed")))


def test_one_pass_closes_a_due_poll(app, world):
    poll = opened(world, duration_seconds=60)
    voting.cast_ballot(world.delegate.id, poll.id, "yes", uuid.uuid4().hex)
    clock.freeze(poll.closes_at + timedelta(seconds=1))
    assert jobs.Loop(app).run_pass() == jobs.LONGEST_SLEEP_SECONDS
    poll = fresh(poll.id)
    assert poll.state == "closed" and poll.result["outcome"] == "adopted"
    (entry,) = closings()
    assert entry.actor == "system" and entry.data["by"] == "countdown"


def test_a_countdown_started_elsewhere_closes_on_time_here(any_db_app, other_app):
    world = build_world()
    poll = opened(world, duration_seconds=60)
    voting.cast_ballot(world.delegate.id, poll.id, "yes", uuid.uuid4().hex)
    here = jobs.Loop(other_app)

    clock.freeze(poll.closes_at - timedelta(milliseconds=1))
    assert here.run_pass() == pytest.approx(0.001)  # it wakes when the countdown runs out
    assert fresh(poll.id).state == "open"

    clock.freeze(poll.closes_at)
    here.run_pass()
    poll = fresh(poll.id)
    assert poll.state == "closed" and poll.result["tally"]["ballots"] == 1
    assert [entry.data["by"] for entry in closings()] == ["countdown"]


def test_passes_racing_in_two_processes_close_a_poll_once(any_db_app, other_app, published, caplog):
    world = build_world()
    poll = opened(world, duration_seconds=60)
    voting.cast_ballot(world.delegate.id, poll.id, "yes", uuid.uuid4().hex)
    voting.cast_ballot(world.delegate_b.id, poll.id, "no", uuid.uuid4().hex)
    loops = [jobs.Loop(app) for app in (any_db_app, other_app) for _ in range(PASSES_PER_APP)]
    clock.freeze(poll.closes_at + timedelta(seconds=1))

    with caplog.at_level(logging.ERROR, logger=jobs.__name__):
        run_at_once([loop.run_pass for loop in loops])

    assert not caplog.records, [record.getMessage() for record in caplog.records]
    poll = fresh(poll.id)
    assert poll.state == "closed" and poll.result["tally"]["ballots"] == 2
    assert len(closings()) == 1
    closed_events = [e for e in published if e.name == "poll_closed"]
    assert [e.payload["id"] for e in closed_events] == [poll.id]
    ballots = db.session.scalar(
        select(func.count()).select_from(Ballot).where(Ballot.poll_id == poll.id)
    )
    assert ballots == 2
    assert audit.verify().ok


def run_at_once(passes) -> None:
    """Run every pass in its own thread, all starting at the same moment."""
    barrier = threading.Barrier(len(passes))

    def worker(run_pass) -> None:
        barrier.wait()
        run_pass()

    threads = [threading.Thread(target=worker, args=(p,)) for p in passes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a pass hung"


def test_a_failing_pass_is_logged_once_and_the_loop_goes_on(app, world, monkeypatch, caplog):
    def database_away() -> list[int]:
        raise RuntimeError("the database is away")

    loop = jobs.Loop(app)
    poll = opened(world, duration_seconds=60)
    clock.freeze(poll.closes_at)
    with monkeypatch.context() as patch, caplog.at_level(logging.INFO, logger=jobs.__name__):
        patch.setattr(voting, "close_due_polls", database_away)
        for _ in range(3):
            assert loop.run_pass() == jobs.LONGEST_SLEEP_SECONDS
        assert [record.levelno for record in caplog.records] == [logging.ERROR]
        patch.undo()
        loop.run_pass()
        assert [record.levelno for record in caplog.records] == [logging.ERROR, logging.WARNING]
    assert fresh(poll.id).state == "closed"


def test_the_sweep_drops_sockets_of_sessions_ended_on_another_process(app, world):
    phone = app.test_client()
    Auth().join(phone, world.codes[world.delegate.id])
    sio = socket_client(app, phone)
    assert sio.is_connected()
    db.session.execute(delete(LoginSession))  # as another process does: no event reaches here
    db.session.commit()

    jobs.Loop(app, sweep_seconds=jobs.sweep_seconds(app)).run_pass()
    assert sio.is_connected()  # one process, no message queue: no sweep

    app.config["SOCKETIO_MESSAGE_QUEUE"] = "redis://127.0.0.1:6379/0"
    jobs.Loop(app, sweep_seconds=jobs.sweep_seconds(app)).run_pass()
    assert not sio.is_connected()


def test_the_sweep_leaves_alone_a_socket_that_connects_while_it_asks_the_database(
    app, world, monkeypatch
):
    """A phone connecting while the sweep waits for the database (which lets other green
    threads run) is not taken for one whose session ended."""
    app.config["SOCKETIO_MESSAGE_QUEUE"] = "redis://127.0.0.1:6379/0"
    first = app.test_client()
    Auth().join(first, world.codes[world.delegate.id])
    early = socket_client(app, first)
    late_phone = app.test_client()
    Auth().join(late_phone, world.codes[world.observer.id])
    connected = []
    ask = access.live_session_ids

    def asked_while_a_phone_connects(login_ids):
        connected.append(socket_client(app, late_phone))
        return ask(login_ids)

    monkeypatch.setattr(access, "live_session_ids", asked_while_a_phone_connects)
    jobs.Loop(app, sweep_seconds=jobs.sweep_seconds(app)).run_pass()
    (late,) = connected
    assert early.is_connected() and late.is_connected()


def test_apps_that_do_not_serve_start_no_loop_until_asked(app, world):
    poll = opened(world, duration_seconds=60)
    assert poll.closes_at is not None and "jobs" not in app.extensions
    loop = jobs.start(app)
    try:
        assert jobs.start(app) is loop
    finally:
        jobs.stop(app)
    assert isinstance(loop.task, threading.Thread) and not loop.task.is_alive()
    assert "jobs" not in app.extensions


# --- the real server ----------------------------------------------------------------------------


def test_a_countdown_survives_a_restart_of_the_server(tmp_path):
    """``python wsgi.py`` (eventlet) killed with a countdown running closes the poll when back."""
    database = servers.build(tmp_path / "db", 2, 0)
    conference_id = database.codes["conference_id"]
    server = servers.start_app(database.env(servers.free_port()), log=tmp_path / "first.log")
    try:
        moderator = sign_in(server.url, database.codes["moderator"]["code"])
        body = {"conference_id": conference_id, "title": "Uhr", "duration_seconds": 600}
        poll_id = api(server.url, "POST", "/polls", moderator, body)["poll"]["id"]
        api(server.url, "POST", f"/polls/{poll_id}/open", moderator)
    finally:
        server.kill()
    with outside(database) as app, app.app_context():
        # The server stayed down until after the countdown ran out.
        db.session.execute(
            update(Poll)
            .where(Poll.id == poll_id)
            .values(closes_at=clock.now() - timedelta(seconds=1))
        )
        db.session.commit()
    server = servers.start_app(database.env(servers.free_port()), log=tmp_path / "second.log")
    try:
        state = poll_state(server.url, moderator, poll_id, until="closed")
        assert state == "closed", server.log_tail()
    finally:
        server.stop()
    with outside(database) as app, app.app_context():
        assert [entry.data["by"] for entry in closings()] == ["countdown"]


def poll_state(url: str, token: str, poll_id: int, *, until: str, timeout: float = 60) -> str:
    """The poll's state as the server tells it, once it is ``until`` or the time is up."""
    deadline = time.monotonic() + timeout
    state = api(url, "GET", f"/polls/{poll_id}", token)["poll"]["state"]
    while state != until and time.monotonic() < deadline:
        time.sleep(0.2)
        state = api(url, "GET", f"/polls/{poll_id}", token)["poll"]["state"]
    return state


@contextlib.contextmanager
def outside(database: servers.Database):
    """An app on a server's database, in this process (it serves nothing)."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-" + "k" * 40,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database.instance / 'participation.db'}",
            "SOCKETIO_ASYNC_MODE": "threading",
        }
    )
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
