"""Serving a hall's connections with eventlet: the listener, the green threads, each
connection let go of when it closes, and the phones' frames unmasked in C.

``wsgi.py`` serves with :func:`serve_with_eventlet`; the benchmark's bare stack loads this file
on its own (without the app) and serves the same way, so the two differ only in the app.
"""

from __future__ import annotations

import os

import eventlet
import eventlet.wsgi


class ReleasedConnection(eventlet.wsgi.HttpProtocol):
    """eventlet's handler of one connection, which drops its request when the connection ends.

    The request's environ holds eventlet's ``set_idle`` hook, a closure over this handler,
    which holds the environ: a reference cycle of every connection, with its 24 KiB of read
    and write buffers, that only a full collection frees. The server collects its oldest
    objects rarely (``wsgi.py``), so a reconnect storm kept the connections it replaced as
    garbage until then. (gevent's server makes no such cycle.)
    """

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.environ = None


def unmask(
    data: bytes, mask: bytes | list[int], length: int | None = None, offset: int = 0
) -> bytes:
    """The first ``length`` bytes of a WebSocket payload XORed with its 4-byte mask, the mask
    starting at byte ``offset`` of the payload (RFC 6455, section 5.3).

    It computes what eventlet's ``RFC6455WebSocket._apply_mask`` does, which builds a bytes
    object for every byte: unmasking a phone's 2 KB encrypted ballot cost the server about
    0.3 ms, a fifth of the CPU time of a hall's burst (profiled, both stacks alike). Here the
    payload and the repeated mask are XORed as two whole numbers.
    """
    if length is None:
        length = len(data)
    if length <= 0:
        return b""
    turn = offset % 4
    key = bytes(mask)
    key = key[turn:] + key[:turn]
    stream = (key * (length // 4 + 1))[:length]
    payload = int.from_bytes(data[:length], "little") ^ int.from_bytes(stream, "little")
    return payload.to_bytes(length, "little")


def unmask_in_c() -> None:
    """Let eventlet's WebSocket unmask with :func:`unmask` (a pinned eventlet, 0.41, calls
    its static ``_apply_mask`` for every masked frame it reads)."""
    import eventlet.websocket

    eventlet.websocket.RFC6455WebSocket._apply_mask = staticmethod(unmask)


def serve_with_eventlet(app, host: str, port: int) -> None:
    """Listen with a backlog a hall's reconnect fits in, and hold up to ``MAX_CONNECTIONS``.

    With eventlet's backlog of 50, when a hall's phones came back from a Wi-Fi blip all at
    once the connections past it waited for the kernel's SYN retries (1, 3, 7 s …): the last
    phone took 29 s instead of 8 s. Each open socket holds one green thread; eventlet's
    default pool of 1,024 would leave the rest of a hall waiting to connect.
    """
    unmask_in_c()
    listener = eventlet.listen((host, port), backlog=int(os.environ.get("BACKLOG", "2048")))
    max_size = int(os.environ.get("MAX_CONNECTIONS", "10000"))
    eventlet.wsgi.server(
        listener, app, log_output=False, max_size=max_size, protocol=ReleasedConnection
    )
