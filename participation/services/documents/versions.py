"""Versions: every change to a text is a new immutable version.

Merging changes makes a new version and carries the other open amendments onto it, or flags
them for review where they cannot move. These run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import func, select

from participation.extensions import db
from participation.models import Amendment, Catalogue, Document, Version
from participation.services import audit
from participation.services.documents.catalogues import _sync_demands
from participation.services.documents.changes import changes_of
from participation.services.documents.rules import OPEN_AMENDMENT_STATUSES
from participation.services.documents.translated import carry_translations
from participation.services.documents.viewer import Viewer, _actor
from participation.services.errors import Conflict, NotFound
from participation.text import BlockDiff, apply_changes, diff_blocks, paragraphs, rebase
from participation.text.merge import merge_block

# --- reading -----------------------------------------------------------------------------------


def _current(document: Document) -> Version:
    """The document's current version; every document has one from its creation on."""
    version = document.current_version
    if version is None:
        raise LookupError(f"document {document.id} has no version")
    return version


def get_version(document: Document, number: int) -> Version:
    for version in document.versions:
        if version.number == number:
            return version
    raise NotFound(
        _("Version %(n)d of %(document)s does not exist.", n=number, document=document.number)
    )


def compare(
    document: Document, old_number: int, new_number: int
) -> tuple[Version, Version, list[BlockDiff]]:
    """Block diff between two versions of a document (see ``participation.text.diff_blocks``)."""
    old = get_version(document, old_number)
    new = get_version(document, new_number)
    return old, new, diff_blocks(old.body, new.body)


def _check_base(document: Document, base_version_id: int | None) -> None:
    """Refuse a change made on a version that is no longer the current one."""
    current = _current(document)
    if base_version_id != current.id:
        raise Conflict(
            _(
                "The text of %(number)s has changed since you opened it (it is now version "
                "%(n)d). Please look at the current text and try again.",
                number=document.number,
                n=current.number,
            )
        )


def _check_fits(amendment: Amendment) -> None:
    if amendment.needs_review or amendment.base_version_id != amendment.document.current_version_id:
        raise Conflict(
            _(
                "%(number)s no longer fits the current text; it must be revised first.",
                number=amendment.number,
            )
        )


# --- new versions ------------------------------------------------------------------------------


def _next_version_number(document: Document) -> int:
    highest = db.session.scalar(
        select(func.max(Version.number)).where(Version.document_id == document.id)
    )
    return (highest or 0) + 1


def _new_version(
    document: Document,
    *,
    body: str,
    title: str,
    note: str,
    viewer: Viewer,
    amendment: Amendment | None = None,
    mapping: Mapping[int, int | None] | None = None,
) -> Version:
    """Append an immutable version, make it current, keep a catalogue's demands and the
    translations in step."""
    previous = document.current_version
    version = Version(
        document=document,
        number=_next_version_number(document),
        title=title,
        body=body,
        note=note[:300],
        amendment_id=amendment.id if amendment is not None else None,
        created_by_id=viewer.person_id,
    )
    db.session.add(version)
    db.session.flush()
    document.current_version = version
    document.title = title
    if isinstance(document, Catalogue):
        _sync_demands(document, body, mapping)
    if previous is not None:
        carry_translations(previous, version)
    db.session.flush()
    audit.record(
        "version.created",
        f"version:{version.id}",
        actor=_actor(viewer),
        conference_id=document.conference_id,
        data={"document": document.id, "number": version.number, "note": version.note},
    )
    return version


def _block_moves(old_body: str, new_body: str) -> dict[int, int | None]:
    """Where each block of a freely edited text went (``None``: removed)."""
    moves: dict[int, int | None] = {}
    for entry in diff_blocks(old_body, new_body):
        if entry.old_index is not None:
            moves[entry.old_index] = entry.new_index
    return moves


def _merge_mapping(base_body: str, changes: Mapping[int, str]) -> dict[int, int | None]:
    """Where each block lands when ``changes`` are applied; a changed block lands on the first
    block of its replacement (so a reworded demand keeps its label), a deleted one nowhere."""
    mapping: dict[int, int | None] = {}
    position = 0
    for index in range(len(paragraphs(base_body))):
        size = len(paragraphs(changes[index])) if index in changes else 1
        mapping[index] = position if size else None
        position += size
    return mapping


# --- carrying amendments -----------------------------------------------------------------------


def _apply(
    document: Document,
    changes: Mapping[int, str],
    *,
    note: str,
    viewer: Viewer,
    amendment: Amendment | None = None,
) -> Version:
    """Apply changes to the current version as a new version; carry the open amendments."""
    base = _current(document)
    body = apply_changes(base.body, changes)
    version = _new_version(
        document,
        body=body,
        title=base.title,
        note=note,
        viewer=viewer,
        amendment=amendment,
        mapping=_merge_mapping(base.body, changes),
    )
    for other in document.amendments:
        if other is amendment or other.status not in OPEN_AMENDMENT_STATUSES:
            continue
        if other.base_version_id != base.id:
            continue
        moved = rebase(changes_of(other), changes, base.body)
        _carry(other, version, moved.changes, viewer)
    return version


def _carry(
    amendment: Amendment, version: Version, changes: dict[int, str] | None, viewer: Viewer
) -> None:
    """Move an open amendment onto ``version``, or flag it for review when it cannot move."""
    document = amendment.document
    if changes is not None:
        amendment.base_version_id = version.id
        amendment.changes = {str(index): text for index, text in sorted(changes.items())}
        action = "amendment.carried"
    else:
        amendment.needs_review = True
        action = "amendment.needs_review"
    audit.record(
        action,
        f"amendment:{amendment.id}",
        actor=_actor(viewer),
        conference_id=document.conference_id,
        data={"document": document.id, "version": version.number},
    )


def _carry_after_edit(document: Document, old: Version, new: Version, viewer: Viewer) -> None:
    """After a free edit: carry open amendments onto the edited text, flag those it collides with.

    A block the edit changed carries an amendment's change too when the two change
    different words of it (see ``participation.text.merge.merge_block``).
    """
    new_sources = paragraphs(new.body)
    moved: dict[int, tuple[int, str | None]] = {}
    for entry in diff_blocks(old.body, new.body):
        if entry.old_index is not None and entry.new_index is not None:
            edited = None if entry.status == "equal" else new_sources[entry.new_index]
            moved[entry.old_index] = (entry.new_index, edited)
    old_sources = paragraphs(old.body)
    for amendment in document.amendments:
        if amendment.status not in OPEN_AMENDMENT_STATUSES or amendment.base_version_id != old.id:
            continue
        carried = _moved_changes(changes_of(amendment), moved, old_sources)
        _carry(amendment, new, carried, viewer)


def _moved_changes(
    changes: Mapping[int, str],
    moved: Mapping[int, tuple[int, str | None]],
    old_sources: list[str],
) -> dict[int, str] | None:
    """The changes on the blocks' new places; ``None`` when the edit collides with one."""
    carried: dict[int, str] = {}
    for index, text in changes.items():
        if index not in moved:
            return None
        target, edited = moved[index]
        if edited is not None:
            merged = merge_block(old_sources[index], edited, text)
            if merged is None:
                return None
            text = merged
        carried[target] = text
    return carried
