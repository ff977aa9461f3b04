"""View models: what the document pages, the public archive and the PDFs show of a text.

A presenter reads through the services and returns plain values and safe HTML for a template;
it changes nothing and knows no routes. The pages under ``templates/documents/``, the archive
under ``templates/public/`` and the PDFs under ``templates/exports/`` share these, so an
amendment or a catalogue's demands look the same everywhere. The PDF renderer
(:mod:`participation.exports.pdf`) receives finished HTML and needs none of this.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field

from babel import Locale, UnknownLocaleError
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from participation.exports import archive
from participation.extensions import db
from participation.models import (
    Accreditation,
    Amendment,
    Catalogue,
    Demand,
    Document,
    Person,
    Poll,
    Version,
    WorkingGroup,
)
from participation.services import documents as docs
from participation.text import (
    line_spans,
    number_lines,
    paragraphs,
    render_diff_html,
    render_document,
    render_markdown,
    render_numbered_html,
    split_blocks,
)
from participation.text.ranges import changed_lines


def status_labels() -> dict:
    """The labels of statuses and kinds, by what they label."""
    return {
        "document": docs.DOCUMENT_STATUS_LABELS,
        "amendment": docs.AMENDMENT_STATUS_LABELS,
        "demand": docs.DEMAND_STATUS_LABELS,
        "kind": docs.KIND_LABELS,
    }


def numbered_html(document: Document, version: Version) -> Markup:
    """The version's text with line numbers; a catalogue's demands show their labels."""
    labels = docs.demand_labels(document) if version.id == document.current_version_id else None
    rendered = render_numbered_html(version.body, document.conference.line_width, labels=labels)
    return Markup(rendered)  # noqa: S704 - produced by the sanitising renderer


def markdown_html(text: str | None) -> Markup:
    return Markup(render_markdown(text or ""))  # noqa: S704 - sanitised by render_markdown


def organisation_names(document: Document, role: str) -> list[str]:
    return [link.organisation.name for link in document.organisations if link.role == role]


def submitter_names(document: Document) -> list[str]:
    """Who submits a document, by short name where there is one, as the lists show it."""
    names = [
        link.organisation.short_name or link.organisation.name
        for link in document.organisations
        if link.role == "submitter"
    ]
    return names + ([document.submitting_body] if document.submitting_body else [])


_EVENT_NOTE = re.compile(
    r"(?P<number>\S+) (?P<event>adopted|rejected|taken over as amended|taken over)"
)


def version_note(note: str) -> str:
    """A version's note in the reader's language.

    The notes the platform writes ("submitted", "Ä4 adopted", ...) are translated when
    shown; a note that staff typed when editing stays as they wrote it.
    """
    fixed = {
        "submitted": _("submitted"),
        "draft": _("draft"),
        "edited": _("edited"),
        "demand added": _("demand added"),
    }
    if note in fixed:
        return fixed[note]
    event = _EVENT_NOTE.fullmatch(note)
    if event is None:
        return note
    number = event["number"]
    return {
        "adopted": _("%(number)s adopted", number=number),
        "rejected": _("%(number)s rejected", number=number),
        "taken over": _("%(number)s taken over", number=number),
        "taken over as amended": _("%(number)s taken over as amended", number=number),
    }[event["event"]]


# --- amendments --------------------------------------------------------------------------------


@dataclass
class AmendmentView:
    """An amendment as a document page, the archive and the PDFs show it."""

    amendment: Amendment
    #: "Ä1 to A3, line 12–14", and the demands it touches in a catalogue.
    heading: str
    #: The line ranges it changes, as text.
    lines: str
    #: (line range, word diff) for each changed block.
    diffs: list[tuple[str, Markup]] = field(default_factory=list)
    #: Numbers of the open amendments that change the same blocks.
    collides_with: list[str] = field(default_factory=list)
    reasoning: Markup = Markup("")
    can_withdraw: bool = False
    can_admit: bool = False
    can_take_over: bool = False
    can_revise: bool = False
    #: A moderator may resolve its collision in the merge view.
    can_merge: bool = False

    @property
    def is_open(self) -> bool:
        return self.amendment.status in docs.OPEN_AMENDMENT_STATUSES


def _heading(amendment: Amendment, changes: Mapping[int, str], lines: str) -> str:
    document = amendment.document
    heading = _(
        "%(amendment)s to %(document)s, line %(lines)s",
        amendment=amendment.number,
        document=document.number,
        lines=lines,
    )
    if isinstance(document, Catalogue) and amendment.base_version_id == document.current_version_id:
        labels = docs.demand_labels(document)
        touched = [labels[i] for i in sorted(changes) if i in labels]
        if touched:
            heading += " · " + _("demand %(labels)s", labels=", ".join(touched))
    return heading


def _diffs(base: Version, changes: Mapping[int, str], width: int) -> list[tuple[str, Markup]]:
    sources = paragraphs(base.body)
    numbered = line_spans(base.body, width)
    diffs = []
    for index, text in sorted(changes.items()):
        old = sources[index] if index < len(sources) else ""
        rendered = render_diff_html(old, text, ins_label=_("inserted:"), del_label=_("deleted:"))
        lines = (
            docs.format_ranges([changed_lines(numbered, index, text)])
            if index < len(numbered)
            else "?"
        )
        diffs.append((_("Line %(lines)s", lines=lines), Markup(rendered)))  # noqa: S704
    return diffs


def preview_diffs(document: Document, base: Version, changes: Mapping) -> list[tuple[str, Markup]]:
    """How an amendment not yet filed would read: its checked changes as diffs with their lines.

    Raises the same errors as filing would, so the form can show them at once.
    """
    cleaned = docs.clean_changes(changes, base.body)
    return _diffs(base, cleaned, document.conference.line_width)


def _may_take_over(viewer: docs.Viewer, amendment: Amendment) -> bool:
    document = amendment.document
    return (
        viewer.is_moderator
        and amendment.status in docs.OPEN_AMENDMENT_STATUSES
        and amendment.status != "in_vote"
        and document.status in docs.AMENDABLE_STATUSES
        and not amendment.needs_review
        and amendment.base_version_id == document.current_version_id
    )


def amendment_view(
    viewer: docs.Viewer,
    amendment: Amendment,
    collisions: Mapping[int, list[Amendment]] | None = None,
) -> AmendmentView:
    width = amendment.document.conference.line_width
    changes = docs.changes_of(amendment)
    lines = docs.format_ranges(docs.line_ranges(amendment.base_version, changes, width))
    return AmendmentView(
        amendment=amendment,
        heading=_heading(amendment, changes, lines),
        lines=lines,
        diffs=_diffs(amendment.base_version, changes, width),
        collides_with=[other.number for other in (collisions or {}).get(amendment.id, [])],
        reasoning=markdown_html(amendment.reasoning),
        can_withdraw=docs.may_withdraw_amendment(viewer, amendment),
        can_admit=viewer.is_moderator and amendment.status == "submitted",
        can_take_over=_may_take_over(viewer, amendment),
        can_revise=docs.may_revise_amendment(viewer, amendment),
        can_merge=viewer.is_moderator
        and amendment.needs_review
        and amendment.status in docs.MERGEABLE_STATUSES,
    )


def amendment_views(viewer: docs.Viewer, document: Document) -> list[AmendmentView]:
    """The amendments the viewer may read: open ones in text order, then the decided ones."""
    visible = docs.visible_amendments(viewer, document)
    collisions = docs.amendment_collisions(visible)
    views = [amendment_view(viewer, a, collisions) for a in visible]
    views.sort(
        key=lambda v: (
            not v.is_open,
            min(docs.changes_of(v.amendment), default=0) if v.is_open else 0,
            docs.label_key(v.amendment.number),
        )
    )
    return views


def open_amendment_counts(viewer: docs.Viewer, documents: list[Document]) -> dict[int, int]:
    """Document id → how many of its amendments the viewer sees open."""
    return {
        d.id: sum(
            1
            for a in docs.visible_amendments(viewer, d)
            if a.status in docs.OPEN_AMENDMENT_STATUSES
        )
        for d in documents
    }


# --- a document's page -------------------------------------------------------------------------


def document_context(viewer: docs.Viewer, document: Document, lang: str | None) -> dict:
    """Everything the document page and its live fragment show."""
    conference = document.conference
    languages = conference.languages or ["de"]
    available = docs.translated_languages(document)
    translation = None
    shown = None
    if lang and lang != languages[0] and lang in available:
        translation = docs.latest_translation(document, lang)
        if translation is not None:
            shown = docs.published_translation(translation, archive.current_version(document))
    return {
        "conference": conference,
        "document": document,
        "version": document.current_version,
        "viewer": viewer,
        "text_html": numbered_html(document, archive.current_version(document)),
        "translation": translation,
        "translation_html": Markup(render_document(shown.body)) if shown else None,  # noqa: S704
        "outdated": shown is not None and bool(shown.originals),
        "original_language": languages[0],
        "available_languages": available,
        "lang": translation.language if translation else languages[0],
        "amendments": amendment_views(viewer, document),
        "submitters": organisation_names(document, "submitter"),
        "cosigners": organisation_names(document, "cosigner"),
        "reasoning_html": markdown_html(document.reasoning),
        "demands": list(document.demands) if isinstance(document, Catalogue) else [],
        "can": _document_actions(viewer, document),
        "labels": status_labels(),
        "support": support_view(document) if viewer.is_moderator else None,
        "missing_supporters": (
            docs.missing_supporters(document) if document.status == "submitted" else 0
        ),
    }


@dataclass
class SupportView:
    """Who co-signs a document, and how many co-signers the conference asks for."""

    organisations: list[str]
    needed: int

    @property
    def count(self) -> int:
        return len(self.organisations)


def support_view(document: Document) -> SupportView:
    return SupportView(
        organisations=sorted(organisation_names(document, "cosigner"), key=str.casefold),
        needed=document.conference.min_supporters,
    )


def _document_actions(viewer: docs.Viewer, document: Document) -> dict[str, bool]:
    languages = document.conference.languages or ["de"]
    return {
        "edit": docs.may_edit(viewer, document),
        "amend": docs.may_amend(viewer, document),
        "submit": docs.may_submit(viewer, document),
        "admit": viewer.is_moderator and document.status == "submitted",
        "withdraw": docs.may_withdraw(viewer, document),
        "refer": viewer.is_moderator and document.status in ("submitted", "admitted"),
        "cosign": docs.may_cosign(viewer, document),
        "withdraw_cosignature": docs.may_withdraw_cosignature(viewer, document),
        "translate": viewer.is_admin and len(languages) > 1,
        "reorder": viewer.is_moderator,
    }


# --- the amendment form ------------------------------------------------------------------------


@dataclass
class BlockField:
    """One block of the text in the amendment form: its lines, and the box to change it."""

    index: int
    #: "paragraph", "heading" or "item".
    kind: str
    lines: str
    #: The block's visible text, shortened to fit the folded form.
    preview: str
    source: str
    #: What the box holds: the posted text, the amendment's wording, or the source.
    value: str
    changed: bool
    #: The demand's label in a catalogue.
    label: str | None

    @property
    def rows(self) -> int:
        return min(14, max(3, len(self.value) // 36 + 2))


def block_fields(
    document: Document,
    version: Version,
    posted: Mapping[int, str] | None,
    start: Mapping[int, str] | None = None,
) -> list[BlockField]:
    """The form's boxes, filled from ``posted`` if given, else from ``start``, else the text."""
    sources = paragraphs(version.body)
    labels = docs.demand_labels(document) if version.id == document.current_version_id else {}
    filled = posted if posted is not None else (start or {})
    fields = []
    for block in number_lines(version.body, document.conference.line_width):
        source = sources[block.index]
        value = filled.get(block.index, source)
        preview = " ".join(line.text for line in block.lines)
        fields.append(
            BlockField(
                index=block.index,
                kind=block.block.kind,
                lines=docs.format_ranges([(block.lines[0].number, block.lines[-1].number)]),
                preview=preview if len(preview) <= 140 else preview[:137] + "…",
                source=source,
                value=value,
                changed=value != source,
                label=labels.get(block.index),
            )
        )
    return fields


def revision_start(amendment: Amendment, base: Version) -> dict[int, str]:
    """The amendment's own wording, on the blocks of ``base`` that are still there unchanged."""
    start = {}
    old_sources = paragraphs(amendment.base_version.body)
    new_sources = paragraphs(base.body)
    for index, text in docs.changes_of(amendment).items():
        if index < len(old_sources) and old_sources[index] in new_sources:
            start[new_sources.index(old_sources[index])] = text
    return start


# --- a working group ---------------------------------------------------------------------------


def group_context(viewer: docs.Viewer, group: WorkingGroup) -> dict:
    """The working group page: its draft catalogue, the texts it handed over, who may join."""
    draft = docs.draft_of(group)
    handed = [d for d in group.documents if d is not draft and docs.may_read(viewer, d)]
    if draft is not None and not docs.may_read(viewer, draft):
        draft = None
    sections, draft_html = [], None
    if draft is not None:
        version = archive.current_version(draft)
        sections = [
            docs.section_title(block.text)
            for block in split_blocks(version.body)
            if block.kind == "heading"
        ]
        draft_html = numbered_html(draft, version)
    return {
        "draft": draft,
        "draft_html": draft_html,
        "handed": handed,
        "sections": sections,
        "description": markdown_html(group.description),
        "may_collect": docs.may_collect(viewer, group),
        "accreditations": _addable(viewer, group),
    }


def _addable(viewer: docs.Viewer, group: WorkingGroup) -> list[Accreditation]:
    """Who a moderator may add to the group: the conference's people not in it yet."""
    if not viewer.is_moderator:
        return []
    members = {m.accreditation_id for m in group.members}
    return [
        a
        for a in db.session.scalars(
            select(Accreditation)
            .join(Person)
            .where(Accreditation.conference_id == group.conference_id)
            .order_by(Person.display_name)
        )
        if a.id not in members
    ]


# --- a published text --------------------------------------------------------------------------


@dataclass
class TextView:
    """A published document as the archive page and the PDFs show it."""

    document: Document
    text: archive.Text
    text_html: Markup
    #: The original language, then those of its translations.
    languages: list[str]
    amendments: list[AmendmentView]
    polls: list[Poll]
    submitters: list[str]
    cosigners: list[str]
    reasoning_html: Markup
    #: (demand label, status label, the poll that decided it or None) for catalogues.
    demands: list[tuple[str, str, Poll | None]] = field(default_factory=list)

    @property
    def adopted_amendments(self) -> list[AmendmentView]:
        return [v for v in self.amendments if v.amendment.status in ("adopted", "taken_over")]

    @property
    def other_amendments(self) -> list[AmendmentView]:
        return [v for v in self.amendments if v.amendment.status not in ("adopted", "taken_over")]


def _text_html(document: Document, text: archive.Text) -> Markup:
    if text.is_translation:
        aligned = len(paragraphs(text.body)) == len(
            paragraphs(archive.current_version(document).body)
        )
        labels = docs.demand_labels(document) if aligned else None
        rendered = render_numbered_html(text.body, document.conference.line_width, labels=labels)
        rendered = _mark_originals(rendered, text, archive.original_language(document))
        return Markup(rendered)  # noqa: S704 - produced by the sanitising renderer
    return numbered_html(document, archive.current_version(document))


def _direction(language: str) -> str:
    try:
        order = Locale.parse(language).character_order
    except (ValueError, UnknownLocaleError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"


_BLOCK_START = re.compile(r'<(p|h[2-6]|div) class="block ([^"]*)" data-block="(\d+)"')


def _mark_originals(rendered: str, text: archive.Text, original: str) -> str:
    """Mark the blocks of a translation shown in the original: a note in the reader's
    language before each, and the original's language on the block itself."""
    if not text.originals:
        return rendered
    with force_locale(text.language):
        note = str(_("This paragraph is not translated yet; it is shown in the original."))
    direction = _direction(original)

    def mark(match: re.Match[str]) -> str:
        tag, classes, index = match.groups()
        if int(index) not in text.originals:
            return match.group(0)
        return (
            f'<p class="untranslated-note" role="note">{escape(note)}</p>'
            f'<{tag} class="block {classes} untranslated" data-block="{index}" '
            f'lang="{escape(original)}" dir="{direction}"'
        )

    return _BLOCK_START.sub(mark, rendered)


def text_view(document: Document, language: str | None) -> TextView:
    """Build the view of a published document in a language (falls back to the original)."""
    text = archive.text_in(document, language)
    amendments = archive.published_amendments(document)
    viewer = docs.viewer_for(None, document.conference_id)
    polls = archive.polls_about(document, amendments)
    demands = []
    if isinstance(document, Catalogue):
        by_demand = {p.demand_id: p for p in polls if p.demand_id is not None}
        with force_locale(text.language) if text.is_translation else nullcontext():
            demands = [
                (d.label, demand_fate(document, d), by_demand.get(d.id)) for d in document.demands
            ]
    return TextView(
        document=document,
        text=text,
        text_html=_text_html(document, text),
        languages=archive.languages_of(document),
        amendments=[amendment_view(viewer, a) for a in amendments],
        polls=polls,
        submitters=organisation_names(document, "submitter")
        + ([document.submitting_body] if document.submitting_body else []),
        cosigners=organisation_names(document, "cosigner"),
        reasoning_html=markdown_html(document.reasoning),
        demands=demands,
    )


def demand_fate(catalogue: Catalogue, demand: Demand) -> str:
    """What became of a demand: voted on by itself, or decided with the whole catalogue."""
    if demand.status in ("adopted", "rejected"):
        return str(docs.DEMAND_STATUS_LABELS[demand.status])
    if demand.block_index is None:
        return _("no longer in the text")
    if catalogue.status in archive.ADOPTED_STATUSES:
        return _("adopted with the catalogue")
    return str(docs.DOCUMENT_STATUS_LABELS[catalogue.status])
