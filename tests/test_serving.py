"""Serving with eventlet: a connection is freed as soon as it closes, and a serving process
holds no library it has no use for yet.

eventlet's own handler of a connection is driven here in-process, on a socket pair, with the
cyclic garbage collector off: what is left then is what only a full collection would free.
"""

from __future__ import annotations

import gc
import random
import socket
import subprocess
import sys
import weakref
from pathlib import Path

import eventlet.websocket
import eventlet.wsgi
import pytest

from participation.realtime.serving import ReleasedConnection, unmask, unmask_in_c


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


#: Libraries a serving process loads only once it needs them: Alembic with Mako and Pygments
#: for a ``db`` command (8 MiB), segno for join slips (2.5 MiB), rbcl for an encrypted poll
#: (5 MiB with the modules it imports), markdown-it and nh3 for the first rendered text (4 MiB);
#: and on SQLite, SQLAlchemy's PostgreSQL dialect (2.7 MiB; ``models.base.partial_unique_index``).
LOADED_WHEN_NEEDED = {"alembic", "flask_migrate", "mako", "segno", "rbcl", "markdown_it", "nh3"}


def test_a_server_that_only_serves_loads_no_library_before_it_needs_it():
    program = (
        "import sys\n"
        "from participation import create_app\n"
        "create_app({'SECRET_KEY': 'k' * 40, 'SQLALCHEMY_DATABASE_URI': 'sqlite://'})\n"
        "from participation.ballots import group\n"
        "from participation.text import markup\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        f"print(sorted(loaded & {LOADED_WHEN_NEEDED!r}))\n"
        "print('sqlalchemy.dialects.postgresql' in sys.modules)\n"
        "print(markup.render_inline('*ja*'), group.base(2) == group.GENERATOR + group.GENERATOR)\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "print(sorted(loaded & {'rbcl', 'markdown_it', 'nh3'}))\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=root
    )
    assert done.stdout.splitlines() == [
        "[]",
        "False",
        "<em>ja</em> True",
        "['markdown_it', 'nh3', 'rbcl']",
    ]


@pytest.mark.parametrize("length", [0, 1, 3, 4, 5, 7, 125, 2048, 70_000])
def test_a_frame_is_unmasked_byte_by_byte_as_rfc_6455_says(length):
    """Byte i of the payload XOR byte (offset + i) mod 4 of the mask, for any length, mask and
    position in the payload (a long payload arrives in pieces, each unmasked from its offset).
    Every browser test's frames pass through it too: ``wsgi.py`` installs it in eventlet."""
    payload = random.Random(length).randbytes(length + 3)
    for mask in (b"\x00\x00\x00\x00", b"\x81\x3c\xff\x07", [9, 200, 13, 77]):
        for offset in (0, 1, 2, 3, 6):
            expected = bytes(payload[i] ^ mask[(offset + i) % 4] for i in range(length))
            assert unmask(payload, mask, length=length, offset=offset) == expected
    assert unmask(payload[:length], b"abcd") == bytes(
        byte ^ b"abcd"[i % 4] for i, byte in enumerate(payload[:length])
    )


def test_serving_with_eventlet_unmasks_with_it(monkeypatch):
    monkeypatch.setattr(eventlet.websocket.RFC6455WebSocket, "_apply_mask", staticmethod(len))
    unmask_in_c()
    assert eventlet.websocket.RFC6455WebSocket._apply_mask is unmask
