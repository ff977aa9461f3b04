"""Background work of a serving process: poll countdowns and the session sweep.

The server starts one loop per process when it starts serving (``wsgi.py``); apps that do not
serve (tests, ``flask`` commands) start none unless they ask. The loop keeps nothing another
process would need: every pass reads from the database which polls are due and when the next
one will be, so a countdown survives a restart and is kept by every process that serves the
conference. Closing a poll is a compare-and-set, so when several processes find the same poll
due, one closes it and the others skip it.

This module sits beside ``web`` and ``realtime``: it calls services, and the realtime layer for
the sockets a sweep drops; nothing below imports it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

from flask import Flask

from participation import clock
from participation.extensions import db, socketio
from participation.realtime import sockets
from participation.services import voting

log = logging.getLogger(__name__)

#: The longest the loop sleeps: a countdown that another process started closes at most this
#: late here (the process that started it may close it sooner).
LONGEST_SLEEP_SECONDS = 1.0

T = TypeVar("T")


class Task(Protocol):
    """What ``socketio.start_background_task`` returns, in every async mode."""

    def join(self) -> object: ...


@dataclass
class Loop:
    """The background work of one process; :func:`start` runs it, a test may run single passes.

    ``sweep_seconds`` is how often the session sweep runs; ``None`` for no sweep (a single
    process disconnects the sockets of an ended session at once).
    """

    app: Flask
    sweep_seconds: float | None = None
    running: bool = field(default=True, init=False)
    task: Task | None = field(default=None, init=False)
    _next_sweep: float = field(default=0.0, init=False)  # on time.monotonic()'s scale
    _failing: set[str] = field(default_factory=set, init=False)  # jobs whose last pass failed

    def run_pass(self) -> float:
        """Do what is due now; return how many seconds to sleep before the next pass."""
        wait = LONGEST_SLEEP_SECONDS
        next_closing = self._guarded("closing polls at the end of their countdown", close_polls)
        if next_closing is not None:
            wait = min(wait, (next_closing - clock.now()).total_seconds())
        if self.sweep_seconds is not None:
            if time.monotonic() >= self._next_sweep:
                self._guarded("the session sweep", sockets.drop_ended_sessions)
                self._next_sweep = time.monotonic() + self.sweep_seconds
            wait = min(wait, self._next_sweep - time.monotonic())
        return max(0.0, wait)

    def _guarded(self, job: str, work: Callable[[], T]) -> T | None:
        """Run ``work`` in an app context; a failure is logged once, until the job works again.

        The database may be away for a while: the loop must outlive it without writing the
        same traceback into the log every second.
        """
        with self.app.app_context():
            try:
                result = work()
            except Exception:
                if job not in self._failing:
                    self._failing.add(job)
                    log.exception("%s failed; retrying quietly", job)
                return None
            finally:
                db.session.remove()
        if job in self._failing:
            self._failing.discard(job)
            log.warning("%s works again", job)
        return result


def close_polls() -> datetime | None:
    """Close every poll whose countdown has run out; return when the next open one runs out."""
    voting.close_due_polls()
    return voting.next_closing_at()


def start(app: Flask) -> Loop:
    """Start this process's background work; a second call returns the loop already running."""
    loop: Loop | None = app.extensions.get("jobs")
    if loop is None:
        loop = app.extensions["jobs"] = Loop(app, sweep_seconds=sweep_seconds(app))
        loop.task = socketio.start_background_task(_run, loop)
    return loop


def stop(app: Flask) -> None:
    """End the loop after its current pass and wait for it (tests; a server runs it to exit)."""
    loop: Loop | None = app.extensions.pop("jobs", None)
    if loop is None:
        return
    loop.running = False
    if loop.task is not None:
        loop.task.join()


def sweep_seconds(app: Flask) -> float | None:
    """How often to sweep sessions: only with a message queue, i.e. several processes."""
    if not app.config.get("SOCKETIO_MESSAGE_QUEUE"):
        return None
    return float(app.config["SESSION_SWEEP_SECONDS"])


def _run(loop: Loop) -> None:
    while loop.running:
        socketio.sleep(loop.run_pass())
