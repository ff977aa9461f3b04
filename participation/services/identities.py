"""Who each socket's login session is, remembered by a serving process between the changes
that could alter it.

A hall of phones sends a burst of events whose sender must be known for each; reading the
login session, person and accreditation again for every one of them was a third of what a
ballot cost the server. Within one process every such change passes through this process's
database session, so the memory is cleared by the change itself, before and again after it
is committed: an event after a sign-out, a revoked code, a changed role or voting right is
judged by the new rows, as if read afresh.

With a message queue there are several processes, and a change made in one would not clear
the others' memory; then nothing is remembered and every event reads its sender again.
Requests over HTTP always read it afresh.
"""

from __future__ import annotations

from flask import current_app, has_app_context
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

    def get(self, token_hash: str):
        return self.entries.get(token_hash)

    def keep(self, token_hash: str, identity: object, generation: int) -> None:
        if generation == self.generation:
            self.entries[token_hash] = identity

    def clear(self) -> None:
        self.generation += 1
        self.entries = {}


def identity_cache() -> IdentityCache | None:
    """This app's cache, or None where it must not be used (several processes, or turned off
    with ``IDENTITY_CACHE = False``)."""
    if not has_app_context():
        return None
    config = current_app.config
    if config.get("SOCKETIO_MESSAGE_QUEUE") or not config.get("IDENTITY_CACHE", True):
        return None
    return current_app.extensions.setdefault("identity_cache", IdentityCache())


def _changed(session: Session) -> None:
    session.info[_CHANGED] = True
    cache = identity_cache()
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
    if session.info.pop(_CHANGED, False):
        cache = identity_cache()
        if cache is not None:
            cache.clear()


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, _previous) -> None:
    session.info.pop(_CHANGED, None)
