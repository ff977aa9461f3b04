"""Socket.IO handshakes against the real server: same origin only, signed in only."""

from __future__ import annotations

import pytest
import requests
import socketio


def _session_cookie(server) -> str:
    http = requests.Session()
    response = http.get(server.join_urls["Aylin Demir"], allow_redirects=False, timeout=10)
    assert response.status_code == 302
    return "session=" + http.cookies["session"]


def _connect(server, **headers) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    # Long-polling sends exactly the headers given (the WebSocket library adds its own Origin).
    client.connect(server.url, headers=headers, transports=["polling"], wait_timeout=10)
    return client


def test_same_origin_signed_in_socket_connects(live_server):
    client = _connect(live_server, Cookie=_session_cookie(live_server), Origin=live_server.url)
    assert client.connected
    reply = client.call("watch_conference", {"conference_id": 1}, timeout=10)
    assert reply["ok"] is True
    client.disconnect()


def test_foreign_origin_is_refused(live_server):
    with pytest.raises(socketio.exceptions.ConnectionError):
        _connect(live_server, Cookie=_session_cookie(live_server), Origin="http://evil.example")


def test_anonymous_socket_is_refused(live_server):
    with pytest.raises(socketio.exceptions.ConnectionError):
        _connect(live_server, Origin=live_server.url)
