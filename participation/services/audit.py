"""Appending to and verifying the hash-chained audit log.

An entry's hash covers its fields and, of its data, a salted digest: ``sha256(salt || data)``.
So the public log (:mod:`participation.services.audit_public`) can show an entry whose data is
not public yet — a draft poll's candidates, a draft's submitters — by its digest alone, and
anyone can still recompute the chain; once the data is public, it is shown with its salt and
the digest is recomputed from it. The salt, random per entry, keeps a short secret such as a
name from being found by trying candidates against the digest. Entries written before the
salt existed have none; their hash covers their data itself, and they verify as written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update

from participation import clock
from participation.extensions import db
from participation.models import AuditEntry, AuditHead
from participation.models.audit import GENESIS_HASH

#: The fields an entry's hash covers besides its data (or its data's digest).
HEADER_FIELDS = ("seq", "at", "actor", "action", "subject", "conference_id")
#: Every field an entry's hash covers under the first rule: all but the hashes.
HASHED_FIELDS = (*HEADER_FIELDS, "data")
SALT_BYTES = 16


def _json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def data_digest(data: dict, salt: str) -> str:
    """What an entry's hash covers of its data: SHA-256 over the salt and the data's JSON."""
    return hashlib.sha256(salt.encode() + _json(data)).hexdigest()


def _field(entry: AuditEntry | dict, name: str) -> Any:
    return entry.get(name) if isinstance(entry, dict) else getattr(entry, name, None)


def canonical(entry: AuditEntry | dict) -> bytes:
    """The bytes an entry's hash covers, in a fixed form.

    ``entry`` is a stored entry, a row about to be stored, or an entry as the public log shows
    it: with ``data_withheld`` true, its ``data_digest`` stands for the data it does not show.
    """
    body = {name: _field(entry, name) for name in HEADER_FIELDS}
    at = body["at"]
    body["at"] = at.isoformat(timespec="microseconds") if isinstance(at, datetime) else at
    salt = _field(entry, "salt")
    if _field(entry, "data_withheld"):
        body["data_digest"] = _field(entry, "data_digest")
    elif salt is None:  # written before entries had a salt
        body["data"] = _field(entry, "data")
    else:
        body["data_digest"] = data_digest(_field(entry, "data") or {}, salt)
    return _json(body)


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
        salt=clock.token_hex(SALT_BYTES),
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
            "salt": clock.token_hex(SALT_BYTES),
            "prev_hash": prev,
        }
        row["hash"] = prev = entry_hash(row, prev)
        rows.append(row)
    session.execute(insert(cast(Table, AuditEntry.__table__)), rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))


# --- the head ------------------------------------------------------------------------------


def audit_head() -> dict:
    """The chain's head: how many entries, and the hash of the last."""
    head = db.session.get(AuditHead, 1)
    return {"seq": head.seq if head else 0, "hash": head.hash if head else "0" * 64}


# --- verifying -------------------------------------------------------------------------------


def seq_of(head_hash: str) -> int | None:
    """The entry whose hash is ``head_hash``, noted by someone earlier; None if the chain no
    longer holds it. In a chain that verifies, holding an earlier head means nothing before it
    was cut off or rewritten since it was noted."""
    text = (head_hash or "").strip().lower()
    if len(text) != 64:
        return None
    return db.session.scalar(select(AuditEntry.seq).where(AuditEntry.hash == text))


@dataclass(frozen=True)
class Verification:
    ok: bool
    count: int
    head_hash: str
    #: Sequence number of the first entry that does not verify.
    broken_at: int | None = None
    reason: str = ""


def walk(entries: Iterable[AuditEntry | dict]) -> Verification:
    """Recompute a chain from its first entry; name the first entry that does not fit.

    Stored entries and entries as the public log shows them are checked by the same rules.
    """
    prev = GENESIS_HASH
    count = 0
    for entry in entries:
        seq = _field(entry, "seq")
        if seq != count + 1:
            return Verification(False, count, prev, count + 1, "entry missing")
        if _field(entry, "prev_hash") != prev:
            return Verification(False, count, prev, seq, "link to previous entry broken")
        if entry_hash(entry, prev) != _field(entry, "hash"):
            return Verification(False, count, prev, seq, "content does not match hash")
        prev = _field(entry, "hash")
        count += 1
    return Verification(True, count, prev)


def _stored(batch: int, upto: int | None) -> Iterator[AuditEntry]:
    last_seq = 0
    while True:
        query = select(AuditEntry).where(AuditEntry.seq > last_seq)
        if upto is not None:
            query = query.where(AuditEntry.seq <= upto)
        rows = db.session.scalars(query.order_by(AuditEntry.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last_seq = rows[-1].seq


def verify(batch: int = 1000, upto: int | None = None) -> Verification:
    """Recompute the stored chain from the start; name the first entry that does not fit.

    With ``upto``, only the entries up to that sequence number are checked (the public part of
    the chain while a poll is open); otherwise the chain must also end at the recorded head.
    """
    result = walk(_stored(batch, upto))
    if not result.ok:
        return result
    count, prev = result.count, result.head_hash
    if upto is not None:
        if count != upto:
            return Verification(False, count, prev, count + 1, "entry missing")
        return result
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq != count or head.hash != prev):
        return Verification(False, count, prev, count + 1, "chain truncated after last entry")
    return result
