"""The voting order: what goes to the vote, per agenda item, in the order it is voted on."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from participation.models import AgendaItem, Amendment, Catalogue, Demand, Document
from participation.services.conferences import get_conference
from participation.services.documents.changes import changes_of, format_ranges, line_ranges
from participation.services.documents.numbering import label_key
from participation.services.documents.versions import _current
from participation.services.documents.viewer import Viewer, viewer_for
from participation.services.documents.visibility import may_read_amendment, visible_documents


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
    #: The lines an amendment changes ("3–5, 9"); empty if it no longer fits the text.
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
        items = _amendment_items(viewer, document, width)
        if isinstance(document, Catalogue):
            items.extend(_demand_items(document))
        items.append(VoteItem("document", document.id, document, document.number, document.status))
        if groups and groups[-1][0] is document.agenda_item:
            groups[-1][1].extend(items)
        else:
            groups.append((document.agenda_item, items))
    return groups


def _amendment_items(viewer: Viewer, document: Document, width: int) -> list[VoteItem]:
    """The document's admitted amendments the viewer may read, in the order of the text."""
    amendments = [
        a
        for a in document.amendments
        if a.status in ("admitted", "in_vote") and may_read_amendment(viewer, a)
    ]
    amendments.sort(key=lambda a: (min(changes_of(a), default=0), label_key(a.number)))
    items = []
    for amendment in amendments:
        lines = ""
        if amendment.base_version_id == document.current_version_id:
            lines = format_ranges(line_ranges(_current(document), changes_of(amendment), width))
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
    return items


def _demand_items(catalogue: Catalogue) -> list[VoteItem]:
    """The catalogue's demands still in its text and not yet decided."""
    return [
        VoteItem(
            "demand",
            demand.id,
            catalogue,
            f"{catalogue.number} {demand.label}",
            demand.status,
            demand=demand,
        )
        for demand in catalogue.demands
        if demand.status in ("open", "in_vote") and demand.block_index is not None
    ]
