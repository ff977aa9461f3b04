"""Faults: the server killed in the middle of a vote burst, a connection lost mid-vote, a
locked database.

The first two run the real server (``python wsgi.py``, eventlet, one process) on loopback and
talk to it with python-socketio clients; the database tests run in-process with a short busy
timeout. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import socketio
from sqlalchemy import event, func, select, text

from bench import server as servers
from bench.setup import check
from bench.swarm import Swarm
from participation import create_app
from participation.extensions import db
from participation.models import Ballot, Poll, PollParticipation
from participation.services import voting
from tests.helpers import api, csrf_token, sign_in, socket_client

DELEGATES = 60
SECRET = "test-" + "k" * 40


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A conference with DELEGATES present delegates, built once for this file."""
    database = servers.build(tmp_path_factory.mktemp("faults"), DELEGATES, 0)
    yield database
    servers.drop(database)


def start(database, workdir: Path, name: str) -> servers.Server:
    return servers.start_app(database.env(servers.free_port()), log=workdir / f"{name}.log")


def open_poll(url: str, moderator: str, conference_id: int) -> int:
    poll = api(url, "POST", "/polls", moderator, {"conference_id": conference_id, "title": "Probe"})
    api(url, "POST", f"/polls/{poll['poll']['id']}/open", moderator)
    return poll["poll"]["id"]


def database_file(database) -> Path:
    return database.instance / "participation.db"


class Ledger:
    """Reads what the server's SQLite file holds, from outside the server."""

    def __init__(self, path: Path) -> None:
        self.app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": SECRET,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                "SOCKETIO_ASYNC_MODE": "threading",
            }
        )
        self.path = path

    def stored(self, poll_id: int) -> int:
        with contextlib.closing(sqlite3.connect(self.path, timeout=5)) as connection:
            return connection.execute(
                "SELECT cast_count FROM poll WHERE id = ?", (poll_id,)
            ).fetchone()[0]

    def check(self, poll_id: int) -> dict:
        with self.app.app_context():
            try:
                return check(poll_id)
            finally:
                db.session.remove()
                db.engine.dispose()


def assert_consistent(found: dict) -> None:
    """Every stored ballot is there once, with its participation, tracker and audit entry."""
    assert found["duplicate_voters"] == 0 and found["duplicate_trackers"] == 0
    assert (
        found["ballots"]
        == found["participations"]
        == found["cast_count"]
        == found["published_trackers"]
        == found["audit_ballot_entries"]
    ), found
    assert found["audit_ok"], found["audit_problem"]


# --- SIGKILL in the middle of a burst ---------------------------------------------------------


#: When the server is killed, in the five rounds: (what, condition on the round's progress).
KILL_MOMENTS = [
    ("as soon as the ballots are sent", lambda stored, acked, pending: True),
    ("after the first commit", lambda stored, acked, pending: stored >= 1),
    ("after five commits", lambda stored, acked, pending: stored >= 5),
    ("after half were stored", lambda stored, acked, pending: stored >= pending // 2),
    ("after the first acknowledgement", lambda stored, acked, pending: acked >= 1),
]


async def vote_until_killed(server, ledger, poll_id, tokens, pending, payload_of, moment):
    """Everyone in ``pending`` votes at once; the server is SIGKILLed at ``moment``.

    Returns the acknowledged calls (member = position in ``pending``).
    """
    progress: list = []
    async with Swarm(server.url, [tokens[i] for i in pending]) as swarm:
        await swarm.connect(timeout=60)
        before = ledger.stored(poll_id)
        burst = asyncio.ensure_future(
            swarm.burst(
                list(range(len(pending))),
                "cast_ballot",
                lambda j: payload_of(pending[j]),
                timeout=30,
                progress=progress,
            )
        )
        await asyncio.sleep(0.01)  # the ballots are on their way
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not burst.done():
            acked = sum(1 for c in progress if _ok(c))
            if moment(ledger.stored(poll_id) - before, acked, len(pending)):
                break
            await asyncio.sleep(0.002)
        server.kill()
        stored = ledger.stored(poll_id) - before
        await asyncio.sleep(0.3)  # acknowledgements already sent may still be read
        burst.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await burst
    acked = [c for c in progress if _ok(c)]
    print(f"killed: {stored} of {len(pending)} stored, {len(acked)} acknowledged")
    return acked


def _ok(call) -> bool:
    return isinstance(call.reply, dict) and call.reply.get("ok") is True


def test_sigkill_mid_burst_loses_no_acknowledged_ballot(template, tmp_path):
    database = servers.clone(template, tmp_path / "db")
    running: list[servers.Server] = []

    def serve(name: str) -> servers.Server:
        env = database.env(servers.free_port())
        running.append(servers.start_app(env, log=tmp_path / f"{name}.log"))
        return running[-1]

    try:
        kill_five_times_then_finish(database, serve)
    finally:
        for server in running:
            server.stop()
        servers.drop(database)


def kill_five_times_then_finish(database, serve) -> None:
    codes = database.codes
    server = serve("start")
    moderator = sign_in(server.url, codes["moderator"]["code"])
    tokens = [sign_in(server.url, d["code"]) for d in codes["delegates"]]
    poll_id = open_poll(server.url, moderator, codes["conference_id"])
    ledger = Ledger(database_file(database))

    def payload_of(i: int) -> dict:
        return {
            "conference_id": codes["conference_id"],
            "poll_id": poll_id,
            "choice": {"vote": ("yes", "no", "abstain")[i % 3]},
            "submission_id": f"kill-test-{i:04d}",
        }

    receipts: dict[int, dict] = {}
    for round_number, (_what, moment) in enumerate(KILL_MOMENTS):
        pending = [i for i in range(DELEGATES) if i not in receipts]
        acked = asyncio.run(
            vote_until_killed(server, ledger, poll_id, tokens, pending, payload_of, moment)
        )
        for call in acked:
            receipts[pending[call.member]] = call.reply["receipt"]
        server = serve(f"restart-{round_number}")  # the same database, after SIGKILL
        found = ledger.check(poll_id)
        assert_consistent(found)
        assert {r["tracker"] for r in receipts.values()} <= set(found["trackers"])

    # Everyone not acknowledged yet retries with the same submission id: each counts once.
    pending = [i for i in range(DELEGATES) if i not in receipts]
    stored_before = set(ledger.check(poll_id)["trackers"])

    async def retry():
        async with Swarm(server.url, [tokens[i] for i in pending]) as swarm:
            await swarm.connect(timeout=60)
            return await swarm.burst(
                list(range(len(pending))), "cast_ballot", lambda j: payload_of(pending[j])
            )

    for call in asyncio.run(retry()):
        assert _ok(call), call
        receipt = call.reply["receipt"]
        assert receipt["repeated"] == (receipt["tracker"] in stored_before)
        receipts[pending[call.member]] = receipt
    found = ledger.check(poll_id)
    assert_consistent(found)
    assert found["ballots"] == DELEGATES
    assert set(found["trackers"]) == {r["tracker"] for r in receipts.values()}
    closed = api(server.url, "POST", f"/polls/{poll_id}/close", moderator)["poll"]
    assert closed["result"]["tally"]["ballots"] == DELEGATES


# --- a connection lost in the middle of a vote --------------------------------------------------


class CuttingProxy:
    """A TCP relay to the server that can lose a connection in the middle of a vote.

    ``arm("swallow_reply")``: the client's next message reaches the server, but nothing comes
    back, and 0.3 s later the connection is gone. ``arm("drop")``: the client's next message
    is lost with the connection.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.armed: str | None = None
        self.cut = threading.Event()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, mode: str) -> None:
        self.cut.clear()
        self.armed = mode

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            pair = {"client": client, "upstream": upstream, "mute": False}
            threading.Thread(target=self._up, args=(pair,), daemon=True).start()
            threading.Thread(target=self._down, args=(pair,), daemon=True).start()

    def _up(self, pair: dict) -> None:
        client, upstream = pair["client"], pair["upstream"]
        while True:
            try:
                data = client.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            with self._lock:
                mode, self.armed = self.armed, None
            if mode == "drop":
                break
            if mode == "swallow_reply":
                pair["mute"] = True
                threading.Timer(0.3, self._close, args=(pair,)).start()
            try:
                upstream.sendall(data)
            except OSError:
                break
        self._close(pair)

    def _down(self, pair: dict) -> None:
        client, upstream = pair["client"], pair["upstream"]
        while True:
            try:
                data = upstream.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            if pair["mute"]:
                continue
            try:
                client.sendall(data)
            except OSError:
                break
        self._close(pair)

    def _close(self, pair: dict) -> None:
        for key in ("client", "upstream"):
            with contextlib.suppress(OSError):
                pair[key].shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                pair[key].close()
        self.cut.set()


@pytest.fixture(scope="module")
def live_poll(template, tmp_path_factory):
    """The real server with an open poll, for the reconnect tests."""
    workdir = tmp_path_factory.mktemp("reconnect")
    database = servers.clone(template, workdir / "db")
    server = start(database, workdir, "server")
    try:
        codes = database.codes
        moderator = sign_in(server.url, codes["moderator"]["code"])
        poll_id = open_poll(server.url, moderator, codes["conference_id"])
        yield server, database, poll_id
    finally:
        server.stop()
        servers.drop(database)


@pytest.mark.parametrize(
    "mode, index", [("swallow_reply", 0), ("drop", 1)], ids=["reply-lost", "ballot-lost"]
)
def test_a_ballot_whose_connection_drops_is_counted_once_after_the_retry(live_poll, mode, index):
    server, database, poll_id = live_poll
    codes = database.codes
    delegate = codes["delegates"][index]
    token = sign_in(server.url, delegate["code"])
    ledger = Ledger(database_file(database))
    proxy = CuttingProxy(server.port)
    connects = []
    client = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=0.5)
    client.on("connect", lambda: connects.append(time.monotonic()))
    payload = {
        "conference_id": codes["conference_id"],
        "poll_id": poll_id,
        "choice": {"vote": "yes"},
        "submission_id": f"reconnect-{mode}-0001",
    }
    try:
        client.connect(
            f"http://127.0.0.1:{proxy.port}",
            headers={"Authorization": f"Bearer {token}"},
            transports=["websocket"],
            wait_timeout=10,
        )
        before = ledger.stored(poll_id)
        proxy.arm(mode)
        with pytest.raises(socketio.exceptions.TimeoutError):
            client.call("cast_ballot", payload, timeout=2)
        assert proxy.cut.wait(5)
        if mode == "swallow_reply":  # the server stored it; only the answer was lost
            _wait_for(lambda: ledger.stored(poll_id) == before + 1)
        else:
            assert ledger.stored(poll_id) == before
        _wait_for(lambda: len(connects) >= 2 and client.connected)
        reply = client.call("cast_ballot", payload, timeout=10)
    finally:
        client.disconnect()
        proxy.close()
    assert reply["ok"] is True, reply
    assert reply["receipt"]["repeated"] is (mode == "swallow_reply")
    found = ledger.check(poll_id)
    assert_consistent(found)
    assert ledger.stored(poll_id) == before + 1
    assert reply["receipt"]["tracker"] in found["trackers"]


def _wait_for(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


# --- a busy or locked database ------------------------------------------------------------------

BUSY_TIMEOUT_MS = 300


@pytest.fixture(params=["group-commit", "one-by-one"])
def ballots(request, app):
    """The database waits only BUSY_TIMEOUT_MS for a lock; ballots stored in groups or alone."""

    @event.listens_for(db.engine, "connect")
    def _short_wait(dbapi_connection, _record) -> None:
        dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    db.session.commit()  # hands the connection back, so that new ones wait briefly
    db.engine.dispose()
    app.config["GROUP_COMMIT"] = request.param == "group-commit"
    yield request.param
    event.remove(db.engine, "connect", _short_wait)


@contextlib.contextmanager
def locked(app, seconds: float | None = None):
    """Another writer holds the database's write lock (for ``seconds``, or the block)."""
    path = db.engine.url.database
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("BEGIN IMMEDIATE")
    timer = None
    if seconds is not None:
        timer = threading.Timer(seconds, connection.execute, args=("COMMIT",))
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.join()
        else:
            connection.execute("COMMIT")
        connection.close()


def _poll(world) -> int:
    poll = voting.create_poll(world.moderator.person, world.conference.id, title="Probe")
    voting.open_poll(world.moderator.person, world.conference.id, poll.id)
    return poll.id


def _counted(poll_id: int) -> tuple[int, int, int]:
    db.session.rollback()  # read what is committed now
    return (
        db.session.scalar(select(Poll.cast_count).where(Poll.id == poll_id)),
        db.session.scalar(select(func.count()).select_from(PollParticipation)),
        db.session.scalar(select(func.count()).select_from(Ballot)),
    )


def test_the_wait_for_the_lock_is_short_here(app, ballots):
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == BUSY_TIMEOUT_MS


def test_a_locked_database_gives_api_and_socket_clients_a_clean_retry(app, world, ballots, auth):
    poll_id = _poll(world)
    token = auth.api_token(app, world.codes[world.delegate.id])
    http = app.test_client()
    body = {"choice": {"vote": "yes"}, "submission_id": "locked-api-0001"}
    headers = {"Authorization": f"Bearer {token}"}
    browser = app.test_client()
    auth.join(browser, world.codes[world.delegate_b.id])
    sock = socket_client(app, browser)
    payload = {
        "conference_id": world.conference.id,
        "poll_id": poll_id,
        "choice": {"vote": "no"},
        "submission_id": "locked-socket-0001",
    }
    with locked(app):
        refused = http.post(f"/api/v1/polls/{poll_id}/ballots", json=body, headers=headers)
        ack = sock.emit("cast_ballot", payload, callback=True)
    assert refused.status_code == 503
    assert refused.get_json()["error"]["status"] == 503
    assert ack["ok"] is False and ack["status"] == 503, ack
    assert _counted(poll_id) == (0, 0, 0)
    # The retries, with the same submission ids, are stored once each.
    stored = http.post(f"/api/v1/polls/{poll_id}/ballots", json=body, headers=headers)
    assert stored.status_code == 201, stored.get_data(as_text=True)
    again = http.post(f"/api/v1/polls/{poll_id}/ballots", json=body, headers=headers)
    assert again.status_code == 200 and again.get_json()["receipt"]["repeated"] is True
    ack = sock.emit("cast_ballot", payload, callback=True)
    assert ack["ok"] is True and ack["receipt"]["repeated"] is False, ack
    assert _counted(poll_id) == (2, 2, 2)


def test_a_briefly_locked_database_only_makes_the_ballot_wait(app, world, ballots, auth):
    poll_id = _poll(world)
    browser = app.test_client()
    auth.join(browser, world.codes[world.delegate.id])
    sock = socket_client(app, browser)
    payload = {
        "conference_id": world.conference.id,
        "poll_id": poll_id,
        "choice": {"vote": "yes"},
        "submission_id": "brief-lock-0001",
    }
    with locked(app, seconds=BUSY_TIMEOUT_MS / 1000 / 3):
        ack = sock.emit("cast_ballot", payload, callback=True)
    assert ack["ok"] is True, ack
    assert _counted(poll_id) == (1, 1, 1)


def test_a_locked_database_never_gives_a_500(app, world, ballots, auth):
    """Pages and actions that write answer with a clean error while the database is locked."""
    poll_id = _poll(world)
    moderator = app.test_client()
    auth.join(moderator, world.codes[world.moderator.id])
    token = auth.api_token(app, world.codes[world.moderator.id])
    headers = {"Authorization": f"Bearer {token}"}
    phone = app.test_client()
    form_token = csrf_token(phone, "/join")
    with locked(app):
        closing = moderator.post(f"/api/v1/polls/{poll_id}/close", headers=headers)
        joining = phone.post(
            "/join", data={"code": world.codes[world.delegate.id], "csrf_token": form_token}
        )
        api_join = app.test_client().post(
            "/api/v1/auth/join", json={"code": world.codes[world.delegate_b.id]}
        )
    assert closing.status_code == 503, closing.get_data(as_text=True)[:300]
    assert api_join.status_code == 503, api_join.get_data(as_text=True)[:300]
    assert joining.status_code != 500
    assert "busy" in joining.get_data(as_text=True).lower()
    # Once the lock is gone, the same actions work.
    assert moderator.post(f"/api/v1/polls/{poll_id}/close", headers=headers).status_code == 200
