"""Many Socket.IO clients in one asyncio process (python-socketio's ``AsyncClient``).

Each client is a phone or a screen: it signs in with a bearer token obtained from a join code,
connects over WebSocket, follows the conference and notes when events reach it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

import aiohttp
import socketio

# A client whose server sent nothing for 30 s (no ping: the server was saturated) gives up
# with an error log line per client; the benchmark counts lost connections instead.
logging.getLogger("engineio.client").setLevel(logging.CRITICAL)


@dataclass
class Member:
    """One connected client and the moments events first reached it (``time.perf_counter``)."""

    index: int
    token: str | None
    client: socketio.AsyncClient | None = None
    seen: dict[str, float] = field(default_factory=dict)
    payloads: dict[str, dict] = field(default_factory=dict)


@dataclass
class Call:
    """One acknowledged (or failed) call: when it left, when the answer came, the answer."""

    member: int
    sent: float
    acked: float | None
    reply: object = None
    error: str = ""
    #: Attempts made (1 unless retried).
    attempts: int = 1

    @property
    def latency(self) -> float | None:
        return None if self.acked is None else self.acked - self.sent


class Swarm:
    """Clients of one server; ``tokens[i] is None`` connects without signing in (bare stack)."""

    #: Events whose first arrival each client notes.
    WATCHED = ("poll_opened", "ballot_ready", "poll_closed")

    def __init__(self, url: str, tokens: list[str | None], *, concurrency: int = 50) -> None:
        self.url = url
        self.members = [Member(i, token) for i, token in enumerate(tokens)]
        self.concurrency = concurrency
        self.http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Swarm:
        # One HTTP session for all clients; WebSockets must not count against a pool limit.
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        return self

    async def __aexit__(self, *exc) -> None:
        await self.disconnect()
        if self.http is not None:
            await self.http.close()

    def _client(self, member: Member) -> socketio.AsyncClient:
        client = socketio.AsyncClient(reconnection=False, http_session=self.http)
        for name in self.WATCHED:
            client.on(name, self._noter(member, name))
        return client

    @staticmethod
    def _noter(member: Member, name: str):
        async def note(payload=None) -> None:
            if name not in member.seen:
                member.seen[name] = time.perf_counter()
                member.payloads[name] = payload

        return note

    async def connect(self, *, watch: dict | None = None, timeout: float = 180) -> None:
        """Connect every client (``concurrency`` at a time) and, with ``watch``, call
        ``watch_conference`` with it, as a page does when it loads."""
        gate = asyncio.Semaphore(self.concurrency)

        async def one(member: Member) -> None:
            async with gate:
                client = self._client(member)
                headers = {"Authorization": f"Bearer {member.token}"} if member.token else {}
                await client.connect(
                    self.url, headers=headers, transports=["websocket"], wait_timeout=60
                )
                member.client = client
                if watch is not None:
                    reply = await client.call("watch_conference", watch, timeout=60)
                    if not (isinstance(reply, dict) and reply.get("ok")):
                        raise RuntimeError(f"watch_conference refused: {reply!r}")

        await asyncio.wait_for(asyncio.gather(*(one(m) for m in self.members)), timeout)

    async def disconnect(self) -> None:
        clients = [m.client for m in self.members if m.client is not None]
        for member in self.members:
            member.client = None
        await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)

    async def burst(
        self,
        indices: list[int],
        event: str,
        payload_of,
        *,
        timeout: float = 120,
        progress: list[Call] | None = None,
        attempts: int = 1,
        retry_delay: float = 2.0,
    ) -> list[Call]:
        """Every client in ``indices`` calls ``event`` at once; returns the calls in order.

        ``payload_of(index)`` gives each client's payload; a reply is an acknowledgement.
        With ``attempts`` > 1 a client behaves like ``static/js/ballot.js``: without an answer
        within ``timeout``, or told the server is busy (503), it waits ``retry_delay`` and sends
        the same payload again. Each call is appended to ``progress`` the moment it ends.
        """

        async def one(index: int) -> Call:
            client = self.members[index].client
            payload = payload_of(index)
            sent = time.perf_counter()
            for attempt in range(1, attempts + 1):
                try:
                    reply = await client.call(event, payload, timeout=timeout)
                except Exception as error:  # a timeout or a lost connection: no answer
                    call = Call(index, sent, None, None, f"{type(error).__name__}: {error}")
                else:
                    call = Call(index, sent, time.perf_counter(), reply)
                call.attempts = attempt
                busy = isinstance(call.reply, dict) and call.reply.get("status") == 503
                if (call.acked is not None and not busy) or not client.connected:
                    break
                if attempt < attempts:
                    await asyncio.sleep(retry_delay)
            if progress is not None:
                progress.append(call)
            return call

        return list(await asyncio.gather(*(one(i) for i in indices)))

    async def wait_for(
        self, event: str, *, timeout: float = 60, members: list[int] | None = None
    ) -> float | None:
        """Wait until ``event`` reached every client (or those of ``members``); the moment the
        last one got it.

        None if it did not reach them all in time, or a client lost its connection first.
        """
        chosen = self.members if members is None else [self.members[i] for i in members]
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            waiting = [m for m in chosen if event not in m.seen]
            if not waiting:
                return max(m.seen[event] for m in chosen)
            if any(m.client is None or not m.client.connected for m in waiting):
                return None
            await asyncio.sleep(0.005)
        return None

    def disconnected(self) -> int:
        """Clients that lost their connection."""
        return sum(1 for m in self.members if m.client is None or not m.client.connected)

    def missing(self, event: str) -> int:
        return sum(1 for m in self.members if event not in m.seen)


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` quantile (nearest rank) of ``values``; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(share * len(ordered) + 0.5)) - 1))
    return ordered[rank]
