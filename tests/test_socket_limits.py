"""The size limit of socket messages, on the real server (``python wsgi.py``, eventlet).

A message within ``SOCKET_MESSAGE_LIMIT`` is read and answered, however far beyond its shape
its payload is, and the connection stays up; a larger one ends the connection. Every wait is
bounded.
"""

from __future__ import annotations

import time

import pytest
import socketio

from bench import server as servers
from tests.helpers import sign_in

#: The default limit (README, configuration).
LIMIT = 2**20


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The real server on a conference with one delegate; its URL, the codes and the log."""
    workdir = tmp_path_factory.mktemp("limits")
    database = servers.build(workdir, 1, 0)
    server = servers.start_app(database.env(servers.free_port()), log=workdir / "server.log")
    try:
        yield server, database.codes
    finally:
        server.stop()
        servers.drop(database)


def _connect(server, codes, transport: str) -> socketio.Client:
    token = sign_in(server.url, codes["delegates"][0]["code"])
    client = socketio.Client(reconnection=False)
    client.connect(
        server.url,
        headers={"Authorization": f"Bearer {token}"},
        transports=[transport],
        wait_timeout=10,
    )
    return client


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_a_payload_far_beyond_its_shape_is_answered_and_the_connection_stays(served, transport):
    server, codes = served
    conference = {"conference_id": codes["conference_id"]}
    client = _connect(server, codes, transport)
    try:
        oversized = {**conference, "poll_id": 1, "submission_id": "x" * 8, "choice": "y" * 900_000}
        reply = client.call("cast_ballot", oversized, timeout=30)
        assert reply["ok"] is False and reply["status"] == 422, reply
        assert list(reply["errors"]) == ["choice"]
        assert client.connected
        assert client.call("watch_conference", conference, timeout=10)["ok"] is True
    finally:
        client.disconnect()
    assert "Traceback" not in server.log_tail(20_000)


def test_a_message_over_the_limit_ends_the_connection(served):
    server, codes = served
    conference = {"conference_id": codes["conference_id"]}
    client = _connect(server, codes, "websocket")
    # The client library leaves a socket the server closed open; it is closed at the end.
    websocket = client.eio.ws
    try:
        client.emit("watch_conference", {**conference, "x": "y" * (LIMIT + 1000)})
        deadline = time.monotonic() + 15
        while client.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not client.connected
    finally:
        client.disconnect()
        websocket.shutdown()
    # The server goes on serving.
    again = _connect(server, codes, "websocket")
    try:
        assert again.call("watch_conference", conference, timeout=10)["ok"] is True
    finally:
        again.disconnect()
