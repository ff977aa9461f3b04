"""Who each socket's login session is, remembered by a serving process between the changes
that could alter it.

A hall of phones sends a burst of events whose sender must be known for each; reading the
login session, person and accreditation again for every one of them was a third of what a
ballot cost the server. Within one process every such change passes through this process's
database session, so the memory is cleared by the change itself, before and again after it
is committed: an event after a sign-out, a revoked code, a changed role or voting right is
judged by the new rows, as if read afresh.

With several processes on Redis (the message queue), a change committed in one must reach
the others' memories before anything it answers can lead to another event. So the processes
share a *generation* in Redis: a commit that changed an identity sets it to a new random value
before its request or event is answered, and every process compares it with the one its memory
was filled under before it trusts the memory for an event (:class:`SharedGeneration`; one
lookup in flight at a time, shared by the events that arrived before it was sent): a burst of
ballots costs a few lookups of one small value instead of three database round trips per
ballot. Where Redis cannot be asked, the event reads its sender afresh; with another message
queue nothing is remembered.
Requests over HTTP always read it afresh.
"""

from __future__ import annotations

import threading
import uuid

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.elements import TextClause

#: The tables a login session's identity is read from, and the conference, whose deletion
#: removes its accreditations in the database (ON DELETE CASCADE) without the ORM seeing it.
IDENTITY_TABLES = frozenset(
    {"login_session", "person", "accreditation", "organisation", "conference"}
)
_CHANGED = "participation_identities_changed"
_WRITING = frozenset({"INSERT", "UPDATE", "DELETE", "REPLAC"})


class IdentityCache:
    """Identities by token digest. A read that overlapped a change is not kept: the caller
    notes the generation before reading and :meth:`keep` refuses once it moved on."""

    def __init__(self) -> None:
        self.generation = 0
        self.entries: dict[str, object] = {}
        #: The shared generation (several processes) the entries were read under.
        self.shared: str | None = None

    def get(self, token_hash: str):
        return self.entries.get(token_hash)

    def keep(self, token_hash: str, identity: object, generation: int) -> None:
        if generation == self.generation:
            self.entries[token_hash] = identity

    def clear(self) -> None:
        self.generation += 1
        self.entries = {}

    def follow(self, shared: str) -> None:
        """Forget everything if the processes' shared generation moved since it was read."""
        if shared != self.shared:
            self.clear()
            self.shared = shared


#: Where the processes keep their shared generation (``IDENTITY_GENERATION_KEY``).
KEY = "participation:identity-generation"


class SharedGeneration:
    """The generation of identities the serving processes share in Redis.

    :meth:`current` answers with a value read after it was called: the caller joins a lookup
    not yet sent, or starts one that is sent once the lookup in flight has come back. So a
    burst of events costs a few lookups, each answering everyone who asked before it left, and
    no event trusts a value read before a change it could have heard of was announced.
    """

    #: Seconds a lookup may take before its events read their senders afresh.
    TIMEOUT = 2.0

    def __init__(self, url: str, key: str = KEY) -> None:
        import redis

        self._redis = redis.Redis.from_url(
            url, socket_timeout=self.TIMEOUT, socket_connect_timeout=self.TIMEOUT
        )
        self.key = key
        self._lock = threading.Lock()
        self._sending = threading.Lock()
        self._next: _Lookup | None = None
        self._failing = False

    def current(self) -> str | None:
        """The shared generation now, or None if Redis does not answer."""
        with self._lock:
            lookup, leading = self._next, False
            if lookup is None:
                lookup = self._next = _Lookup()
                leading = True
        if not leading:
            lookup.done.wait(2 * self.TIMEOUT)
            return lookup.value
        with self._sending:
            with self._lock:
                self._next = None  # whoever asks from now on waits for the next lookup
            try:
                lookup.value = self._read()
            finally:
                lookup.done.set()
        return lookup.value

    def _read(self) -> str | None:
        try:
            value = self._redis.get(self.key)
        except Exception as error:  # Redis down or slow: the senders are read afresh
            self._complain("Cannot read the identity generation from Redis: %s", error)
            return None
        self._failing = False
        return value.decode() if isinstance(value, bytes) else "none"

    def move_on(self) -> None:
        """A change to an identity was committed here: every process reads afresh."""
        try:
            self._redis.set(self.key, uuid.uuid4().hex)
        except Exception as error:
            self._complain("Cannot announce a changed identity in Redis: %s", error)

    def _complain(self, message: str, error: Exception) -> None:
        if not self._failing:  # once per outage, not once per event
            self._failing = True
            current_app.logger.error(message, error)


class _Lookup:
    """One read of the shared generation, for those who asked before it was sent."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: str | None = None


def identity_cache() -> IdentityCache | None:
    """This app's cache, ready to be trusted for the current event; None where it must not be
    used (a message queue other than Redis, Redis not answering, or ``IDENTITY_CACHE =
    False``)."""
    if not has_app_context():
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache = _cache_of(app)
    if cache is None:
        return None
    if app.config.get("SOCKETIO_MESSAGE_QUEUE"):
        shared = _shared_generation(app)
        generation = shared.current() if shared is not None else None
        if generation is None:
            cache.clear()  # what changed meanwhile is unknown
            return None
        cache.follow(generation)
    return cache


def _cache_of(app: Flask) -> IdentityCache | None:
    if not app.config.get("IDENTITY_CACHE", True):
        return None
    return app.extensions.setdefault("identity_cache", IdentityCache())


def _shared_generation(app: Flask) -> SharedGeneration | None:
    """The shared generation over the app's Redis message queue (None for other queues)."""
    queue = app.config.get("SOCKETIO_MESSAGE_QUEUE") or ""
    if not queue.startswith(("redis://", "rediss://")):
        return None
    shared = app.extensions.get("identity_generation")
    if shared is None:
        key = app.config.get("IDENTITY_GENERATION_KEY", KEY)
        shared = app.extensions["identity_generation"] = SharedGeneration(queue, key)
    return shared


def _changed(session: Session) -> None:
    session.info[_CHANGED] = True
    if has_app_context():
        cache = _cache_of(current_app)
        if cache is not None:
            cache.clear()


def _table_of(instance: object) -> str | None:
    table = getattr(instance, "__table__", None)
    return getattr(table, "name", None)


@event.listens_for(Session, "before_flush")
def _flushing(session: Session, _context, _instances) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(_table_of(instance) in IDENTITY_TABLES for instance in touched):
        _changed(session)


@event.listens_for(Session, "do_orm_execute")
def _executing(state: ORMExecuteState) -> None:
    """Statements that write without the ORM (``update(Accreditation)…``) count too; a
    textual one that writes counts whatever its table."""
    statement = state.statement
    if isinstance(statement, TextClause):
        if statement.text.lstrip()[:6].upper() in _WRITING:
            _changed(state.session)
        return
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(statement, "table", None)
    if getattr(table, "name", None) in IDENTITY_TABLES:
        _changed(state.session)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    """Cleared again once committed: a read between the flush and the commit saw the old rows."""
    if not session.info.pop(_CHANGED, False) or not has_app_context():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache = _cache_of(app)
    if cache is not None:
        cache.clear()
    shared = _shared_generation(app)
    if shared is not None:
        shared.move_on()  # before the change is answered: no event after it trusts old rows


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, _previous) -> None:
    session.info.pop(_CHANGED, None)
