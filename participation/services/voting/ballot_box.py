"""The ballot box: ballots that arrive together wait here to be stored as one batch.

Every caller puts its ballot in the application's box and waits. The first caller becomes the
*writer*: it lets the ballots that arrived at the same moment join (one cooperative yield),
takes up to ``MAX_BATCH`` of them and stores them together, then hands the box to the next
waiting caller, if any. There is never more than one writer per process, and no thread of our
own. What storing a batch means is :mod:`.casting`'s business; the box only takes turns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app

from participation.models import is_id
from participation.services.errors import DomainError

#: Ballots stored in one transaction at most.
MAX_BATCH = 250


@dataclass(frozen=True)
class Receipt:
    poll_id: int
    voter_id: int
    tracker: str
    #: True when this answers a retry of a ballot stored earlier.
    repeated: bool = False

    def as_dict(self) -> dict:
        return {
            "poll_id": self.poll_id,
            "voter_id": self.voter_id,
            "tracker": self.tracker,
            "repeated": self.repeated,
        }


@dataclass(eq=False)
class PendingBallot:
    """A ballot on its way to the database, and what became of it.

    ``choice``, ``submission_id`` and ``voter_id`` are as the client sent them; the checks
    refuse what does not fit.
    """

    #: The accreditation that casts the ballot; None for someone not accredited.
    caster_id: int | None
    poll_id: int
    choice: object
    submission_id: object
    #: The proxy giver whose vote is cast; None for the caster's own.
    voter_id: object = None
    #: The conference the poll must belong to.
    conference_id: int | None = None
    #: The connection that cast it (it learns of it from its receipt).
    origin: str | None = None
    #: An encrypted ballot whose proofs have been checked (set before it joins a batch).
    sealed: dict | None = None
    #: Set once the batch it was in is stored, or when the box is handed to its caller.
    done: threading.Event = field(default_factory=threading.Event)
    #: Set when the box is handed to this caller: it writes the next batch.
    lead: bool = False
    receipt: Receipt | None = None
    error: DomainError | None = None

    @property
    def owner(self) -> int | None:
        """Whose vote this is: the proxy giver's if named, else the caster's own; None if the
        giver is named by something that is not an id."""
        voter_id = self.voter_id
        if voter_id is None:
            return self.caster_id
        return voter_id if is_id(voter_id) else None


#: Stores a batch: sets each ballot's receipt or error (a ballot left without either: busy).
Store = Callable[[list[PendingBallot]], None]


class BallotBox:
    """Ballots waiting to be stored; at most one caller at a time writes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[PendingBallot] = []
        self._writing = False

    def submit(self, ballot: PendingBallot, store: Store) -> None:
        """Return once ``ballot`` has been stored, in a batch ``store`` wrote (maybe by
        another caller)."""
        with self._lock:
            self._waiting.append(ballot)
            lead = not self._writing
            self._writing = True
        if not lead:
            ballot.done.wait()
            if not ballot.lead:
                return
        self._write_next(store)

    def _write_next(self, store: Store) -> None:
        time.sleep(0)  # a cooperative yield: ballots that came in together join this batch
        with self._lock:
            batch = self._waiting[:MAX_BATCH]
            del self._waiting[:MAX_BATCH]
        try:
            store(batch)
        finally:
            with self._lock:
                if self._waiting:
                    successor = self._waiting[0]
                    successor.lead = True
                    successor.done.set()
                else:
                    self._writing = False
            for ballot in batch:
                ballot.done.set()


def app_box() -> BallotBox:
    """The application's ballot box (each app has its own database, so its own box)."""
    return current_app.extensions.setdefault("ballot_box", BallotBox())
