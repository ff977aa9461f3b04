"""Serving with eventlet: a connection is freed as soon as it closes, and a query does not
stop the other connections while PostgreSQL answers it.

eventlet's own handler of a connection is driven here in-process, on a socket pair, with the
cyclic garbage collector off: what is left then is what only a full collection would free.
"""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import weakref

import eventlet.wsgi
import pytest

from participation.realtime.serving import PSYCOPG_WAIT, ReleasedConnection
from tests.helpers import ROOT


def _page(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def _served(protocol: type[eventlet.wsgi.HttpProtocol]) -> tuple[bool, bytes]:
    """One request served and the connection closed: whether its handler was freed by then,
    and what the browser received."""
    handlers = []

    class Noted(protocol):
        def setup(self):
            handlers.append(weakref.ref(self))
            super().setup()

    with socket.socket() as listening:
        server = eventlet.wsgi.Server(
            listening, ("127.0.0.1", 0), _page, log_output=False, protocol=Noted
        )
        ours, browser = socket.socketpair()
        with browser:
            browser.sendall(b"GET / HTTP/1.1\r\nHost: hall\r\nConnection: close\r\n\r\n")
            gc.disable()
            try:
                Noted([("127.0.0.1", 50000), ours, eventlet.wsgi.STATE_IDLE], server)
                freed = handlers[0]() is None
            finally:
                gc.enable()
            return freed, browser.recv(4096)


def test_a_closed_connection_is_freed_without_waiting_for_the_garbage_collector():
    freed, answer = _served(ReleasedConnection)
    assert answer.startswith(b"HTTP/1.1 200 OK") and answer.endswith(b"ok")
    assert freed


def test_eventlets_own_handler_would_wait_for_it():
    """The reference cycle the released connection breaks is there in eventlet's handler."""
    freed, answer = _served(eventlet.wsgi.HttpProtocol)
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert not freed


#: Under eventlet, one green thread waits for PostgreSQL while another counts its turns.
_WAITING_FOR_POSTGRESQL = """
import sys
import eventlet
eventlet.monkey_patch()
from participation.realtime.serving import wait_for_postgresql_cooperatively
if sys.argv[2] == "cooperatively":
    wait_for_postgresql_cooperatively()
import psycopg

waiting = []
turns = []

def query():
    with psycopg.connect(sys.argv[1]) as connection:
        waiting.append(True)
        connection.execute("SELECT pg_sleep(0.3)")
        waiting.append(False)

def count():
    while waiting[-1:] != [False]:
        if waiting[-1:] == [True]:
            turns.append(1)
        eventlet.sleep(0)

pool = eventlet.GreenPool()
pool.spawn(query)
pool.spawn(count)
pool.waitall()
print(len(turns))
"""


def _turns_while_postgresql_answers(how: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _WAITING_FOR_POSTGRESQL, os.environ["TEST_DATABASE_URL"], how],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={key: value for key, value in os.environ.items() if key != PSYCOPG_WAIT},
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)"
)
def test_the_other_connections_go_on_while_postgresql_answers_a_query():
    assert _turns_while_postgresql_answers("cooperatively") > 0
    # psycopg's own wait, in C, would have stopped every green thread until the answer.
    assert _turns_while_postgresql_answers("as psycopg would") == 0
