"""Checking encrypted ballots' proofs while their poll is open, whenever the server is quiet.

The proofs of a ballot cost a few milliseconds of CPU. Checked before the acknowledgement they
would slow the burst of a hall voting at once; checked only at the close they would delay the
result by seconds. So each stored ballot is queued here, and one background task per process
checks the queue once no ballot has arrived for a moment, yielding between ballots. The
results are kept by the ballot's tracker, the hash of its content: the close
(:func:`.sealed.verify_stored`) takes a result only for a ballot whose stored content still
hashes to that tracker, and checks any other ballot itself. A result lost (a restart, another
process) costs time at the close, never a wrong count.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

from flask import Flask, current_app

from participation.ballots import Point, Question, verify_ballot
from participation.extensions import socketio

#: Where the app keeps its queue and results.
KEY = "participation.proof_checks"
#: Seconds without a new ballot before the checks run: a burst first, then the proofs.
QUIET = 0.3


@dataclass
class _Checks:
    #: (poll id, the poll's frozen encryption, ballot) in arrival order.
    pending: deque = field(default_factory=deque)
    #: Poll id -> tracker -> why the proofs fail ("" when they hold).
    results: dict[int, dict[str, str]] = field(default_factory=dict)
    last_arrival: float = 0.0
    running: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


def failure_of(encryption: dict, ballot: object) -> str:
    """Why a ballot's proofs fail for a poll of this encryption; "" when they hold."""
    ok, reason = verify_ballot(
        ballot,
        public_key=Point.from_hex(encryption["key"]),
        poll=encryption["label"],
        questions=[Question(**q) for q in encryption["questions"]],
    )
    return "" if ok else reason


def _checks(app: Flask) -> _Checks:
    return app.extensions.setdefault(KEY, _Checks())


def schedule(poll_id: int, encryption: dict, ballots: list[tuple[str, dict]]) -> None:
    """Queue stored ballots (tracker, ballot) of an open encrypted poll for checking."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    checks = _checks(app)
    with checks.lock:
        checks.pending.extend((poll_id, encryption, tracker, b) for tracker, b in ballots)
        checks.last_arrival = time.monotonic()
        if checks.running:
            return
        checks.running = True
    socketio.start_background_task(_work, app)


def known(poll_id: int) -> dict[str, str]:
    """The checks made so far of a poll's ballots, by tracker."""
    return dict(_checks(current_app).results.get(poll_id, {}))


def take_over(poll_id: int) -> dict[str, str]:
    """The checks made so far of a closing poll's ballots; the background stops checking the
    rest, which the close checks itself (no ballot is checked twice at once)."""
    checks = _checks(current_app)
    with checks.lock:
        checks.pending = deque(item for item in checks.pending if item[0] != poll_id)
        return dict(checks.results.get(poll_id, {}))


def forget(poll_id: int) -> None:
    """The poll is counted: its queued ballots and results are no longer needed."""
    checks = _checks(current_app)
    with checks.lock:
        checks.results.pop(poll_id, None)
        checks.pending = deque(item for item in checks.pending if item[0] != poll_id)


def _work(app: Flask) -> None:
    checks = _checks(app)
    while True:
        quiet_for = time.monotonic() - checks.last_arrival
        if quiet_for < QUIET:
            socketio.sleep(QUIET - quiet_for)
            continue
        with checks.lock:
            if not checks.pending:
                checks.running = False
                return
            poll_id, encryption, tracker, ballot = checks.pending.popleft()
        reason = failure_of(encryption, ballot)
        checks.results.setdefault(poll_id, {})[tracker] = reason
        socketio.sleep(0)  # one ballot at a time: requests go first
