"""Appending to, publishing and verifying the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, func, insert, select, update

from participation import clock
from participation.extensions import db
from participation.models import AuditEntry, AuditHead, Poll
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
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.id)
    ).first()
    if bumped is None:  # the first entry ever: start the chain
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
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + len(entries))
        .returning(AuditHead.id)
    ).first()
    if bumped is None:  # no chain yet: let record() start it
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
    session.execute(insert(cast(Table, AuditEntry.__table__)), rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))


# --- the public chain ------------------------------------------------------------------------


def audit_head() -> dict:
    """The chain's head: how many entries, and the hash of the last."""
    head = db.session.get(AuditHead, 1)
    return {"seq": head.seq if head else 0, "hash": head.hash if head else "0" * 64}


def published_audit_seq() -> int | None:
    """The last entry the public may read, or None when every entry is public.

    While a poll is open, the public log ends with the entry that opened it: one
    ``ballot.accepted`` entry per ballot would let anyone count its turnout before the close.
    The withheld entries appear, with their place in the chain unchanged, once it closes.
    """
    open_polls = db.session.scalars(select(Poll.id).where(Poll.state == "open")).all()
    if not open_polls:
        return None
    return db.session.scalar(
        select(func.min(AuditEntry.seq)).where(
            AuditEntry.action == "poll.opened",
            AuditEntry.subject.in_([f"poll:{poll_id}" for poll_id in open_polls]),
        )
    )


def audit_page(after: int = 0, limit: int = 200) -> dict:
    """A page of the public audit chain, oldest first, and its public head."""
    limit = max(1, min(int(limit), 1000))
    withheld_after = published_audit_seq()
    if withheld_after is None:
        head = audit_head()
    else:
        last = db.session.execute(
            select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq == withheld_after)
        ).one()
        head = {"seq": last.seq, "hash": last.hash}
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.seq > after, AuditEntry.seq <= head["seq"])
        .order_by(AuditEntry.seq)
        .limit(limit)
    ).all()
    return {
        "head": head,
        "withheld": withheld_after is not None,
        "entries": [
            {
                "seq": e.seq,
                "at": e.at.isoformat(timespec="microseconds"),
                "actor": e.actor,
                "action": e.action,
                "subject": e.subject,
                "conference_id": e.conference_id,
                "data": e.data,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in entries
        ],
    }


# --- verifying -------------------------------------------------------------------------------


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
