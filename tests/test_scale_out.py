"""Two server processes on PostgreSQL and Redis share the work, also behind nginx.

Needs ``TEST_DATABASE_URL`` (PostgreSQL) and ``TEST_REDIS_URL`` (Redis); CI sets both
(``.ci/run``), and then ``nginx`` must be installed too: the test of the sample configuration
in ``deploy/`` does not skip.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from dataclasses import dataclass
from functools import partial

import pytest
import requests
import socketio

from bench import server as servers
from bench.setup import check
from bench.swarm import Swarm
from participation import create_app
from participation.extensions import db
from tests.helpers import api, sign_in

DATABASE = os.environ.get("TEST_DATABASE_URL")
REDIS = os.environ.get("TEST_REDIS_URL")
DELEGATES = 8

pytestmark = [
    pytest.mark.skipif(
        not (DATABASE and REDIS),
        reason="needs TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL (Redis); .ci/run sets both",
    ),
    # Every server process on Redis shares Flask-SocketIO's one channel: one worker at a time.
    pytest.mark.xdist_group("redis"),
]


@dataclass
class Cluster:
    database: servers.Database
    processes: list[servers.Server]
    moderator: str
    tokens: list[str]

    @property
    def conference_id(self) -> int:
        return self.database.codes["conference_id"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two processes (``python wsgi.py``, eventlet) on one PostgreSQL database and one Redis."""
    workdir = tmp_path_factory.mktemp("scale-out")
    database = servers.build(workdir / "db", DELEGATES, 0, postgres=DATABASE)
    processes: list[servers.Server] = []
    try:
        for name in ("a", "b"):
            env = database.env(servers.free_port(), message_queue=REDIS)
            env["TRUSTED_PROXIES"] = "1"  # as behind the proxy of deploy/
            env["SESSION_SWEEP_SECONDS"] = "0.5"
            processes.append(servers.start_app(env, log=workdir / f"server-{name}.log"))
        a, b = processes
        codes = database.codes
        moderator = sign_in(a.url, codes["moderator"]["code"])
        tokens = [sign_in((a, b)[i % 2].url, d["code"]) for i, d in enumerate(codes["delegates"])]
        yield Cluster(database, processes, moderator, tokens)
    finally:
        for process in processes:
            process.stop()
        servers.drop(database)


class Screen:
    """A projector following the hall's screen through one process (or the proxy)."""

    EVENTS = ("poll_opened", "poll_turnout", "poll_closed")

    def __init__(self, url: str, token: str, conference_id: int, transport="websocket"):
        self.events: list[tuple[str, dict]] = []
        self.client = socketio.Client(reconnection=False)
        for name in self.EVENTS:
            self.client.on(name, partial(self._note, name))
        self.client.connect(
            url,
            headers={"Authorization": f"Bearer {token}"},
            transports=[transport],
            wait_timeout=10,
        )
        reply = self.client.call("watch_projector", {"conference_id": conference_id}, timeout=10)
        assert reply["ok"] is True, reply

    def _note(self, name: str, payload=None) -> None:
        self.events.append((name, payload or {}))

    def saw(self, name: str, poll_id: int, condition=lambda payload: True) -> bool:
        return any(
            event == name and _poll_of(payload) == poll_id and condition(payload)
            for event, payload in list(self.events)
        )

    def wait(self, name: str, poll_id: int, condition=lambda payload: True, timeout=15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.saw(name, poll_id, condition):
                return
            time.sleep(0.02)
        raise AssertionError(f"{name} for poll {poll_id} never arrived: {self.events[-5:]}")

    def close(self) -> None:
        self.client.disconnect()


def _poll_of(payload: dict):
    return payload.get("poll_id", payload.get("id"))


def _counted(condition: int):
    return lambda payload: payload.get("cast_count", -1) >= condition


def _create_and_open(url: str, cluster: Cluster) -> int:
    body = {"conference_id": cluster.conference_id, "title": "Probe"}
    poll = api(url, "POST", "/polls", cluster.moderator, body)
    poll_id = poll["poll"]["id"]
    api(url, "POST", f"/polls/{poll_id}/open", cluster.moderator)
    return poll_id


def _ballot(cluster: Cluster, poll_id: int, index: int, vote: str = "yes") -> dict:
    return {
        "conference_id": cluster.conference_id,
        "poll_id": poll_id,
        "choice": {"vote": vote},
        "submission_id": f"scale-{poll_id}-{index:04d}-{uuid.uuid4().hex[:8]}",
    }


def _check(cluster: Cluster, poll_id: int) -> dict:
    url = cluster.database.url.replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-" + "k" * 40,
            "SQLALCHEMY_DATABASE_URI": url,
            "SOCKETIO_ASYNC_MODE": "threading",
        }
    )
    with app.app_context():
        try:
            return check(poll_id)
        finally:
            db.session.remove()
            db.engine.dispose()


def test_a_vote_on_one_process_updates_a_projector_on_the_other(cluster):
    a, b = cluster.processes
    screen_a = Screen(a.url, cluster.moderator, cluster.conference_id)
    screen_b = Screen(b.url, cluster.moderator, cluster.conference_id)
    try:
        poll_id = _create_and_open(a.url, cluster)  # opened on A …
        screen_b.wait("poll_opened", poll_id)  # … shown by B's screen
        voter_a = Screen(a.url, cluster.tokens[0], cluster.conference_id)
        voter_b = Screen(b.url, cluster.tokens[1], cluster.conference_id)
        try:
            reply = voter_a.client.call("cast_ballot", _ballot(cluster, poll_id, 0), timeout=10)
            assert reply["ok"] is True, reply
            screen_b.wait("poll_turnout", poll_id, _counted(1))  # a vote on A, seen on B
            reply = voter_b.client.call("cast_ballot", _ballot(cluster, poll_id, 1), timeout=10)
            assert reply["ok"] is True, reply
            screen_a.wait("poll_turnout", poll_id, _counted(2))  # a vote on B, seen on A
        finally:
            voter_a.close()
            voter_b.close()
        closed = api(b.url, "POST", f"/polls/{poll_id}/close", cluster.moderator)["poll"]
        assert closed["result"]["tally"]["ballots"] == 2
        screen_a.wait("poll_closed", poll_id)  # closed on B, the result shown on A
    finally:
        screen_a.close()
        screen_b.close()


def _connected(url: str, token: str) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    client.connect(
        url, headers={"Authorization": f"Bearer {token}"}, transports=["websocket"], wait_timeout=10
    )
    return client


def _current_item(client: socketio.Client, conference_id: int):
    reply = client.call("watch_conference", {"conference_id": conference_id}, timeout=10)
    assert reply["ok"] is True, reply
    return (reply["state"]["room"]["current_agenda_item"] or {}).get("id")


def test_a_change_on_one_process_renews_the_state_the_other_keeps(cluster):
    """B keeps its conference's shared state for the screens that connect; an agenda change
    made on A reaches B through the queue, and the next screen connecting to B is sent it."""
    a, b = cluster.processes
    conference_id = cluster.conference_id
    agenda = cluster.database.codes["agenda"]
    moderator = _connected(a.url, cluster.moderator)
    screen = _connected(b.url, cluster.tokens[4])
    changes: list[dict] = []
    screen.on("room", changes.append)
    try:
        before = _current_item(screen, conference_id)  # read by B and kept there
        chosen = next(item for item in agenda if item != before)
        change = {"conference_id": conference_id, "agenda_item_id": chosen}
        assert moderator.call("set_current_item", change, timeout=10)["ok"] is True
        deadline = time.monotonic() + 10
        while not changes and time.monotonic() < deadline:
            time.sleep(0.02)
        assert changes, "B's screen never heard of the change made on A"
        later = _connected(b.url, cluster.tokens[5])
        try:
            assert _current_item(later, conference_id) == chosen
        finally:
            later.disconnect()
    finally:
        moderator.disconnect()
        screen.disconnect()


def test_a_session_ended_on_one_process_loses_its_sockets_on_the_other(cluster):
    a, b = cluster.processes
    token = sign_in(a.url, cluster.database.codes["delegates"][2]["code"])
    phone = Screen(b.url, token, cluster.conference_id)
    try:
        assert phone.client.connected
        asked = phone.client.call("poll_state", {"conference_id": cluster.conference_id})
        assert asked["ok"] is True  # B remembers who this is …
        api(a.url, "POST", "/auth/revoke", token)  # … until signed out on A …
        try:
            refused = phone.client.call("poll_state", {"conference_id": cluster.conference_id})
            assert refused["ok"] is False and refused["status"] == 403  # … refused on B at once
        except socketio.exceptions.SocketIOError:
            pass  # or B has already dropped the socket
        deadline = time.monotonic() + 15
        while phone.client.connected and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not phone.client.connected, "B kept the socket of a session ended on A"
    finally:
        phone.close()


def test_both_processes_take_a_burst_and_count_each_ballot_once(cluster):
    a, b = cluster.processes
    screen = Screen(b.url, cluster.moderator, cluster.conference_id)
    try:
        poll_id = _create_and_open(a.url, cluster)
        halves = {a.url: list(range(0, DELEGATES, 2)), b.url: list(range(1, DELEGATES, 2))}

        async def vote(url: str, members: list[int]):
            async with Swarm(url, [cluster.tokens[i] for i in members]) as swarm:
                await swarm.connect(timeout=30)
                return await swarm.burst(
                    list(range(len(members))),
                    "cast_ballot",
                    lambda j: _ballot(cluster, poll_id, members[j], ("yes", "no")[j % 2]),
                    timeout=30,
                )

        async def both():
            return await asyncio.gather(*(vote(url, members) for url, members in halves.items()))

        calls = [call for half in asyncio.run(both()) for call in half]
        assert all(c.reply and c.reply.get("ok") for c in calls), [c.reply for c in calls]
        trackers = {c.reply["receipt"]["tracker"] for c in calls}
        screen.wait("poll_turnout", poll_id, _counted(DELEGATES))
        found = _check(cluster, poll_id)
        assert found["ballots"] == found["participations"] == found["cast_count"] == DELEGATES
        assert set(found["trackers"]) == trackers
        assert found["duplicate_voters"] == found["duplicate_trackers"] == 0
        assert found["audit_ok"], found["audit_problem"]
        closed = api(a.url, "POST", f"/polls/{poll_id}/close", cluster.moderator)["poll"]
        assert closed["result"]["tally"]["ballots"] == DELEGATES
    finally:
        screen.close()


# --- the sample proxy configuration ------------------------------------------------------------


@pytest.fixture
def proxy(cluster, tmp_path):
    """nginx with the sample configuration in front of both processes."""
    if servers.nginx_binary() is None:
        pytest.fail("nginx is missing: `apt-get install nginx-light` (.ci/run installs it)")
    nginx = servers.start_nginx([p.port for p in cluster.processes], tmp_path / "nginx")
    try:
        yield nginx.url
    finally:
        nginx.stop(timeout=10)


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_the_sample_nginx_config_serves_both_processes_behind_one_address(
    cluster, proxy, transport
):
    a, b = cluster.processes
    assert requests.get(proxy + "/", timeout=10).status_code == 200
    # A phone signs in and votes through the proxy; screens on both processes see the vote.
    token = sign_in(proxy, cluster.database.codes["delegates"][2]["code"])
    screens = [Screen(p.url, cluster.moderator, cluster.conference_id) for p in (a, b)]
    try:
        poll_id = _create_and_open(proxy, cluster)
        phone = Screen(proxy, token, cluster.conference_id, transport=transport)
        try:
            reply = phone.client.call("cast_ballot", _ballot(cluster, poll_id, 2), timeout=10)
            assert reply["ok"] is True, reply
            assert phone.client.transport() == transport
        finally:
            phone.close()
        for screen in screens:
            screen.wait("poll_turnout", poll_id, _counted(1))
        closed = api(proxy, "POST", f"/polls/{poll_id}/close", cluster.moderator)["poll"]
        assert closed["result"]["tally"]["ballots"] == 1
        for screen in screens:
            screen.wait("poll_closed", poll_id)
    finally:
        for screen in screens:
            screen.close()


@pytest.fixture
def publishing():
    """A manager over the real Redis on a channel of its own, and a listener to that channel."""
    import redis

    from participation.realtime.manager import client_manager

    manager = client_manager(REDIS)
    manager.channel = f"publishing-{uuid.uuid4().hex}"  # nobody else's messages
    socketio.Server(client_manager=manager, async_mode="threading")
    listener = redis.Redis.from_url(REDIS).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(manager.channel)
    yield manager, listener
    listener.close()


def test_what_a_process_publishes_leaves_in_order_gathered_into_few_round_trips(
    publishing, monkeypatch
):
    """Emitting only queues the message; one task publishes what gathered, in one pipeline."""
    import redis

    manager, listener = publishing
    pipelines: list[int] = []
    execute = redis.client.Pipeline.execute

    def counted(self, *args, **kwargs):
        pipelines.append(len(self.command_stack))
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", counted)
    for number in range(300):
        manager.emit("tick", {"n": number}, room="nobody")
    received: list[int] = []
    deadline = time.monotonic() + 20
    while len(received) < 300 and time.monotonic() < deadline:
        message = listener.get_message(timeout=1)
        if message is not None:
            received.append(manager.json.loads(message["data"])["data"][0]["n"])
    assert received == list(range(300))
    assert sum(pipelines) == 300 and len(pipelines) < 300


def test_a_publish_that_fails_does_not_stop_the_messages_after_it(publishing, monkeypatch, caplog):
    import redis

    manager, listener = publishing
    execute = redis.client.Pipeline.execute
    failures = [RuntimeError("queue down"), RuntimeError("still down")]

    def failing_once(self, *args, **kwargs):
        if failures:
            raise failures.pop(0)  # both attempts of the first batch
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", failing_once)
    manager.emit("lost", {"n": 0}, room="nobody")
    deadline = time.monotonic() + 10
    while failures and time.monotonic() < deadline:
        time.sleep(0.05)
    manager.emit("tick", {"n": 1}, room="nobody")
    message = None
    while message is None and time.monotonic() < deadline + 10:
        message = listener.get_message(timeout=1)
    assert message is not None and manager.json.loads(message["data"])["event"] == "tick"
    assert "giving up" in caplog.text
