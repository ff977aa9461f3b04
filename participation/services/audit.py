"""Appending to and verifying the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from participation import clock
from participation.extensions import db
from participation.models import AuditEntry, AuditHead
from participation.models.audit import GENESIS_HASH

#: The fields an entry's hash covers: all but the hashes.
HASHED_FIELDS = ("seq", "at", "actor", "action", "subject", "conference_id", "data")


def canonical(entry: AuditEntry | dict) -> bytes:
    """The bytes an entry's hash covers: every field but the hashes, in a fixed form."""
    if isinstance(entry, dict):
        body = {name: entry[name] for name in HASHED_FIELDS}
    else:
        body = {name: getattr(entry, name) for name in HASHED_FIELDS}
    body["at"] = body["at"].isoformat(timespec="microseconds")
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: AuditEntry | dict, prev_hash: str) -> str:
    return hashlib.sha256(canonical(entry) + prev_hash.encode()).hexdigest()


def actor_of(person) -> str:
    return f"person:{person.id}" if person is not None else "system"


def record(
    action: str,
    subject: str,
    *,
    actor: str = "system",
    conference_id: int | None = None,
    data: dict | None = None,
) -> AuditEntry:
    """Append an entry in the current transaction.

    Updating the head row first takes its write lock, so concurrent writers queue up here and
    each one links to the entry committed before it.
    """
    session = db.session
    bumped = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1)
    )
    if bumped.rowcount == 0:  # the first entry ever: start the chain
        session.add(AuditHead(id=1, seq=1, hash=GENESIS_HASH))
        session.flush()
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    entry = AuditEntry(
        seq=head.seq,
        at=clock.now(),
        actor=actor,
        action=action,
        subject=subject,
        conference_id=conference_id,
        data=data or {},
        prev_hash=head.hash,
    )
    entry.hash = entry_hash(entry, head.hash)
    session.add(entry)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=entry.hash))
    return entry


def record_many(entries: list[tuple[str, str, str, dict]], *, conference_id, at) -> None:
    """Append ``(action, subject, actor, data)`` entries in the current transaction at once.

    The same chain as :func:`record` entry by entry, in two statements: the head row is bumped
    by the number of entries first, which takes its lock.
    """
    session = db.session
    bumped = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + len(entries))
    )
    if bumped.rowcount == 0:  # no chain yet: let record() start it
        for action, subject, actor, data in entries:
            record(action, subject, actor=actor, conference_id=conference_id, data=data)
        return
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    seq, prev = head.seq - len(entries), head.hash
    rows = []
    for action, subject, actor, data in entries:
        seq += 1
        row = {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "conference_id": conference_id,
            "data": data,
            "prev_hash": prev,
        }
        row["hash"] = prev = entry_hash(row, prev)
        rows.append(row)
    session.execute(insert(AuditEntry.__table__), rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))


@dataclass(frozen=True)
class Verification:
    ok: bool
    count: int
    head_hash: str
    #: Sequence number of the first entry that does not verify.
    broken_at: int | None = None
    reason: str = ""


def verify(batch: int = 1000, upto: int | None = None) -> Verification:
    """Recompute the chain from the start; name the first entry that does not fit.

    With ``upto``, only the entries up to that sequence number are checked (the public part of
    the chain while a poll is open); otherwise the chain must also end at the recorded head.
    """
    prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    last_seq = 0
    while True:
        query = select(AuditEntry).where(AuditEntry.seq > last_seq)
        if upto is not None:
            query = query.where(AuditEntry.seq <= upto)
        rows = db.session.scalars(query.order_by(AuditEntry.seq).limit(batch)).all()
        if not rows:
            break
        for entry in rows:
            if entry.seq != expected_seq:
                return Verification(False, count, prev, expected_seq, "entry missing")
            if entry.prev_hash != prev:
                return Verification(False, count, prev, entry.seq, "link to previous entry broken")
            if entry_hash(entry, prev) != entry.hash:
                return Verification(False, count, prev, entry.seq, "content does not match hash")
            prev = entry.hash
            expected_seq += 1
            count += 1
            last_seq = entry.seq
    if upto is not None:
        if count != upto:
            return Verification(False, count, prev, count + 1, "entry missing")
        return Verification(True, count, prev)
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq != count or head.hash != prev):
        return Verification(False, count, prev, count + 1, "chain truncated after last entry")
    return Verification(True, count, prev)
