"""Serving with eventlet: a connection is freed as soon as it closes.

eventlet's own handler of a connection is driven here in-process, on a socket pair, with the
cyclic garbage collector off: what is left then is what only a full collection would free.
"""

from __future__ import annotations

import gc
import socket
import weakref

import eventlet.wsgi

from participation.realtime.serving import ReleasedConnection


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
