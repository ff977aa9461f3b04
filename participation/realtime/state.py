"""The full state a client shows, sent on every connect and reconnect.

Most of it is the same for everyone following a conference: its agenda, the room, the open
poll and the last result, its documents. That part is built once and kept
(:class:`SharedStates`) until an event of the conference says something changed; each client's
own part (its accreditation, its votes) is read for it. When a Wi-Fi blip brings a whole hall
back at once, the server reads the shared part once, not a thousand times.
"""

from __future__ import annotations

import threading
import time

from flask import current_app

from participation import clock, events
from participation.extensions import db
from participation.services import conferences as conference_service
from participation.services import documents as document_service
from participation.services import room as room_service
from participation.services import voting as voting_service
from participation.services.authz import allows

#: Events that change nothing of the shared part (they concern one person or the moderators'
#: counts); every other event makes its conference's shared part be read again.
KEEPS_SHARED = frozenset(
    {
        "poll_turnout",
        "vote_recorded",
        "ballot_ready",
        "presence",
        "session_ended",
        "trustee_work",
        "conference_state",
    }
)
#: Seconds a shared state is kept at most, events or not (a change made where no event is
#: sent, such as a command on the database, shows after this long).
KEEP_SECONDS = 5.0
#: Seconds a reader waits for another's reading of the same state before reading it itself.
JOIN_SECONDS = 10.0


def room_snapshot(conference_id: int) -> dict:
    """The current agenda item, the projector's view and the current item's speakers list."""
    state = room_service.room_state(conference_id)
    item = room_service.current_item(state)
    return {
        "room": room_service.room_json(conference_id),
        "speakers": room_service.speakers_list(item) if item is not None else None,
    }


def shared_state(conference_id: int) -> dict:
    conference = conference_service.get_conference(conference_id)
    return {
        "conference": {"id": conference.id, "title": conference.title, "status": conference.status},
        "agenda": conference_service.agenda_summary(conference.agenda_items),
        **room_snapshot(conference_id),
        "voting": voting_service.shared_voting_state(conference_id),
        "documents": document_service.shared_documents_summary(conference_id),
    }


class SharedStates:
    """Each conference's shared state, kept until an event of the conference.

    A state read while an event arrives is not kept (the generation moved on), so a
    reader that started before a change never leaves the old state behind it. With several
    processes (a message queue) the events of the others arrive through the queue
    (:meth:`heard`, from ``realtime/manager.py``); a state read in the moment between another
    process's commit and its event arriving here is forgotten when the event arrives, and the
    screens that were sent it receive that event too.

    One reader reads a missing state while the others asking for it meanwhile wait for its
    result: where a reader's wait for the database lets other connections run (PostgreSQL
    under gevent), a hall coming back at once would otherwise have read the same state a
    thousand times over (measured: 2,000 times in one reconnect storm). The waiting ones first
    give their database connection back to the pool: holding all of it, they would leave the
    reader none.
    """

    def __init__(self) -> None:
        self._states: dict[int, tuple[float, dict]] = {}
        self._reading: dict[int, _Reading] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, conference_id: int) -> dict:
        kept = self._states.get(conference_id)
        if kept is not None and time.monotonic() - kept[0] < KEEP_SECONDS:
            return kept[1]
        with self._lock:
            reading = self._reading.get(conference_id)
            joined = reading is not None and reading.generation == self._generation
            if reading is None or not joined:
                reading = self._reading[conference_id] = _Reading(self._generation)
        if joined:
            # A waiting reader holds no database connection: the one reading may need one.
            if db.session.registry.has():
                db.session.rollback()
            if reading.done.wait(JOIN_SECONDS) and reading.state is not None:
                return reading.state
            return shared_state(conference_id)
        return self._read(conference_id, reading)

    def _read(self, conference_id: int, reading: _Reading) -> dict:
        read_at = time.monotonic()
        try:
            reading.state = shared_state(conference_id)
        finally:
            reading.done.set()
            with self._lock:
                if self._reading.get(conference_id) is reading:
                    del self._reading[conference_id]
                if reading.state is not None and reading.generation == self._generation:
                    self._states[conference_id] = (read_at, reading.state)
        return reading.state

    def changed(self, event: events.Event) -> None:
        """An event was sent: forget what it may have changed."""
        self.heard(event.name, event.room)

    def heard(self, name: str, room: str) -> None:
        """An event was sent here or by another process: forget what it may have changed."""
        if name in KEEPS_SHARED:
            return
        with self._lock:
            self._generation += 1
            conference_id = _conference_of(room)
            if conference_id is None:
                self._states.clear()
            else:
                self._states.pop(conference_id, None)


class _Reading:
    """A shared state being read, for those who ask for it meanwhile."""

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.done = threading.Event()
        self.state: dict | None = None


def _conference_of(room: str) -> int | None:
    """The conference of a conference-wide room (``conference:7``, ``moderators:7`` …)."""
    kind, _, rest = room.partition(":")
    if kind in ("conference", "moderators", "projector"):
        number = rest.split(":", 1)[0]
        return int(number) if number.isdigit() else None
    return None


def shared_states_of(app) -> SharedStates:
    """An application's shared states (each app, and each test's, keeps its own)."""
    return app.extensions.setdefault("shared_states", SharedStates())


def shared_states() -> SharedStates:
    return shared_states_of(current_app)


def conference_state(principal, conference_id: int) -> dict:
    shared = shared_states().get(conference_id)
    result = {
        "conference": shared["conference"],
        "agenda": shared["agenda"],
        "room": shared["room"],
        "speakers": _fresh_clock(shared["speakers"]),
    }
    accreditation_id = principal.accreditation_id_in(conference_id)
    me = principal.member(conference_id)
    if me is None and accreditation_id is not None:  # staff with an accreditation
        me = conference_service.member_summary(accreditation_id)
    if me is not None:
        result["me"] = me
    moderator = allows(principal, "moderator", conference_id)
    if moderator:
        result["presence"] = conference_service.presence(conference_id).as_dict()
    result["voting"] = voting_service.voting_state(
        conference_id,
        accreditation_id,
        turnout=moderator,
        moderator=moderator,
        shared=shared["voting"],
        voting_right=me["voting_right"] if me is not None else None,
    )
    documents = shared["documents"]
    if documents is None:
        documents = document_service.documents_summary(principal, conference_id)
    result["documents"] = documents
    return result


def _fresh_clock(speakers: dict | None) -> dict | None:
    """The speakers list with the server's clock of now (screens set their countdowns by it)."""
    if speakers is None:
        return None
    return {**speakers, "server_time": clock.now().isoformat()}
