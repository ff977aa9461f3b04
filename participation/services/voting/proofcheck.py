"""Checking encrypted ballots' proofs while their poll is open, whenever the server is quiet.

The proofs of a ballot cost a few milliseconds of CPU. Checked before the acknowledgement they
would slow the burst of a hall voting at once; checked only at the close they would delay the
result by seconds. So each stored ballot is queued here, and one background task per process
checks the queue once no ballot has arrived for a moment, yielding between ballots. The
results are kept by the ballot's tracker, the hash of its content: the close
(:func:`.sealed.verify_stored`) takes a result only for a ballot whose stored content still
hashes to that tracker, and checks any other ballot itself. A result lost (a restart, another
process) costs time at the close, never a wrong count.

A ballot whose proofs hold is also added to the poll's running sums, by weight, so the close
adds only the ballots the background has not (:func:`.sealed.start_count`). The sums are
used only when every ballot in them, by tracker and weight, is among the close's valid
ballots; otherwise the close sums all of them itself.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from participation.ballots import Point, Question, tracker, verify_ballot
from participation.ballots.tally import Sums, add_to_sums
from participation.extensions import socketio

#: Where the app keeps its queue and results.
KEY = "participation.proof_checks"
#: Seconds without a new ballot before the checks run: a burst first, then the proofs.
QUIET = 0.3


@dataclass
class Checked:
    """What is known of a poll's ballots: their checks and the sums of those that hold."""

    #: Tracker -> why the ballot's proofs fail ("" when they hold).
    reasons: dict[str, str] = field(default_factory=dict)
    #: (tracker, weight) of every ballot added to ``sums``, with how often it was added.
    summed: Counter = field(default_factory=Counter)
    #: The sums of those ballots by weight (:func:`participation.ballots.tally.add_to_sums`).
    sums: Sums = field(default_factory=dict)
    #: Pseudonym -> (ballot, its tracker) as read before the close's lock, so the close hashes
    #: again only a ballot that differs from what was read then.
    read: dict[str, tuple[dict, str]] = field(default_factory=dict)

    def copy(self) -> Checked:
        # add_to_sums replaces a weight's rows and never changes them, so a shallow copy holds.
        return Checked(dict(self.reasons), Counter(self.summed), dict(self.sums))

    def tracker_of(self, ballot: dict[str, Any]) -> str:
        """The ballot's tracker, hashed again only when it is not the ballot read earlier
        under its pseudonym (comparing is twenty times cheaper than hashing)."""
        voter = ballot.get("voter") if isinstance(ballot, dict) else None
        earlier = self.read.get(voter) if isinstance(voter, str) else None
        if earlier is not None and earlier[0] == ballot:
            return earlier[1]
        return tracker(ballot)


@dataclass
class _Checks:
    #: (poll id, the poll's frozen encryption, tracker, ballot, weight) in arrival order.
    pending: deque = field(default_factory=deque)
    #: Poll id -> what the background found out so far.
    results: dict[int, Checked] = field(default_factory=dict)
    #: When the last encrypted ballot arrived or was stored (``time.monotonic``).
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


def schedule(poll_id: int, encryption: dict, ballots: list[tuple[str, dict, int]]) -> None:
    """Queue stored ballots (tracker, ballot, weight) of an open encrypted poll for checking."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    checks = _checks(app)
    with checks.lock:
        checks.pending.extend((poll_id, encryption, *ballot) for ballot in ballots)
        checks.last_arrival = time.monotonic()
        if checks.running:
            return
        checks.running = True
    socketio.start_background_task(_work, app)


def note_arrival() -> None:
    """An encrypted ballot arrived: the checks wait until the hall has stopped voting.

    Noted as each ballot comes in, not only when a batch is stored: in a burst, a batch can
    wait for its turn longer than :data:`QUIET`, and checks started then would take their
    milliseconds from the ballots still being acknowledged.
    """
    _checks(current_app).last_arrival = time.monotonic()


def known(poll_id: int) -> dict[str, str]:
    """The checks made so far of a poll's ballots, by tracker."""
    return dict(_checks(current_app).results.get(poll_id, Checked()).reasons)


def take_over(poll_id: int) -> Checked:
    """The checks and sums made so far of a closing poll's ballots; the background stops
    checking the rest, which the close checks itself (no ballot is checked twice at once)."""
    checks = _checks(current_app)
    with checks.lock:
        checks.pending = deque(item for item in checks.pending if item[0] != poll_id)
        return checks.results.get(poll_id, Checked()).copy()


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
            poll_id, encryption, tracker, ballot, weight = checks.pending.popleft()
        reason = failure_of(encryption, ballot)
        with checks.lock:
            checked = checks.results.setdefault(poll_id, Checked())
            checked.reasons[tracker] = reason
            if not reason:
                questions = [Question(**q) for q in encryption["questions"]]
                add_to_sums(checked.sums, questions, ballot, weight)
                checked.summed[(tracker, weight)] += 1
        socketio.sleep(0)  # one ballot at a time: requests go first
