"""Commit, then emit: events collected during a unit of work leave only after it committed.

Services call :func:`publish`; the realtime layer installs a sink with :func:`set_sink`. The
events wait in the session's ``info`` and are handed to the sink from SQLAlchemy's
``after_commit`` hook, or dropped on rollback, so a client never sees a state the database does
not hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

_OUTBOX = "participation_outbox"


@dataclass(frozen=True)
class Event:
    name: str
    room: str
    payload: dict = field(default_factory=dict)
    #: A connection in the room that already knows (it asked, and is answered directly).
    skip: str | None = None


Sink = Callable[[Event], None]
_sink: Sink | None = None


def set_sink(sink: Sink | None) -> None:
    global _sink
    _sink = sink


def publish(
    session: Session | scoped_session,
    name: str,
    room: str,
    payload: dict | None = None,
    skip: str | None = None,
) -> None:
    """Queue an event for delivery once ``session`` commits (to every connection in ``room``
    but ``skip``)."""
    session.info.setdefault(_OUTBOX, []).append(Event(name, room, payload or {}, skip))


@event.listens_for(Session, "after_commit")
def _deliver(session: Session) -> None:
    pending = session.info.pop(_OUTBOX, [])
    if _sink is None:
        return
    for item in pending:
        _sink(item)


@event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, previous_transaction) -> None:
    session.info.pop(_OUTBOX, None)
