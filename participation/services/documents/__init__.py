"""Resolutions, demand catalogues, amendments, versions and translations.

Public use cases (one transaction each, decorated with ``@use_case``) take an ``actor``: the
signed-in :class:`~participation.services.authz.Principal` or a :class:`Person` (demo, CLI).
They check who may do what here, not in the routes.

The voting building blocks :func:`start_vote`, :func:`apply_vote_result`, :func:`cancel_vote`
and :func:`describe_target` run inside the caller's transaction (no commit).

Every change to a text makes a new immutable :class:`Version`; adopting an amendment merges
it into a new version and carries the other open amendments onto it (or flags them for
review where they overlap). Read functions (``visible_documents``, ``get_document`` …) apply
the visibility rule: drafts and unadmitted items are seen only by their submitters'
organisation and the moderators.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from participation import clock, events
from participation.extensions import db
from participation.models import (
    Accreditation,
    AgendaItem,
    Amendment,
    Catalogue,
    Conference,
    Demand,
    Document,
    DocumentOrganisation,
    Organisation,
    Person,
    Resolution,
    Translation,
    Version,
    WorkingGroupMember,
)
from participation.services import audit
from participation.services.authz import ROLE_RANK
from participation.services.conferences import conference_accreditation, get_conference
from participation.services.errors import Conflict, Invalid, NotAllowed, NotFound
from participation.services.unit import use_case
from participation.text import (
    apply_changes,
    collisions,
    diff_blocks,
    from_paragraphs,
    line_range,
    normalise,
    number_lines,
    paragraphs,
    rebase,
    split_blocks,
)
from participation.text.blocks import clean

# --- limits and workflow ----------------------------------------------------------------------

MAX_NUMBER = 20
MAX_TITLE = 300
MAX_BODY = 100_000
MAX_BLOCK = 10_000
MAX_REASONING = 20_000
MAX_BODY_NAME = 200

#: Allowed status changes of a document; anything else is refused with a clear message.
DOCUMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted", "withdrawn"}),
    "submitted": frozenset({"admitted", "withdrawn", "referred"}),
    "admitted": frozenset({"in_vote", "withdrawn", "referred"}),
    "in_vote": frozenset({"admitted", "adopted", "adopted_amended", "rejected"}),
}
AMENDMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"admitted", "withdrawn", "taken_over"}),
    "admitted": frozenset({"in_vote", "withdrawn", "taken_over"}),
    "in_vote": frozenset({"admitted", "adopted", "rejected"}),
}
DEMAND_TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_vote"}),
    "in_vote": frozenset({"open", "adopted", "rejected"}),
}
#: Amendments that may still change the text.
OPEN_AMENDMENT_STATUSES = ("submitted", "admitted", "in_vote")
#: Documents that can be amended.
AMENDABLE_STATUSES = ("submitted", "admitted")
DECIDED_STATUSES = ("adopted", "adopted_amended", "rejected", "withdrawn", "referred")

DOCUMENT_STATUS_LABELS = {
    "draft": _l("draft"),
    "submitted": _l("submitted"),
    "admitted": _l("admitted"),
    "in_vote": _l("in the vote"),
    "adopted": _l("adopted"),
    "adopted_amended": _l("adopted as amended"),
    "rejected": _l("rejected"),
    "withdrawn": _l("withdrawn"),
    "referred": _l("referred"),
}
AMENDMENT_STATUS_LABELS = {
    "submitted": _l("submitted, not yet admitted"),
    "admitted": _l("admitted"),
    "in_vote": _l("in the vote"),
    "adopted": _l("adopted"),
    "taken_over": _l("taken over"),
    "rejected": _l("rejected"),
    "withdrawn": _l("withdrawn"),
}
DEMAND_STATUS_LABELS = {
    "open": _l("open"),
    "in_vote": _l("in the vote"),
    "adopted": _l("adopted"),
    "rejected": _l("rejected"),
}
KIND_LABELS = {"resolution": _l("Resolution"), "catalogue": _l("Demand catalogue")}

_NUMBER = re.compile(r"[^\W_][\w.\-/]*")
# Anything that starts like an HTML tag, comment or declaration.
_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?]")
_SCRIPT_URL = re.compile(r"(?:java|vb|live)script:|data:[a-z]+/", re.IGNORECASE)
_SPACE_AND_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_SECTION_NUMBER = re.compile(r"(\d{1,4})[.)]\s*")


# --- who is acting -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Someone acting on or reading a conference's documents, with their role there."""

    person: Person | None
    conference_id: int
    role: str | None
    accreditation_id: int | None = None
    organisation_id: int | None = None

    @property
    def person_id(self) -> int | None:
        return self.person.id if self.person is not None else None

    def at_least(self, role: str) -> bool:
        return self.role is not None and ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def is_moderator(self) -> bool:
        return self.at_least("moderator")

    @property
    def is_admin(self) -> bool:
        return self.at_least("admin")


def viewer_for(actor, conference_id: int) -> Viewer:
    """The :class:`Viewer` for a Principal, a Person, a Viewer or nobody (``None``)."""
    if isinstance(actor, Viewer):
        if actor.conference_id != conference_id:
            return viewer_for(actor.person, conference_id)
        return actor
    if actor is None or not getattr(actor, "is_authenticated", True):
        return Viewer(None, conference_id, None)
    if hasattr(actor, "role_in"):  # a signed-in Principal
        accreditation = actor.accreditation(conference_id)
        role = actor.role_in(conference_id)
        person = actor.person
    else:
        person = actor
        accreditation = conference_accreditation(conference_id, person.id)
        role = "admin" if person.is_admin else (accreditation.role if accreditation else None)
    return Viewer(
        person,
        conference_id,
        role,
        accreditation.id if accreditation else None,
        accreditation.organisation_id if accreditation else None,
    )


def _actor(viewer: Viewer) -> str:
    return audit.actor_of(viewer.person)


def _person_of(actor) -> Person | None:
    if isinstance(actor, Viewer):
        return actor.person
    if actor is None or not getattr(actor, "is_authenticated", True):
        return None
    return actor.person if hasattr(actor, "role_in") else actor


# --- checking input ----------------------------------------------------------------------------


def _check_markup(value: str, label: str) -> None:
    """Refuse HTML and script URLs in any text, with a message that says what to do instead."""
    unescaped = html.unescape(value)
    if _HTML_TAG.search(value) or _HTML_TAG.search(unescaped):
        raise Invalid(
            _(
                "%(field)s must not contain HTML tags. Write plain text; use Markdown for "
                "**bold**, *italic* and lists.",
                field=label,
            ),
            {label: "html"},
        )
    squeezed = _SPACE_AND_CONTROL.sub("", unescaped)
    if _SCRIPT_URL.search(squeezed):
        raise Invalid(
            _("%(field)s must not contain script or data links.", field=label), {label: "script"}
        )


def plain_text(value: str | None, label: str, *, maximum: int, required: bool = True) -> str:
    """A one-line text: whitespace collapsed, no HTML, not too long."""
    cleaned = " ".join(clean(value or "").split())
    if required and not cleaned:
        raise Invalid(_("%(field)s must not be empty.", field=label), {label: "empty"})
    if len(cleaned) > maximum:
        raise Invalid(
            _("%(field)s may have at most %(n)d characters.", field=label, n=maximum),
            {label: "too long"},
        )
    _check_markup(cleaned, label)
    return cleaned


def markdown_text(value: str | None, label: str, *, maximum: int, required: bool = True) -> str:
    """A Markdown text: line endings and control characters cleaned, no HTML, not too long."""
    cleaned = clean(value or "").strip("\n")
    if not cleaned.strip():
        cleaned = ""
    if required and not cleaned:
        raise Invalid(_("%(field)s must not be empty.", field=label), {label: "empty"})
    if len(cleaned) > maximum:
        raise Invalid(
            _("%(field)s may have at most %(n)d characters.", field=label, n=maximum),
            {label: "too long"},
        )
    _check_markup(cleaned, label)
    return cleaned


def _body(value: str | None) -> str:
    """A document body in the form versions keep: blocks separated by blank lines."""
    text = markdown_text(value, _("Text"), maximum=MAX_BODY)
    body = from_paragraphs(paragraphs(text))
    if not split_blocks(body):
        raise Invalid(_("%(field)s must not be empty.", field=_("Text")), {_("Text"): "empty"})
    return body


def _number(value: str | None) -> str:
    number = plain_text(value, _("Number"), maximum=MAX_NUMBER)
    if not _NUMBER.fullmatch(number):
        raise Invalid(
            _("A number consists of letters, digits, “.”, “-” or “/”, such as A3 or WP8.2."),
            {_("Number"): "format"},
        )
    return number


# --- loading and visibility --------------------------------------------------------------------


def _is_group_member(viewer: Viewer, working_group_id: int | None) -> bool:
    if working_group_id is None or viewer.accreditation_id is None:
        return False
    return (
        db.session.scalar(
            select(WorkingGroupMember.id).where(
                WorkingGroupMember.working_group_id == working_group_id,
                WorkingGroupMember.accreditation_id == viewer.accreditation_id,
            )
        )
        is not None
    )


def organisation_ids(document: Document, role: str | None = None) -> set[int]:
    return {
        link.organisation_id for link in document.organisations if role is None or link.role == role
    }


def is_submitter(viewer: Viewer, document: Document) -> bool:
    """Whether the viewer acts for the document's submitters (their organisation or creator)."""
    if viewer.organisation_id is not None and viewer.organisation_id in organisation_ids(
        document, "submitter"
    ):
        return True
    return viewer.person_id is not None and document.created_by_id == viewer.person_id


def may_read(viewer: Viewer, document: Document) -> bool:
    """Admitted documents are read by everyone accredited; others by their circle only."""
    if viewer.role is None or document.conference_id != viewer.conference_id:
        return False
    if viewer.is_moderator or document.admitted_at is not None:
        return True
    if viewer.organisation_id is not None and viewer.organisation_id in organisation_ids(document):
        return True
    if viewer.person_id is not None and document.created_by_id == viewer.person_id:
        return True
    return _is_group_member(viewer, document.working_group_id)


def may_read_amendment(viewer: Viewer, amendment: Amendment) -> bool:
    if not may_read(viewer, amendment.document):
        return False
    if amendment.admitted_at is not None or viewer.is_moderator:
        return True
    if viewer.organisation_id is not None and amendment.organisation_id == viewer.organisation_id:
        return True
    return viewer.person_id is not None and amendment.proposer_id == viewer.person_id


def may_edit(viewer: Viewer, document: Document) -> bool:
    """Submitters (and moderators) until admission; conference admins and staff until the vote."""
    if document.status in ("draft", "submitted"):
        if viewer.is_moderator or is_submitter(viewer, document):
            return True
        return document.status == "draft" and _is_group_member(viewer, document.working_group_id)
    return document.status == "admitted" and viewer.is_admin


def may_amend(viewer: Viewer, document: Document) -> bool:
    if document.status not in AMENDABLE_STATUSES or not may_read(viewer, document):
        return False
    return viewer.at_least("delegate") and (
        viewer.organisation_id is not None or viewer.is_moderator
    )


def may_withdraw(viewer: Viewer, document: Document) -> bool:
    return "withdrawn" in DOCUMENT_TRANSITIONS.get(document.status, ()) and (
        viewer.is_moderator or (viewer.at_least("delegate") and is_submitter(viewer, document))
    )


def may_submit(viewer: Viewer, document: Document) -> bool:
    return document.status == "draft" and (
        viewer.is_moderator or (viewer.at_least("delegate") and is_submitter(viewer, document))
    )


def may_cosign(viewer: Viewer, document: Document) -> bool:
    return (
        viewer.at_least("delegate")
        and viewer.organisation_id is not None
        and document.status in ("draft", "submitted", "admitted")
        and viewer.organisation_id not in organisation_ids(document)
        and may_read(viewer, document)
    )


def may_withdraw_amendment(viewer: Viewer, amendment: Amendment) -> bool:
    if "withdrawn" not in AMENDMENT_TRANSITIONS.get(amendment.status, ()):
        return False
    if viewer.is_moderator:
        return True
    own = (
        viewer.organisation_id is not None and amendment.organisation_id == viewer.organisation_id
    ) or (viewer.person_id is not None and amendment.proposer_id == viewer.person_id)
    return viewer.at_least("delegate") and own


def may_revise_amendment(viewer: Viewer, amendment: Amendment) -> bool:
    return (
        amendment.needs_review
        and amendment.status in ("submitted", "admitted")
        and (may_withdraw_amendment(viewer, amendment))
    )


def get_document(actor, conference_id: int, document_id: int) -> Document:
    """A document the actor may read; NotFound otherwise (drafts do not reveal themselves)."""
    viewer = viewer_for(actor, conference_id)
    document = db.session.get(Document, document_id)
    if (
        document is None
        or document.conference_id != conference_id
        or not may_read(viewer, document)
    ):
        raise NotFound(_("This document does not exist or you may not read it."))
    return document


def get_amendment(actor, conference_id: int, amendment_id: int) -> Amendment:
    viewer = viewer_for(actor, conference_id)
    amendment = db.session.get(Amendment, amendment_id)
    if (
        amendment is None
        or amendment.document.conference_id != conference_id
        or not may_read_amendment(viewer, amendment)
    ):
        raise NotFound(_("This amendment does not exist or you may not read it."))
    return amendment


def get_version(document: Document, number: int) -> Version:
    for version in document.versions:
        if version.number == number:
            return version
    raise NotFound(
        _("Version %(n)d of %(document)s does not exist.", n=number, document=document.number)
    )


def label_key(label: str) -> tuple:
    """Natural order of labels: A2 < A10, 3.2 < 3.2a < 3.10."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.findall(r"\d+|[^\W\d_]+", label)
    )


def visible_documents(
    actor,
    conference_id: int,
    *,
    status: str | None = None,
    agenda_item_id: int | None = None,
    organisation_id: int | None = None,
) -> list[Document]:
    """The conference's documents the actor may read, in agenda and voting order."""
    viewer = viewer_for(actor, conference_id)
    query = select(Document).where(Document.conference_id == conference_id)
    if status:
        query = query.where(Document.status == status)
    if agenda_item_id:
        query = query.where(Document.agenda_item_id == agenda_item_id)
    if organisation_id:
        query = query.where(
            Document.id.in_(
                select(DocumentOrganisation.document_id).where(
                    DocumentOrganisation.organisation_id == organisation_id
                )
            )
        )
    documents = [d for d in db.session.scalars(query) if may_read(viewer, d)]
    return sorted(documents, key=_document_order)


def _document_order(document: Document) -> tuple:
    item = document.agenda_item
    item_position = (
        (item.parent.position if item.parent else item.position, item.position)
        if item is not None
        else (10**9, 0)
    )
    return (*item_position, document.position, label_key(document.number))


def documents_summary(actor, conference_id: int) -> list[dict]:
    """What a live view lists: the documents the actor may read, with their status."""
    return [
        {
            "id": d.id,
            "number": d.number,
            "title": d.title,
            "kind": d.kind,
            "status": d.status,
            "agenda_item": d.agenda_item.number if d.agenda_item else None,
        }
        for d in visible_documents(actor, conference_id)
    ]


def visible_amendments(actor, document: Document) -> list[Amendment]:
    viewer = viewer_for(actor, document.conference_id)
    return [a for a in document.amendments if may_read_amendment(viewer, a)]


def changes_of(amendment: Amendment) -> dict[int, str]:
    """An amendment's changes with integer block indices (JSON keeps them as strings)."""
    return {int(key): text for key, text in (amendment.changes or {}).items()}


def amendment_collisions(amendments: Iterable[Amendment]) -> dict[int, list[Amendment]]:
    """Open amendments to the same version that change a common block, per amendment id."""
    by_base: dict[int, dict[int, dict[int, str]]] = {}
    index = {}
    for amendment in amendments:
        if amendment.status in OPEN_AMENDMENT_STATUSES:
            by_base.setdefault(amendment.base_version_id, {})[amendment.id] = changes_of(amendment)
            index[amendment.id] = amendment
    result: dict[int, list[Amendment]] = {}
    for group in by_base.values():
        for a, b in collisions(group):
            result.setdefault(a, []).append(index[b])
            result.setdefault(b, []).append(index[a])
    return result


def line_ranges(
    version: Version, block_indices: Iterable[int], width: int
) -> list[tuple[int, int]]:
    """Line ranges (first, last) covered by the given blocks, one per run of adjacent blocks."""
    numbered = number_lines(version.body, width)
    count = len(numbered)
    wanted = sorted(i for i in set(block_indices) if 0 <= i < count)
    runs: list[list[int]] = []
    for index in wanted:
        if runs and index == runs[-1][-1] + 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    return [line_range(numbered, run) for run in runs]


def format_ranges(ranges: list[tuple[int, int]]) -> str:
    return ", ".join(f"{a}" if a == b else f"{a}\u2013{b}" for a, b in ranges)


# --- demand catalogues -------------------------------------------------------------------------


@dataclass(frozen=True)
class DemandSlot:
    """A demand's place in a catalogue text: block index, section number, running number."""

    index: int
    section: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.section}.{self.number}" if self.section else str(self.number)


def demand_slots(body: str, *, running: bool = True) -> list[DemandSlot]:
    """The demands of a catalogue text: top-level list items, grouped by ``##`` sections.

    With ``running`` sections are numbered by their order; otherwise by the number written in
    the heading ("## 3. Bildung"), where there is one.
    """
    slots: list[DemandSlot] = []
    section = count = number = 0
    for index, block in enumerate(split_blocks(body)):
        if block.kind == "heading":
            count += 1
            written = _SECTION_NUMBER.match(block.text)
            section = int(written.group(1)) if written and not running else count
            number = 0
        elif block.kind == "item" and block.level == 0:
            number += 1
            slots.append(DemandSlot(index, section, number))
    return slots


def number_sections(body: str) -> str:
    """Renumber the section headings of a catalogue by their order ("## 2. Arbeit")."""
    pieces = []
    count = 0
    for source, block in zip(paragraphs(body), split_blocks(body), strict=True):
        if block.kind == "heading":
            count += 1
            title = section_title(block.text)
            source = f"{block.marker} {count}. {title}".rstrip()
        pieces.append(source)
    return from_paragraphs(pieces)


def section_title(heading: str) -> str:
    """A section heading without its number: "3. Bildung" → "Bildung"."""
    return _SECTION_NUMBER.sub("", heading, count=1)


def _fresh_label(previous: str | None, section: int, taken: set[str]) -> str:
    """A label for a demand added after numbering froze: "3.2a" after "3.2"."""
    stem, suffix = re.fullmatch(
        r"(.*?)([a-z]*)", previous or (f"{section}.0" if section else "0")
    ).groups()
    start = ord(suffix[-1]) + 1 if suffix else ord("a")
    for code in range(start, ord("z") + 1):
        candidate = f"{stem}{suffix[:-1] if suffix else ''}{chr(code)}"
        if candidate not in taken:
            return candidate
    n = 1
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


def _sync_demands(
    catalogue: Catalogue, body: str, mapping: Mapping[int, int | None] | None
) -> None:
    """Make the Demand rows mirror the demand blocks of the catalogue's new text.

    Until the catalogue is admitted the numbering follows the order. Afterwards labels are
    frozen: a demand keeps its label wherever its block moves (``mapping``: old block index →
    new one), a demand no longer in the text keeps its row without a block, and a new demand
    gets a label after its predecessor ("3.2a").
    """
    if catalogue.admitted_at is None:
        catalogue.demands.clear()
        db.session.flush()
        for position, slot in enumerate(demand_slots(body)):
            catalogue.demands.append(
                Demand(label=slot.label, position=position, block_index=slot.index)
            )
        return
    slots = demand_slots(body, running=False)
    slot_indices = {slot.index for slot in slots}
    claimed: dict[int, Demand] = {}
    for demand in catalogue.demands:
        moved = None
        if demand.block_index is not None and mapping is not None:
            moved = mapping.get(demand.block_index)
        if moved is not None and moved in slot_indices and moved not in claimed:
            demand.block_index = moved
            claimed[moved] = demand
        else:
            demand.block_index = None
    taken = {demand.label for demand in catalogue.demands}
    previous: str | None = None
    section = None
    for slot in slots:
        if slot.section != section:
            previous, section = None, slot.section
        if slot.index in claimed:
            previous = claimed[slot.index].label
            continue
        label = _fresh_label(previous, slot.section, taken)
        catalogue.demands.append(Demand(label=label, block_index=slot.index))
        taken.add(label)
        previous = label
    for position, demand in enumerate(sorted(catalogue.demands, key=lambda d: label_key(d.label))):
        demand.position = position


def demand_labels(catalogue: Document) -> dict[int, str]:
    """Block index → demand label, for the catalogue's current text."""
    if not isinstance(catalogue, Catalogue):
        return {}
    return {d.block_index: d.label for d in catalogue.demands if d.block_index is not None}


# --- versions and merging ----------------------------------------------------------------------


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
    """Append an immutable version, make it current, keep a catalogue's demands in step."""
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
    db.session.flush()
    audit.record(
        "version.created",
        f"version:{version.id}",
        actor=_actor(viewer),
        conference_id=document.conference_id,
        data={"document": document.id, "number": version.number, "note": version.note},
    )
    return version


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


def _apply(
    document: Document,
    changes: Mapping[int, str],
    *,
    note: str,
    viewer: Viewer,
    amendment: Amendment | None = None,
) -> Version:
    """Apply changes to the current version as a new version; carry the open amendments."""
    base = document.current_version
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


def _carry(amendment: Amendment, version: Version, changes: dict[int, str] | None, viewer) -> None:
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
    """After a free edit: carry open amendments whose blocks are unchanged, flag the others."""
    moved: dict[int, int | None] = {}
    for entry in diff_blocks(old.body, new.body):
        if entry.old_index is not None:
            moved[entry.old_index] = entry.new_index if entry.status == "equal" else None
    for amendment in document.amendments:
        if amendment.status not in OPEN_AMENDMENT_STATUSES or amendment.base_version_id != old.id:
            continue
        changes = changes_of(amendment)
        if all(moved.get(index) is not None for index in changes):
            _carry(amendment, new, {moved[i]: text for i, text in changes.items()}, viewer)
        else:
            _carry(amendment, new, None, viewer)


def compare(document: Document, old_number: int, new_number: int):
    """Block diff between two versions of a document (see ``participation.text.diff_blocks``)."""
    old = get_version(document, old_number)
    new = get_version(document, new_number)
    return old, new, diff_blocks(old.body, new.body)


# --- events ------------------------------------------------------------------------------------


def _changed(document: Document) -> None:
    """Tell the pages showing this document, and the conference's lists, to refresh.

    Payloads carry ids only: each client fetches what it may see.
    """
    events.publish(
        db.session,
        "document_changed",
        f"document:{document.id}",
        {"conference_id": document.conference_id, "document_id": document.id},
    )
    events.publish(
        db.session,
        "documents_changed",
        f"conference:{document.conference_id}",
        {"conference_id": document.conference_id},
    )


# --- documents ---------------------------------------------------------------------------------


def _load_document(viewer: Viewer, conference_id: int, document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if (
        document is None
        or document.conference_id != conference_id
        or not may_read(viewer, document)
    ):
        raise NotFound(_("This document does not exist or you may not read it."))
    return document


def _agenda_item(conference_id: int, agenda_item_id: int | None) -> int | None:
    if not agenda_item_id:
        return None
    item = db.session.get(AgendaItem, agenda_item_id)
    if item is None or item.conference_id != conference_id:
        raise Invalid(_("The agenda item belongs to another conference."))
    return item.id


def _organisations(ids: Iterable[int] | None) -> list[int]:
    result = []
    for organisation_id in dict.fromkeys(ids or []):
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None:
            raise Invalid(_("Unknown organisation."))
        result.append(organisation.id)
    return result


def _next_document_number(conference_id: int, kind: str) -> str:
    prefix = "K" if kind == "catalogue" else "A"
    numbers = db.session.scalars(
        select(Document.number).where(Document.conference_id == conference_id)
    ).all()
    used = {int(n[1:]) for n in numbers if n.startswith(prefix) and n[1:].isdigit()}
    return f"{prefix}{max(used, default=0) + 1}"


def _check_number_free(conference_id: int, number: str, document: Document | None = None) -> None:
    clash = db.session.scalar(
        select(Document).where(Document.conference_id == conference_id, Document.number == number)
    )
    if clash is not None and clash is not document:
        raise Conflict(_("This conference has a document %(number)s already.", number=number))


@use_case
def create_document(
    actor,
    conference_id: int,
    *,
    kind: str,
    title: str,
    body: str,
    reasoning: str = "",
    number: str | None = None,
    agenda_item_id: int | None = None,
    organisation_ids: Iterable[int] | None = None,
    cosigner_ids: Iterable[int] | None = None,
    submitting_body: str = "",
    submit: bool = False,
) -> Document:
    """Create a resolution or catalogue with its first version.

    A delegate submits for their own organisation; a moderator may name any organisations
    and/or a body (such as the speakers' council) as submitters, and choose the number.
    """
    viewer = viewer_for(actor, conference_id)
    conference = get_conference(conference_id)
    if kind not in ("resolution", "catalogue"):
        raise Invalid(_("Unknown kind of document."))
    if not viewer.at_least("delegate"):
        raise NotAllowed(_("Only delegates and moderators can put forward documents."))
    submitting_body = plain_text(
        submitting_body, _("Submitting body"), maximum=MAX_BODY_NAME, required=False
    )
    if viewer.is_moderator:
        submitters = _organisations(organisation_ids)
        if not submitters and not submitting_body and viewer.organisation_id:
            submitters = [viewer.organisation_id]
        if not submitters and not submitting_body:
            raise Invalid(_("Name at least one submitting organisation or body."))
    else:
        if viewer.organisation_id is None:
            raise NotAllowed(
                _("Only delegates of a member organisation can put forward documents.")
            )
        submitters = [viewer.organisation_id]
        submitting_body = ""
    title = plain_text(title, _("Title"), maximum=MAX_TITLE)
    text = _body(body)
    if kind == "catalogue":
        text = number_sections(text)
        if not demand_slots(text):
            raise Invalid(_("A demand catalogue needs at least one demand (a list item “- …”)."))
    reasoning = markdown_text(reasoning, _("Reasoning"), maximum=MAX_REASONING, required=False)
    if number and viewer.is_moderator:
        number = _number(number)
    else:
        number = _next_document_number(conference.id, kind)
    _check_number_free(conference.id, number)
    model = Catalogue if kind == "catalogue" else Resolution
    document = model(
        conference_id=conference.id,
        agenda_item_id=_agenda_item(conference.id, agenda_item_id),
        number=number,
        title=title,
        status="draft",
        reasoning=reasoning,
        submitting_body=submitting_body,
        created_by_id=viewer.person_id,
        position=_next_position(conference.id),
    )
    db.session.add(document)
    for organisation_id in submitters:
        document.organisations.append(
            DocumentOrganisation(organisation_id=organisation_id, role="submitter")
        )
    for organisation_id in _organisations(cosigner_ids):
        if organisation_id not in submitters:
            document.organisations.append(
                DocumentOrganisation(organisation_id=organisation_id, role="cosigner")
            )
    db.session.flush()
    audit.record(
        "document.created",
        f"document:{document.id}",
        actor=_actor(viewer),
        conference_id=conference.id,
        # No title: the audit log is public, drafts are not.
        data={"kind": kind, "number": number, "organisations": submitters},
    )
    _new_version(
        document, body=text, title=title, note="submitted" if submit else "draft", viewer=viewer
    )
    if submit:
        _transition(viewer, document, "submitted")
    _changed(document)
    return document


def _next_position(conference_id: int) -> int:
    highest = db.session.scalar(
        select(func.max(Document.position)).where(Document.conference_id == conference_id)
    )
    return (highest or 0) + 1


def _transition(viewer: Viewer, document: Document, status: str) -> None:
    allowed = DOCUMENT_TRANSITIONS.get(document.status, frozenset())
    if status not in allowed:
        raise Conflict(
            _(
                "%(number)s is %(current)s; it cannot become %(wanted)s.",
                number=document.number,
                current=DOCUMENT_STATUS_LABELS[document.status],
                wanted=DOCUMENT_STATUS_LABELS.get(status, status),
            )
        )
    previous = document.status
    document.status = status
    now = clock.now()
    if status == "admitted" and document.admitted_at is None:
        document.admitted_at = now
    if status in DECIDED_STATUSES:
        document.decided_at = now
    audit.record(
        f"document.{status}",
        f"document:{document.id}",
        actor=_actor(viewer),
        conference_id=document.conference_id,
        data={"number": document.number, "from": previous},
    )


@use_case
def set_document_status(actor, conference_id: int, document_id: int, status: str) -> Document:
    """Submit, admit, withdraw or refer a document (votes change the status elsewhere).

    Submitters submit and withdraw their own; moderators may do all four.
    """
    viewer = viewer_for(actor, conference_id)
    document = _load_document(viewer, conference_id, document_id)
    if status not in ("submitted", "admitted", "withdrawn", "referred"):
        raise Invalid(_("This status is set by a vote, not by hand."))
    own = viewer.at_least("delegate") and is_submitter(viewer, document)
    if not (viewer.is_moderator or (own and status in ("submitted", "withdrawn"))):
        raise NotAllowed(_("You are not allowed to do this."))
    _transition(viewer, document, status)
    _changed(document)
    return document


def submit_document(actor, conference_id: int, document_id: int) -> Document:
    return set_document_status(actor, conference_id, document_id, "submitted")


def admit_document(actor, conference_id: int, document_id: int) -> Document:
    return set_document_status(actor, conference_id, document_id, "admitted")


def withdraw_document(actor, conference_id: int, document_id: int) -> Document:
    return set_document_status(actor, conference_id, document_id, "withdrawn")


def refer_document(actor, conference_id: int, document_id: int) -> Document:
    return set_document_status(actor, conference_id, document_id, "referred")


@use_case
def edit_document(
    actor,
    conference_id: int,
    document_id: int,
    *,
    base_version_id: int,
    title: str,
    body: str,
    reasoning: str | None = None,
    agenda_item_id: int | None = None,
    note: str = "",
) -> Version:
    """Change a document's text (a new version) and details.

    ``base_version_id`` is the version the editor started from; if someone changed the text
    in between, the edit is refused rather than silently overwriting their change.
    """
    viewer = viewer_for(actor, conference_id)
    document = _load_document(viewer, conference_id, document_id)
    if not may_edit(viewer, document):
        if document.status not in ("draft", "submitted", "admitted"):
            raise Conflict(
                _(
                    "%(number)s is %(status)s; its text cannot be changed any more.",
                    number=document.number,
                    status=DOCUMENT_STATUS_LABELS[document.status],
                )
            )
        raise NotAllowed(_("You are not allowed to change this text."))
    _check_base(document, base_version_id)
    title = plain_text(title, _("Title"), maximum=MAX_TITLE)
    text = _body(body)
    if isinstance(document, Catalogue):
        if document.admitted_at is None:
            text = number_sections(text)
        if not demand_slots(text):
            raise Invalid(_("A demand catalogue needs at least one demand (a list item “- …”)."))
    if reasoning is not None:
        document.reasoning = markdown_text(
            reasoning, _("Reasoning"), maximum=MAX_REASONING, required=False
        )
    if agenda_item_id is not None:
        document.agenda_item_id = _agenda_item(conference_id, agenda_item_id)
    note = plain_text(note, _("Note"), maximum=200, required=False) or "edited"
    old = document.current_version
    if normalise(text) == normalise(old.body) and title == old.title:
        audit.record(
            "document.details_changed",
            f"document:{document.id}",
            actor=_actor(viewer),
            conference_id=conference_id,
            data={"agenda_item": document.agenda_item_id},
        )
        _changed(document)
        return old
    mapping = {
        entry.old_index: entry.new_index
        for entry in diff_blocks(old.body, text)
        if entry.old_index is not None
    }
    version = _new_version(
        document, body=text, title=title, note=note, viewer=viewer, mapping=mapping
    )
    _carry_after_edit(document, old, version, viewer)
    _changed(document)
    return version


def _check_base(document: Document, base_version_id: int | None) -> None:
    current = document.current_version
    if base_version_id != current.id:
        raise Conflict(
            _(
                "The text of %(number)s has changed since you opened it (it is now version "
                "%(n)d). Please look at the current text and try again.",
                number=document.number,
                n=current.number,
            )
        )


@use_case
def cosign_document(
    actor, conference_id: int, document_id: int, organisation_id: int | None = None
) -> Document:
    """Co-sign for one's organisation (a moderator may name the organisation)."""
    viewer = viewer_for(actor, conference_id)
    document = _load_document(viewer, conference_id, document_id)
    if viewer.is_moderator and organisation_id:
        organisation = _organisations([organisation_id])[0]
    elif viewer.at_least("delegate") and viewer.organisation_id is not None:
        organisation = viewer.organisation_id
    else:
        raise Invalid(_("Only delegates of a member organisation can co-sign."))
    if organisation in organisation_ids(document):
        raise Conflict(_("Your organisation supports %(number)s already.", number=document.number))
    if document.status not in ("draft", "submitted", "admitted"):
        raise Conflict(_("%(number)s cannot be co-signed any more.", number=document.number))
    document.organisations.append(
        DocumentOrganisation(organisation_id=organisation, role="cosigner")
    )
    db.session.flush()
    audit.record(
        "document.cosigned",
        f"document:{document.id}",
        actor=_actor(viewer),
        conference_id=conference_id,
        data={"organisation": organisation},
    )
    _changed(document)
    return document


@use_case
def set_position(actor, conference_id: int, document_id: int, position: int) -> Document:
    """Moderators order the documents of an agenda item for the vote."""
    viewer = viewer_for(actor, conference_id)
    if not viewer.is_moderator:
        raise NotAllowed(_("Only moderators can change the voting order."))
    document = _load_document(viewer, conference_id, document_id)
    if not isinstance(position, int) or not 0 <= position <= 100_000:
        raise Invalid(_("The position must be a whole number from 0 to 100000."))
    document.position = position
    audit.record(
        "document.reordered",
        f"document:{document.id}",
        actor=_actor(viewer),
        conference_id=conference_id,
        data={"position": position},
    )
    _changed(document)
    return document


@use_case
def set_amendment_deadline(actor, conference_id: int, deadline) -> Conference:
    """Set (or with ``None`` clear) the conference's amendment deadline."""
    viewer = viewer_for(actor, conference_id)
    if not viewer.is_admin:
        raise NotAllowed(_("Only conference admins can set the amendment deadline."))
    conference = get_conference(conference_id)
    if deadline is not None and deadline.tzinfo is None:
        raise Invalid(_("The deadline needs a time zone."))
    conference.amendment_deadline = deadline
    audit.record(
        "conference.amendment_deadline",
        f"conference:{conference.id}",
        actor=_actor(viewer),
        conference_id=conference.id,
        data={"deadline": deadline.isoformat() if deadline else None},
    )
    events.publish(
        db.session,
        "documents_changed",
        f"conference:{conference.id}",
        {"conference_id": conference.id},
    )
    return conference


# --- amendments --------------------------------------------------------------------------------


def clean_changes(changes: Mapping, base_body: str) -> dict[int, str]:
    """Check proposed paragraph texts against the base; keep only those that differ."""
    base = paragraphs(base_body)
    if not isinstance(changes, Mapping):
        raise Invalid(_("Change at least one paragraph."))
    result: dict[int, str] = {}
    total = 0
    for key, text in changes.items():
        try:
            index = int(key)
        except (TypeError, ValueError):
            raise Invalid(_("The amendment names a paragraph that does not exist.")) from None
        if not 0 <= index < len(base):
            raise Invalid(_("The amendment names a paragraph that does not exist."))
        label = _("Paragraph %(n)d", n=index + 1)
        if text is not None and not isinstance(text, str):
            raise Invalid(_("%(field)s must be text.", field=label))
        cleaned = markdown_text(text, label, maximum=MAX_BLOCK, required=False)
        if normalise(cleaned) == normalise(base[index]):
            continue
        total += len(cleaned)
        result[index] = cleaned
    if not result:
        raise Invalid(_("Nothing was changed. Change the text of at least one paragraph."))
    if total > MAX_BODY:
        raise Invalid(_("The amendment is too long."))
    return result


def _next_amendment_number(document: Document) -> str:
    numbers = db.session.scalars(
        select(Amendment.number).where(Amendment.document_id == document.id)
    ).all()
    used = [int(n[1:]) for n in numbers if n[1:].isdigit()]
    return f"Ä{max(used, default=0) + 1}"


def is_late(conference: Conference) -> bool:
    deadline = conference.amendment_deadline
    return deadline is not None and clock.now() > deadline


@use_case
def file_amendment(
    actor,
    conference_id: int,
    document_id: int,
    *,
    base_version_id: int,
    changes: Mapping,
    reasoning: str = "",
    organisation_id: int | None = None,
) -> Amendment:
    """A delegate proposes, for their organisation, new texts for paragraphs of a version.

    Filed in time it is admitted at once; after the deadline it waits for a moderator.
    """
    viewer = viewer_for(actor, conference_id)
    document = _load_document(viewer, conference_id, document_id)
    if not viewer.at_least("delegate"):
        raise NotAllowed(_("Only delegates can file amendments."))
    if viewer.organisation_id is not None:
        organisation = viewer.organisation_id
    elif viewer.is_moderator and organisation_id:
        organisation = _organisations([organisation_id])[0]
    elif viewer.is_moderator:
        raise Invalid(_("Choose the organisation the amendment is filed for."))
    else:
        raise NotAllowed(_("Only delegates of a member organisation can file amendments."))
    if document.status not in AMENDABLE_STATUSES:
        raise Conflict(
            _(
                "%(number)s is %(status)s and cannot be amended.",
                number=document.number,
                status=DOCUMENT_STATUS_LABELS[document.status],
            )
        )
    _check_base(document, base_version_id)
    cleaned = clean_changes(changes, document.current_version.body)
    reasoning = markdown_text(reasoning, _("Reasoning"), maximum=MAX_REASONING, required=False)
    late = is_late(document.conference)
    amendment = Amendment(
        document=document,
        number=_next_amendment_number(document),
        base_version_id=document.current_version.id,
        changes={str(index): text for index, text in sorted(cleaned.items())},
        reasoning=reasoning,
        status="submitted" if late else "admitted",
        organisation_id=organisation,
        proposer_id=viewer.person_id,
        late=late,
        admitted_at=None if late else clock.now(),
    )
    db.session.add(amendment)
    db.session.flush()
    audit.record(
        "amendment.filed",
        f"amendment:{amendment.id}",
        actor=_actor(viewer),
        conference_id=conference_id,
        data={
            "document": document.id,
            "number": amendment.number,
            "organisation": organisation,
            "blocks": sorted(cleaned),
            "late": late,
        },
    )
    _changed(document)
    return amendment


def _load_amendment(viewer: Viewer, conference_id: int, amendment_id: int) -> Amendment:
    amendment = db.session.get(Amendment, amendment_id)
    if (
        amendment is None
        or amendment.document.conference_id != conference_id
        or not may_read_amendment(viewer, amendment)
    ):
        raise NotFound(_("This amendment does not exist or you may not read it."))
    return amendment


def _amendment_transition(viewer: Viewer, amendment: Amendment, status: str) -> None:
    if status not in AMENDMENT_TRANSITIONS.get(amendment.status, frozenset()):
        raise Conflict(
            _(
                "%(number)s is %(current)s; it cannot become %(wanted)s.",
                number=amendment.number,
                current=AMENDMENT_STATUS_LABELS[amendment.status],
                wanted=AMENDMENT_STATUS_LABELS.get(status, status),
            )
        )
    previous = amendment.status
    amendment.status = status
    now = clock.now()
    if status in ("admitted", "taken_over") and amendment.admitted_at is None:
        amendment.admitted_at = now
    if status in ("adopted", "taken_over", "rejected", "withdrawn"):
        amendment.decided_at = now
    audit.record(
        f"amendment.{status}",
        f"amendment:{amendment.id}",
        actor=_actor(viewer),
        conference_id=amendment.document.conference_id,
        data={"document": amendment.document_id, "number": amendment.number, "from": previous},
    )


@use_case
def withdraw_amendment(actor, conference_id: int, amendment_id: int) -> Amendment:
    """Its organisation (or a moderator) withdraws an amendment that is not being voted on."""
    viewer = viewer_for(actor, conference_id)
    amendment = _load_amendment(viewer, conference_id, amendment_id)
    if "withdrawn" in AMENDMENT_TRANSITIONS.get(amendment.status, ()) and not (
        may_withdraw_amendment(viewer, amendment)
    ):
        raise NotAllowed(_("Only its organisation or a moderator can withdraw an amendment."))
    _amendment_transition(viewer, amendment, "withdrawn")
    _changed(amendment.document)
    return amendment


@use_case
def admit_amendment(actor, conference_id: int, amendment_id: int) -> Amendment:
    """A moderator admits an amendment filed after the deadline."""
    viewer = viewer_for(actor, conference_id)
    if not viewer.is_moderator:
        raise NotAllowed(_("Only moderators can admit amendments."))
    amendment = _load_amendment(viewer, conference_id, amendment_id)
    _amendment_transition(viewer, amendment, "admitted")
    _changed(amendment.document)
    return amendment


@use_case
def take_over_amendment(actor, conference_id: int, amendment_id: int) -> Version:
    """The submitters take an amendment over: it is merged into a new version at once."""
    viewer = viewer_for(actor, conference_id)
    if not viewer.is_moderator:
        raise NotAllowed(_("Only moderators can mark an amendment as taken over."))
    amendment = _load_amendment(viewer, conference_id, amendment_id)
    document = amendment.document
    if document.status not in AMENDABLE_STATUSES:
        raise Conflict(
            _(
                "%(number)s is %(status)s; its text cannot change now.",
                number=document.number,
                status=DOCUMENT_STATUS_LABELS[document.status],
            )
        )
    _check_fits(amendment)
    _amendment_transition(viewer, amendment, "taken_over")
    version = _apply(
        document,
        changes_of(amendment),
        note=f"{amendment.number} taken over",
        viewer=viewer,
        amendment=amendment,
    )
    _changed(document)
    return version


def _check_fits(amendment: Amendment) -> None:
    if amendment.needs_review or amendment.base_version_id != amendment.document.current_version_id:
        raise Conflict(
            _(
                "%(number)s no longer fits the current text; it must be revised first.",
                number=amendment.number,
            )
        )


@use_case
def revise_amendment(
    actor,
    conference_id: int,
    amendment_id: int,
    *,
    base_version_id: int,
    changes: Mapping,
    reasoning: str | None = None,
) -> Amendment:
    """Re-state an amendment flagged for review against the current version."""
    viewer = viewer_for(actor, conference_id)
    amendment = _load_amendment(viewer, conference_id, amendment_id)
    if not amendment.needs_review:
        raise Conflict(
            _("%(number)s fits the current text; it needs no revision.", number=amendment.number)
        )
    if not may_revise_amendment(viewer, amendment):
        raise NotAllowed(_("Only its organisation or a moderator can revise an amendment."))
    document = amendment.document
    _check_base(document, base_version_id)
    cleaned = clean_changes(changes, document.current_version.body)
    amendment.base_version_id = document.current_version.id
    amendment.changes = {str(index): text for index, text in sorted(cleaned.items())}
    amendment.needs_review = False
    if reasoning is not None:
        amendment.reasoning = markdown_text(
            reasoning, _("Reasoning"), maximum=MAX_REASONING, required=False
        )
    audit.record(
        "amendment.revised",
        f"amendment:{amendment.id}",
        actor=_actor(viewer),
        conference_id=conference_id,
        data={"version": document.current_version.number, "blocks": sorted(cleaned)},
    )
    _changed(document)
    return amendment


# --- translations ------------------------------------------------------------------------------


@use_case
def save_translation(
    actor,
    conference_id: int,
    document_id: int,
    *,
    language: str,
    title: str,
    body: str,
    version_id: int | None = None,
) -> Translation:
    """Staff enter a version's text in one of the conference's other languages."""
    viewer = viewer_for(actor, conference_id)
    if not viewer.is_admin:
        raise NotAllowed(_("Only conference admins and staff can enter translations."))
    document = _load_document(viewer, conference_id, document_id)
    languages = document.conference.languages or ["de"]
    if language not in languages[1:]:
        raise Invalid(_("Texts of this conference are not published in this language."))
    version = document.current_version
    if version_id is not None and version_id != version.id:
        version = next((v for v in document.versions if v.id == version_id), None)
        if version is None:
            raise NotFound(_("No such version."))
    title = plain_text(title, _("Title"), maximum=MAX_TITLE)
    text = markdown_text(body, _("Text"), maximum=MAX_BODY)
    translation = db.session.scalar(
        select(Translation).where(
            Translation.version_id == version.id, Translation.language == language
        )
    )
    if translation is None:
        translation = Translation(version=version, language=language)
        db.session.add(translation)
    translation.title = title
    translation.body = from_paragraphs(paragraphs(text))
    translation.created_by_id = viewer.person_id
    translation.created_at = clock.now()
    db.session.flush()
    audit.record(
        "translation.saved",
        f"translation:{translation.id}",
        actor=_actor(viewer),
        conference_id=conference_id,
        data={"document": document.id, "version": version.number, "language": language},
    )
    _changed(document)
    return translation


def latest_translation(document: Document, language: str) -> Translation | None:
    """The translation into ``language`` of the newest version that has one."""
    return db.session.scalar(
        select(Translation)
        .join(Version)
        .where(Version.document_id == document.id, Translation.language == language)
        .order_by(Version.number.desc())
        .limit(1)
    )


def translated_languages(document: Document) -> list[str]:
    found = set(
        db.session.scalars(
            select(Translation.language)
            .join(Version)
            .where(Version.document_id == document.id)
            .distinct()
        )
    )
    return [code for code in (document.conference.languages or []) if code in found]


# --- voting building blocks (run inside the caller's transaction) -------------------------------


def _target(target_kind: str, target_id: int):
    model = {"amendment": Amendment, "document": Document, "demand": Demand}.get(target_kind)
    if model is None:
        raise Invalid(_("Unknown kind of vote target."))
    target = db.session.get(model, target_id)
    if target is None:
        raise NotFound(_("The text to vote on does not exist."))
    return target


def _document_of(target) -> Document:
    if isinstance(target, Amendment):
        return target.document
    if isinstance(target, Demand):
        return target.catalogue
    return target


def _system_viewer(actor, conference_id: int) -> Viewer:
    person = _person_of(actor)
    return Viewer(person, conference_id, "admin")


def describe_target(target_kind: str, target_id: int) -> dict:
    """What a ballot shows about its target: kind, id, conference, label and title."""
    target = _target(target_kind, target_id)
    document = _document_of(target)
    if isinstance(target, Amendment):
        label = _(
            "%(amendment)s to %(document)s", amendment=target.number, document=document.number
        )
    elif isinstance(target, Demand):
        label = f"{document.number} {target.label}"
    else:
        label = document.number
    title = document.title
    if isinstance(target, Demand) and target.block_index is not None:
        blocks = split_blocks(document.current_version.body)
        if target.block_index < len(blocks):
            title = blocks[target.block_index].text[:300]
    return {
        "kind": target_kind,
        "id": target.id,
        "conference_id": document.conference_id,
        "label": label,
        "title": title,
    }


def start_vote(target_kind: str, target_id: int, actor) -> None:
    """Move an admitted amendment or document, or an open demand, into the vote.

    Runs inside the caller's transaction (no commit); raises Conflict when the target cannot
    be voted on now.
    """
    target = _target(target_kind, target_id)
    document = _document_of(target)
    viewer = _system_viewer(actor, document.conference_id)
    if isinstance(target, Amendment):
        if target.status != "admitted":
            raise Conflict(
                _(
                    "%(number)s is %(status)s; only admitted amendments can be voted on.",
                    number=target.number,
                    status=AMENDMENT_STATUS_LABELS[target.status],
                )
            )
        if document.status != "admitted":
            raise Conflict(
                _(
                    "Amendments to %(number)s can only be voted on while it is admitted.",
                    number=document.number,
                )
            )
        _check_fits(target)
        _amendment_transition(viewer, target, "in_vote")
    elif isinstance(target, Demand):
        if target.status != "open" or target.block_index is None:
            raise Conflict(_("Demand %(label)s is not open for a vote.", label=target.label))
        if document.status != "admitted":
            raise Conflict(
                _(
                    "Demands of %(number)s can only be voted on while it is admitted.",
                    number=document.number,
                )
            )
        _demand_transition(viewer, target, "in_vote")
    else:
        if document.status != "admitted":
            raise Conflict(
                _(
                    "%(number)s is %(status)s; only admitted documents can be voted on.",
                    number=document.number,
                    status=DOCUMENT_STATUS_LABELS[document.status],
                )
            )
        _transition(viewer, document, "in_vote")
    _changed(document)


def _demand_transition(viewer: Viewer, demand: Demand, status: str) -> None:
    if status not in DEMAND_TRANSITIONS.get(demand.status, frozenset()):
        raise Conflict(
            _(
                "Demand %(label)s is %(current)s; it cannot become %(wanted)s.",
                label=demand.label,
                current=DEMAND_STATUS_LABELS[demand.status],
                wanted=DEMAND_STATUS_LABELS.get(status, status),
            )
        )
    previous = demand.status
    demand.status = status
    audit.record(
        f"demand.{status}",
        f"demand:{demand.id}",
        actor=_actor(viewer),
        conference_id=demand.catalogue.conference_id,
        data={"catalogue": demand.catalogue_id, "label": demand.label, "from": previous},
    )


def apply_vote_result(target_kind: str, target_id: int, adopted: bool, actor) -> None:
    """Record a vote's outcome on its target (inside the caller's transaction).

    An adopted amendment is merged into a new version (other open amendments are carried or
    flagged); a document becomes adopted, or adopted as amended when its text was changed by
    amendments or rejected demands; a rejected demand is dropped from the text in a new
    version, its label kept.
    """
    target = _target(target_kind, target_id)
    document = _document_of(target)
    viewer = _system_viewer(actor, document.conference_id)
    if isinstance(target, Amendment):
        _amendment_transition(viewer, target, "adopted" if adopted else "rejected")
        if adopted:
            if target.needs_review or target.base_version_id != document.current_version_id:
                target.needs_review = True  # staff merge it by hand
            else:
                _apply(
                    document,
                    changes_of(target),
                    note=f"{target.number} adopted",
                    viewer=viewer,
                    amendment=target,
                )
    elif isinstance(target, Demand):
        _demand_transition(viewer, target, "adopted" if adopted else "rejected")
        if not adopted and target.block_index is not None:
            _apply(
                document,
                {target.block_index: ""},
                note=f"{target.label} rejected",
                viewer=viewer,
            )
    else:
        outcome = "rejected"
        if adopted:
            outcome = "adopted_amended" if _was_amended(document) else "adopted"
        _transition(viewer, document, outcome)
    _changed(document)


def _was_amended(document: Document) -> bool:
    if any(a.status in ("adopted", "taken_over") for a in document.amendments):
        return True
    return isinstance(document, Catalogue) and any(d.status == "rejected" for d in document.demands)


def cancel_vote(target_kind: str, target_id: int, actor) -> None:
    """Back from the vote (poll cancelled or not quorate), inside the caller's transaction."""
    target = _target(target_kind, target_id)
    document = _document_of(target)
    viewer = _system_viewer(actor, document.conference_id)
    if isinstance(target, Amendment):
        _amendment_transition(viewer, target, "admitted")
    elif isinstance(target, Demand):
        _demand_transition(viewer, target, "open")
    else:
        _transition(viewer, document, "admitted")
    _changed(document)


# --- voting order ------------------------------------------------------------------------------


@dataclass
class VoteItem:
    """One entry of the "goes to the vote" list."""

    kind: str  # "amendment", "demand", "document"
    target_id: int
    document: Document
    label: str
    status: str
    amendment: Amendment | None = None
    demand: Demand | None = None
    lines: str = ""


def vote_order(actor, conference_id: int) -> list[tuple[AgendaItem | None, list[VoteItem]]]:
    """Admitted texts in voting order, per agenda item: amendments (in text order), then a
    catalogue's demands, then the document itself."""
    viewer = viewer_for(actor, conference_id)
    width = get_conference(conference_id).line_width
    groups: list[tuple[AgendaItem | None, list[VoteItem]]] = []
    for document in visible_documents(viewer, conference_id):
        if document.status not in ("admitted", "in_vote"):
            continue
        items: list[VoteItem] = []
        amendments = [
            a
            for a in document.amendments
            if a.status in ("admitted", "in_vote") and may_read_amendment(viewer, a)
        ]
        amendments.sort(key=lambda a: (min(changes_of(a), default=0), label_key(a.number)))
        for amendment in amendments:
            lines = ""
            if amendment.base_version_id == document.current_version_id:
                lines = format_ranges(
                    line_ranges(document.current_version, changes_of(amendment), width)
                )
            items.append(
                VoteItem(
                    "amendment",
                    amendment.id,
                    document,
                    _(
                        "%(amendment)s to %(document)s",
                        amendment=amendment.number,
                        document=document.number,
                    ),
                    amendment.status,
                    amendment=amendment,
                    lines=lines,
                )
            )
        if isinstance(document, Catalogue):
            for demand in document.demands:
                if demand.status in ("open", "in_vote") and demand.block_index is not None:
                    items.append(
                        VoteItem(
                            "demand",
                            demand.id,
                            document,
                            f"{document.number} {demand.label}",
                            demand.status,
                            demand=demand,
                        )
                    )
        items.append(VoteItem("document", document.id, document, document.number, document.status))
        if groups and groups[-1][0] is document.agenda_item:
            groups[-1][1].extend(items)
        else:
            groups.append((document.agenda_item, items))
    return groups


def organisations_in_documents(conference_id: int) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(
                Organisation.id.in_(
                    select(DocumentOrganisation.organisation_id)
                    .join(Document)
                    .where(Document.conference_id == conference_id)
                )
            )
            .order_by(Organisation.name)
        )
    )


def accreditation_of(viewer: Viewer) -> Accreditation | None:
    return (
        db.session.get(Accreditation, viewer.accreditation_id) if viewer.accreditation_id else None
    )
