"""What the public reads of the audit chain, and verifying it from that alone.

Two things are held back, neither at the cost of the chain:

* While a poll is open, the public log ends with the entry that opened it: one
  ``ballot.accepted`` entry per ballot would let anyone count its turnout before the close.
  The withheld entries appear, with their place in the chain unchanged, once it closes.
* An entry about something not yet public — a draft poll (its title, its candidates), a
  working group, a text before the archive publishes it (its submitters, its numbers, its
  versions' notes) — shows its data's salted digest instead of its data. Its hash covers that
  digest, so the chain verifies all the same; the data appears, with its salt, once its
  subject is public. Entries written before data had a digest are shown as they were written:
  their hash covers their data, and nothing else would verify.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import func, select

from participation.extensions import db
from participation.models import (
    AgendaItem,
    Amendment,
    AuditEntry,
    Conference,
    Demand,
    Document,
    Organisation,
    Poll,
    Translation,
    Version,
)
from participation.services.audit import Verification, audit_head, data_digest, walk
from participation.services.documents.rules import DECIDED_STATUSES

MAX_PAGE = 1000


# --- what is public ----------------------------------------------------------------------------


def _poll_public(poll: Poll) -> bool:
    """A poll is public from its opening on (a paper result publishes it at once)."""
    return poll.opened_at is not None or poll.state in ("open", "closed")


def _document_public(document: Document) -> bool:
    """The archive's rule: decided, and admitted before."""
    return document.admitted_at is not None and document.status in DECIDED_STATUSES


def _amendment_public(amendment: Amendment) -> bool:
    return amendment.admitted_at is not None and _document_public(amendment.document)


def _version_public(version: Version) -> bool:
    """The version that was admitted and every later one, as the archive shows them."""
    document = version.document
    admitted_at = document.admitted_at
    if admitted_at is None or not _document_public(document):
        return False
    earlier = [v.number for v in document.versions if v.created_at <= admitted_at]
    return version.number >= (max(earlier) if earlier else 1)


def _demand_public(demand: Demand) -> bool:
    return _document_public(demand.catalogue)


def _translation_public(translation: Translation) -> bool:
    return _version_public(translation.version)


#: Subjects whose entries' data is public only once they are: the kind, its model and the rule.
_UNTIL_PUBLIC: dict[str, tuple[Any, Callable[[Any], bool]]] = {
    "poll": (Poll, _poll_public),
    "document": (Document, _document_public),
    "amendment": (Amendment, _amendment_public),
    "version": (Version, _version_public),
    "demand": (Demand, _demand_public),
    "translation": (Translation, _translation_public),
}
#: Subjects whose entries' data is never public: working groups work in the conference's inner
#: circle, and no public page names them.
_NEVER_PUBLIC = frozenset({"working_group"})


def _public_subjects(entries: Iterable[AuditEntry]) -> set[str]:
    """Which of the entries' subjects (of the kinds above) are public now."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        kind, _, ident = entry.subject.partition(":")
        if kind in _UNTIL_PUBLIC and ident.isdigit():
            wanted.setdefault(kind, set()).add(int(ident))
    public = set()
    for kind, ids in wanted.items():
        model, rule = _UNTIL_PUBLIC[kind]
        for row in db.session.scalars(select(model).where(model.id.in_(ids))):
            if rule(row):
                public.add(f"{kind}:{row.id}")
    return public


def _data_public(entry: AuditEntry, public_subjects: set[str]) -> bool:
    if entry.salt is None:  # its hash covers the data: shown as written
        return True
    kind = entry.subject.partition(":")[0]
    if kind in _NEVER_PUBLIC:
        return False
    return kind not in _UNTIL_PUBLIC or entry.subject in public_subjects


def public_entry(entry: AuditEntry, shows_data: bool) -> dict:
    """An entry as anyone may read it: its data, or only the digest the hash covers."""
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "conference_id": entry.conference_id,
        "data": entry.data if shows_data else {},
        "data_withheld": not shows_data,
        "salt": entry.salt if shows_data else None,
        "data_digest": data_digest(entry.data, entry.salt) if entry.salt is not None else None,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


# --- names for readers ---------------------------------------------------------------------------

#: Keys of entries' data that name another thing, and the kind of that thing.
_REFERENCES = {
    "document": "document",
    "catalogue": "document",
    "agenda_item": "agenda_item",
    "organisation": "organisation",
}


def _referenced(entries: Iterable[dict]) -> dict[str, set[int]]:
    wanted: dict[str, set[int]] = {}

    def want(kind: str, ident: object) -> None:
        if isinstance(ident, int) and not isinstance(ident, bool):
            wanted.setdefault(kind, set()).add(ident)

    for entry in entries:
        kind, _, ident = entry["subject"].partition(":")
        if ident.isdigit():
            want(kind, int(ident))
        data = entry["data"] or {}
        for key, referred in _REFERENCES.items():
            want(referred, data.get(key))
        for ident in data.get("organisations") or ():
            want("organisation", ident)
    return wanted


def public_names(entries: list[dict]) -> dict[str, dict]:
    """What readers may know of the things public entries refer to, by ``"<kind>:<id>"``.

    Polls by title, texts and amendments by number (texts with their submitters), agenda
    items, conferences and organisations by name; only what is public now. Entries' withheld
    data refers to nothing, so a withheld entry names nothing through this either.
    """
    wanted = _referenced(entries)
    names: dict[str, dict] = {}
    for poll in _rows(Poll, wanted.get("poll")):
        if _poll_public(poll):
            names[f"poll:{poll.id}"] = {"title": poll.title}
    for document in _rows(Document, wanted.get("document")):
        if _document_public(document):
            names[f"document:{document.id}"] = {
                "kind": document.kind,
                "number": document.number,
                "submitters": [
                    link.organisation.short_name or link.organisation.name
                    for link in document.organisations
                    if link.role == "submitter"
                ],
            }
    for amendment in _rows(Amendment, wanted.get("amendment")):
        if _amendment_public(amendment):
            names[f"amendment:{amendment.id}"] = {"number": amendment.number}
    for item in _rows(AgendaItem, wanted.get("agenda_item")):
        names[f"agenda_item:{item.id}"] = {"number": item.number, "title": item.title}
    for conference in _rows(Conference, wanted.get("conference")):
        names[f"conference:{conference.id}"] = {"title": conference.title}
    for organisation in _rows(Organisation, wanted.get("organisation")):
        names[f"organisation:{organisation.id}"] = {"name": organisation.name}
    return names


def _rows(model: Any, ids: set[int] | None) -> list:
    if not ids:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(ids))))


# --- the public chain --------------------------------------------------------------------------


def published_audit_seq() -> int | None:
    """The last entry the public may read, or None when every entry is public.

    While a poll is open, the public log ends with the entry that opened it.
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


def public_head() -> tuple[dict, bool]:
    """The public chain's head, and whether entries after it are withheld."""
    withheld_after = published_audit_seq()
    if withheld_after is None:
        return audit_head(), False
    last = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq == withheld_after)
    ).one()
    return {"seq": last.seq, "hash": last.hash}, True


def audit_page(
    after: int = 0, limit: int = 200, *, newest_first: bool = False, before: int | None = None
) -> dict:
    """A page of the public audit chain and its public head.

    Oldest first, the entries after ``after``; or newest first, from the head or from the
    entry before ``before`` back.
    """
    limit = max(1, min(int(limit), MAX_PAGE))
    head, withheld = public_head()
    query = select(AuditEntry).where(AuditEntry.seq <= head["seq"])
    if newest_first:
        if before is not None:
            query = query.where(AuditEntry.seq < before)
        query = query.order_by(AuditEntry.seq.desc())
    else:
        query = query.where(AuditEntry.seq > after).order_by(AuditEntry.seq)
    entries = db.session.scalars(query.limit(limit)).all()
    public = _public_subjects(entries)
    return {
        "head": head,
        "withheld": withheld,
        "entries": [public_entry(e, _data_public(e, public)) for e in entries],
    }


def _public_entries(head_seq: int) -> Iterator[dict]:
    after = 0
    while after < head_seq:
        entries = audit_page(after, MAX_PAGE)["entries"]
        if not entries:
            return
        yield from entries
        after = entries[-1]["seq"]


def verify_public() -> Verification:
    """Recompute the public chain from what the public log shows, and nothing else."""
    head, _withheld = public_head()
    result = walk(_public_entries(head["seq"]))
    if not result.ok:
        return result
    if result.count != head["seq"] or result.head_hash != head["hash"]:
        return Verification(
            False, result.count, result.head_hash, result.count + 1, "entry missing"
        )
    return result
