"""Document pages: lists, the voting order, a document with its amendments, the amendment
form, versions, translations and working groups."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select

from participation.extensions import db
from participation.models import (
    Accreditation,
    Amendment,
    Catalogue,
    Document,
    Organisation,
    Person,
    Version,
)
from participation.services import documents as docs
from participation.services import working_groups as groups
from participation.services.conferences import get_conference
from participation.services.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from participation.text import (
    number_lines,
    paragraphs,
    render_diff_html,
    render_document,
    render_markdown,
    render_numbered_html,
    split_blocks,
)
from participation.web.access import access
from participation.web.template_helpers import LANGUAGE_NAMES

bp = Blueprint("documents", __name__)


@bp.context_processor
def _template_globals() -> dict:
    return {
        "language_name": lambda code: LANGUAGE_NAMES.get(code, code),
        "labels": _labels(),
        "format_datetime": format_datetime,
        "submitter_names": _submitter_names,
    }


def _submitter_names(document: Document) -> list[str]:
    names = [
        link.organisation.short_name or link.organisation.name
        for link in document.organisations
        if link.role == "submitter"
    ]
    return names + ([document.submitting_body] if document.submitting_body else [])


PREFIX = "/c/<int:conference_id>"
DOC = PREFIX + "/documents/<int:document_id>"
AMENDMENT = DOC + "/amendments/<int:amendment_id>"
GROUP = PREFIX + "/groups/<int:group_id>"

_DEMAND_MARKER = re.compile(
    r'(<div class="block block-item" data-block="(\d+)" data-level="0">'
    r'<span class="ln" aria-hidden="true">\d+</span>)<span class="marker">[^<]*</span>'
)


# --- helpers ----------------------------------------------------------------------------------


def _actor():
    return current_user._get_current_object()


def _viewer(conference_id: int) -> docs.Viewer:
    return docs.viewer_for(_actor(), conference_id)


def _int(value, label: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Invalid(_("%(field)s is missing or not a number.", field=label)) from None


def _optional_int(value) -> int | None:
    try:
        return int(value) or None
    except (TypeError, ValueError):
        return None


def _refused(error: DomainError) -> int:
    """Status of a re-rendered form that a service refused."""
    return error.status if error.status >= 400 else 422


def numbered_html(document: Document, version: Version) -> Markup:
    """The version's text with line numbers; a catalogue's demands show their labels."""
    rendered = render_numbered_html(version.body, document.conference.line_width)
    if isinstance(document, Catalogue) and version.id == document.current_version_id:
        labels = docs.demand_labels(document)

        def label(match: re.Match) -> str:
            text = labels.get(int(match.group(2)))
            if text is None:
                return match.group(0)
            padding = "&nbsp;" * max(1, 4 - len(text))
            return (
                f'{match.group(1)}<span class="marker demand-label">{escape(text)}{padding}</span>'
            )

        rendered = _DEMAND_MARKER.sub(label, rendered)
    return Markup(rendered)  # noqa: S704 - produced by the sanitising renderer above


def _markdown(text: str) -> Markup:
    return Markup(render_markdown(text or ""))  # noqa: S704 - sanitised by render_markdown


@dataclass
class AmendmentView:
    amendment: Amendment
    heading: str
    lines: str
    diffs: list[tuple[str, Markup]] = field(default_factory=list)
    collides_with: list[str] = field(default_factory=list)
    reasoning: Markup = Markup("")
    can_withdraw: bool = False
    can_admit: bool = False
    can_take_over: bool = False
    can_revise: bool = False

    @property
    def is_open(self) -> bool:
        return self.amendment.status in docs.OPEN_AMENDMENT_STATUSES


def _block_lines(version: Version, width: int) -> dict[int, str]:
    """Block index → its line range as text ("12–14")."""
    return {
        block.index: docs.format_ranges([(block.lines[0].number, block.lines[-1].number)])
        for block in number_lines(version.body, width)
        if block.lines
    }


def amendment_view(viewer: docs.Viewer, amendment: Amendment, collisions=None) -> AmendmentView:
    document = amendment.document
    width = document.conference.line_width
    base = amendment.base_version
    changes = docs.changes_of(amendment)
    lines = docs.format_ranges(docs.line_ranges(base, changes, width))
    heading = _(
        "%(amendment)s to %(document)s, line %(lines)s",
        amendment=amendment.number,
        document=document.number,
        lines=lines,
    )
    if isinstance(document, Catalogue) and base.id == document.current_version_id:
        labels = docs.demand_labels(document)
        touched = [labels[i] for i in sorted(changes) if i in labels]
        if touched:
            heading += " · " + _("demand %(labels)s", labels=", ".join(touched))
    sources = paragraphs(base.body)
    per_block = _block_lines(base, width)
    diffs = []
    for index, text in sorted(changes.items()):
        old = sources[index] if index < len(sources) else ""
        rendered = render_diff_html(old, text, ins_label=_("inserted:"), del_label=_("deleted:"))
        diffs.append(
            (_("Line %(lines)s", lines=per_block.get(index, "?")), Markup(rendered))  # noqa: S704
        )
    open_ = amendment.status in docs.OPEN_AMENDMENT_STATUSES
    amendable = document.status in docs.AMENDABLE_STATUSES
    return AmendmentView(
        amendment=amendment,
        heading=heading,
        lines=lines,
        diffs=diffs,
        collides_with=[other.number for other in (collisions or {}).get(amendment.id, [])],
        reasoning=_markdown(amendment.reasoning),
        can_withdraw=docs.may_withdraw_amendment(viewer, amendment),
        can_admit=viewer.is_moderator and amendment.status == "submitted",
        can_take_over=viewer.is_moderator
        and open_
        and amendment.status != "in_vote"
        and amendable
        and not amendment.needs_review
        and amendment.base_version_id == document.current_version_id,
        can_revise=docs.may_revise_amendment(viewer, amendment),
    )


def amendment_views(viewer: docs.Viewer, document: Document) -> list[AmendmentView]:
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


def _organisation_names(document: Document, role: str) -> list[str]:
    return [link.organisation.name for link in document.organisations if link.role == role]


def document_context(viewer: docs.Viewer, document: Document, lang: str | None) -> dict:
    """Everything the document page and its live fragment show."""
    conference = document.conference
    languages = conference.languages or ["de"]
    available = docs.translated_languages(document)
    translation = None
    if lang and lang != languages[0] and lang in available:
        translation = docs.latest_translation(document, lang)
    return {
        "conference": conference,
        "document": document,
        "version": document.current_version,
        "viewer": viewer,
        "text_html": numbered_html(document, document.current_version),
        "translation": translation,
        "translation_html": Markup(render_document(translation.body)) if translation else None,  # noqa: S704
        "outdated": translation is not None
        and translation.version_id != document.current_version_id,
        "original_language": languages[0],
        "available_languages": available,
        "lang": translation.language if translation else languages[0],
        "amendments": amendment_views(viewer, document),
        "submitters": _organisation_names(document, "submitter"),
        "cosigners": _organisation_names(document, "cosigner"),
        "reasoning_html": _markdown(document.reasoning),
        "demands": list(document.demands) if isinstance(document, Catalogue) else [],
        "can": {
            "edit": docs.may_edit(viewer, document),
            "amend": docs.may_amend(viewer, document),
            "submit": docs.may_submit(viewer, document),
            "admit": viewer.is_moderator and document.status == "submitted",
            "withdraw": docs.may_withdraw(viewer, document),
            "refer": viewer.is_moderator and document.status in ("submitted", "admitted"),
            "cosign": docs.may_cosign(viewer, document),
            "translate": viewer.is_admin and len(languages) > 1,
            "reorder": viewer.is_moderator,
        },
        "labels": _labels(),
    }


def _labels() -> dict:
    return {
        "document": docs.DOCUMENT_STATUS_LABELS,
        "amendment": docs.AMENDMENT_STATUS_LABELS,
        "demand": docs.DEMAND_STATUS_LABELS,
        "kind": docs.KIND_LABELS,
    }


def _document_of(conference_id: int, document_id: int) -> Document:
    return docs.get_document(_actor(), conference_id, document_id)


def _amendment_of(conference_id: int, document_id: int, amendment_id: int) -> Amendment:
    amendment = docs.get_amendment(_actor(), conference_id, amendment_id)
    if amendment.document_id != document_id:
        raise NotFound(_("This amendment does not exist or you may not read it."))
    return amendment


def _back_to(document: Document):
    return redirect(
        url_for("documents.show", conference_id=document.conference_id, document_id=document.id)
    )


# --- lists ------------------------------------------------------------------------------------


@bp.get(PREFIX + "/documents")
@access("observer")
def index(conference_id: int):
    conference = get_conference(conference_id)
    viewer = _viewer(conference_id)
    status = request.args.get("status") or None
    if status not in docs.DOCUMENT_STATUS_LABELS:
        status = None
    agenda_item_id = _optional_int(request.args.get("agenda_item"))
    organisation_id = _optional_int(request.args.get("organisation"))
    rows = docs.visible_documents(
        viewer,
        conference_id,
        status=status,
        agenda_item_id=agenda_item_id,
        organisation_id=organisation_id,
    )
    context = {
        "conference": conference,
        "viewer": viewer,
        "documents": rows,
        "amendment_counts": {
            d.id: sum(
                1
                for a in docs.visible_amendments(viewer, d)
                if a.status in docs.OPEN_AMENDMENT_STATUSES
            )
            for d in rows
        },
        "filters": {
            "status": status,
            "agenda_item": agenda_item_id,
            "organisation": organisation_id,
        },
        "organisations": docs.organisations_in_documents(conference_id),
        "labels": _labels(),
        "late": docs.is_late(conference),
    }
    if request.args.get("fragment"):
        return render_template("documents/_list.html", **context)
    return render_template("documents/index.html", **context)


@bp.get(PREFIX + "/documents/vote-order")
@access("observer")
def vote_order(conference_id: int):
    conference = get_conference(conference_id)
    viewer = _viewer(conference_id)
    context = {
        "conference": conference,
        "groups": docs.vote_order(viewer, conference_id),
        "labels": _labels(),
    }
    if request.args.get("fragment"):
        return render_template("documents/_vote_order.html", **context)
    return render_template("documents/vote_order.html", **context)


@bp.post(PREFIX + "/documents/deadline")
@access("admin")
def deadline(conference_id: int):
    conference = get_conference(conference_id)
    if request.form.get("clear"):
        moment = None
    else:
        raw = (request.form.get("deadline") or "").strip()
        try:
            local = datetime.fromisoformat(raw)
        except ValueError:
            raise Invalid(_("Enter the deadline as date and time.")) from None
        zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Berlin"))
        moment = local.replace(tzinfo=zone) if local.tzinfo is None else local
    docs.set_amendment_deadline(_actor(), conference.id, moment)
    flash(_("The amendment deadline is saved."), "success")
    return redirect(url_for(".index", conference_id=conference.id))


# --- creating and showing documents -----------------------------------------------------------


def _form_choices(conference_id: int) -> dict:
    conference = get_conference(conference_id)
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
    ).all()
    return {"conference": conference, "organisations": organisations}


@bp.route(PREFIX + "/documents/new", methods=["GET", "POST"])
@access("delegate")
def new(conference_id: int):
    viewer = _viewer(conference_id)
    error = None
    form = request.form
    if request.method == "POST":
        try:
            document = docs.create_document(
                _actor(),
                conference_id,
                kind=form.get("kind", ""),
                title=form.get("title", ""),
                body=form.get("body", ""),
                reasoning=form.get("reasoning", ""),
                number=form.get("number") or None,
                agenda_item_id=_optional_int(form.get("agenda_item")),
                organisation_ids=[
                    _int(v, _("Organisation")) for v in form.getlist("organisations")
                ],
                submitting_body=form.get("submitting_body", ""),
                submit=form.get("submit_now") == "1",
            )
        except DomainError as refused:
            error = refused
        else:
            flash(_("%(number)s is saved.", number=document.number), "success")
            return _back_to(document)
    status = _refused(error) if error else 200
    return (
        render_template(
            "documents/new.html",
            viewer=viewer,
            form=form,
            error=error,
            **_form_choices(conference_id),
        ),
        status,
    )


@bp.get(DOC)
@access("observer")
def show(conference_id: int, document_id: int):
    document = _document_of(conference_id, document_id)
    context = document_context(_viewer(conference_id), document, request.args.get("lang"))
    if request.args.get("fragment"):
        return render_template("documents/_document.html", **context)
    return render_template("documents/show.html", **context)


@bp.get(DOC + "/compare")
@access("observer")
def compare(conference_id: int, document_id: int):
    document = _document_of(conference_id, document_id)
    current = document.current_version.number
    new_number = _optional_int(request.args.get("to")) or current
    old_number = _optional_int(request.args.get("from")) or max(1, new_number - 1)
    old, new_version, entries = docs.compare(document, old_number, new_number)
    return render_template(
        "documents/compare.html",
        conference=document.conference,
        document=document,
        old=old,
        new=new_version,
        entries=[(entry, Markup(entry.html)) for entry in entries],  # noqa: S704 - sanitised diff
        changed=sum(1 for entry in entries if entry.status != "equal"),
    )


@bp.route(DOC + "/edit", methods=["GET", "POST"])
@access("delegate")
def edit(conference_id: int, document_id: int):
    document = _document_of(conference_id, document_id)
    viewer = _viewer(conference_id)
    if not docs.may_edit(viewer, document):
        if document.status not in ("draft", "submitted", "admitted"):
            raise Conflict(_("This text cannot be changed any more."))
        raise NotAllowed(_("You are not allowed to change this text."))
    error = None
    form = request.form
    if request.method == "POST":
        try:
            docs.edit_document(
                _actor(),
                conference_id,
                document.id,
                base_version_id=_int(form.get("base_version_id"), _("Version")),
                title=form.get("title", ""),
                body=form.get("body", ""),
                reasoning=form.get("reasoning", ""),
                agenda_item_id=_optional_int(form.get("agenda_item")) or 0,
                note=form.get("note", ""),
            )
        except DomainError as refused:
            error = refused
        else:
            flash(_("The text is saved."), "success")
            return _back_to(document)
    values = (
        form
        if request.method == "POST"
        else {
            "title": document.current_version.title,
            "body": document.current_version.body,
            "reasoning": document.reasoning,
            "agenda_item": document.agenda_item_id or "",
            "base_version_id": document.current_version_id,
        }
    )
    return (
        render_template(
            "documents/edit.html",
            conference=document.conference,
            document=document,
            values=values,
            error=error,
        ),
        _refused(error) if error else 200,
    )


STATUS_ACTIONS = ("submitted", "admitted", "withdrawn", "referred")


@bp.post(DOC + "/status")
@access("delegate")
def status(conference_id: int, document_id: int):
    wanted = request.form.get("to", "")
    if wanted not in STATUS_ACTIONS:
        raise Invalid(_("Choose what should happen to the document."))
    document = docs.set_document_status(_actor(), conference_id, document_id, wanted)
    flash(
        _(
            "%(number)s is now %(status)s.",
            number=document.number,
            status=docs.DOCUMENT_STATUS_LABELS[document.status],
        ),
        "success",
    )
    return _back_to(document)


@bp.post(DOC + "/cosign")
@access("delegate")
def cosign(conference_id: int, document_id: int):
    document = docs.cosign_document(
        _actor(), conference_id, document_id, _optional_int(request.form.get("organisation"))
    )
    flash(_("You co-signed %(number)s.", number=document.number), "success")
    return _back_to(document)


@bp.post(DOC + "/position")
@access("moderator")
def position(conference_id: int, document_id: int):
    document = docs.set_position(
        _actor(), conference_id, document_id, _int(request.form.get("position"), _("Position"))
    )
    flash(_("The voting order is saved."), "success")
    return _back_to(document)


@bp.route(DOC + "/translation", methods=["GET", "POST"])
@access("admin")
def translate(conference_id: int, document_id: int):
    document = _document_of(conference_id, document_id)
    languages = (document.conference.languages or ["de"])[1:]
    error = None
    form = request.form
    if request.method == "POST":
        try:
            docs.save_translation(
                _actor(),
                conference_id,
                document.id,
                language=form.get("language", ""),
                title=form.get("title", ""),
                body=form.get("body", ""),
                version_id=_int(form.get("version_id"), _("Version")),
            )
        except DomainError as refused:
            error = refused
        else:
            flash(_("The translation is saved."), "success")
            return redirect(
                url_for(
                    ".show",
                    conference_id=conference_id,
                    document_id=document.id,
                    lang=form.get("language"),
                )
            )
    language = (
        form.get("language") or request.args.get("language") or (languages[0] if languages else "")
    )
    existing = docs.latest_translation(document, language) if language else None
    values = (
        form
        if request.method == "POST"
        else {
            "language": language,
            "title": existing.title if existing else "",
            "body": existing.body if existing else "",
        }
    )
    return (
        render_template(
            "documents/translate.html",
            conference=document.conference,
            document=document,
            languages=languages,
            values=values,
            existing=existing,
            error=error,
        ),
        _refused(error) if error else 200,
    )


# --- amendments -------------------------------------------------------------------------------


@dataclass
class BlockField:
    index: int
    kind: str
    lines: str
    preview: str
    source: str
    value: str
    changed: bool
    label: str | None

    @property
    def rows(self) -> int:
        return min(14, max(3, len(self.value) // 36 + 2))


def _block_fields(document: Document, version: Version, posted: dict | None, start=None) -> list:
    width = document.conference.line_width
    sources = paragraphs(version.body)
    labels = docs.demand_labels(document) if version.id == document.current_version_id else {}
    fields = []
    for block in number_lines(version.body, width):
        source = sources[block.index]
        value = (
            posted.get(block.index, source)
            if posted is not None
            else ((start or {}).get(block.index, source))
        )
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


def _posted_changes() -> dict[int, str]:
    changes = {}
    for key, value in request.form.items():
        if key.startswith("block-") and key[6:].isdigit():
            changes[int(key[6:])] = value
    return changes


def _filing_organisations(viewer: docs.Viewer) -> list[Organisation]:
    if viewer.organisation_id is not None or not viewer.is_moderator:
        return []
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
        )
    )


@bp.route(DOC + "/amend", methods=["GET", "POST"])
@access("delegate")
def amend(conference_id: int, document_id: int):
    document = _document_of(conference_id, document_id)
    viewer = _viewer(conference_id)
    error = None
    posted = None
    if request.method == "POST":
        posted = _posted_changes()
        try:
            amendment = docs.file_amendment(
                _actor(),
                conference_id,
                document.id,
                base_version_id=_int(request.form.get("base_version_id"), _("Version")),
                changes=posted,
                reasoning=request.form.get("reasoning", ""),
                organisation_id=_optional_int(request.form.get("organisation")),
            )
        except DomainError as refused:
            error = refused
        else:
            if amendment.late:
                flash(
                    _(
                        "%(number)s is filed after the deadline; a moderator must admit it.",
                        number=amendment.number,
                    ),
                    "success",
                )
            else:
                flash(_("%(number)s is filed.", number=amendment.number), "success")
            return _back_to(document)
    elif document.status not in docs.AMENDABLE_STATUSES:
        raise Conflict(_("This document cannot be amended now."))
    base_id = _optional_int(request.form.get("base_version_id")) or document.current_version_id
    base = document.current_version
    stale = base_id != base.id
    start = _optional_int(request.args.get("block"))
    organisation = (
        db.session.get(Organisation, viewer.organisation_id) if viewer.organisation_id else None
    )
    return (
        render_template(
            "documents/amend.html",
            conference=document.conference,
            document=document,
            version=base,
            fields=_block_fields(document, base, None if stale else posted),
            open_block=start,
            stale=stale,
            reasoning=request.form.get("reasoning", ""),
            organisation=organisation,
            organisations=_filing_organisations(viewer),
            error=error,
            late=docs.is_late(document.conference),
            action=url_for(".amend", conference_id=conference_id, document_id=document.id),
            title=_("Amendment to %(number)s", number=document.number),
        ),
        _refused(error) if error else 200,
    )


@bp.get(AMENDMENT)
@access("observer")
def amendment(conference_id: int, document_id: int, amendment_id: int):
    amendment = _amendment_of(conference_id, document_id, amendment_id)
    viewer = _viewer(conference_id)
    visible = docs.visible_amendments(viewer, amendment.document)
    return render_template(
        "documents/amendment.html",
        conference=amendment.document.conference,
        document=amendment.document,
        view=amendment_view(viewer, amendment, docs.amendment_collisions(visible)),
        labels=_labels(),
    )


@bp.route(AMENDMENT + "/revise", methods=["GET", "POST"])
@access("delegate")
def revise(conference_id: int, document_id: int, amendment_id: int):
    amendment = _amendment_of(conference_id, document_id, amendment_id)
    document = amendment.document
    viewer = _viewer(conference_id)
    if not amendment.needs_review:
        raise Conflict(_("This amendment fits the current text; it needs no revision."))
    error = None
    posted = None
    if request.method == "POST":
        posted = _posted_changes()
        try:
            docs.revise_amendment(
                _actor(),
                conference_id,
                amendment.id,
                base_version_id=_int(request.form.get("base_version_id"), _("Version")),
                changes=posted,
                reasoning=request.form.get("reasoning", ""),
            )
        except DomainError as refused:
            error = refused
        else:
            flash(_("%(number)s is revised.", number=amendment.number), "success")
            return _back_to(document)
    base = document.current_version
    stale = (_optional_int(request.form.get("base_version_id")) or base.id) != base.id
    # Start from the amendment's own wording where its blocks are still there unchanged.
    start = {}
    old_sources = paragraphs(amendment.base_version.body)
    new_sources = paragraphs(base.body)
    for index, text in docs.changes_of(amendment).items():
        if index < len(old_sources) and old_sources[index] in new_sources:
            start[new_sources.index(old_sources[index])] = text
    return (
        render_template(
            "documents/amend.html",
            conference=document.conference,
            document=document,
            version=base,
            fields=_block_fields(document, base, None if stale else posted, start),
            open_block=None,
            stale=stale,
            reasoning=request.form.get("reasoning", amendment.reasoning),
            organisation=amendment.organisation,
            organisations=[],
            error=error,
            late=False,
            action=url_for(
                ".revise",
                conference_id=conference_id,
                document_id=document.id,
                amendment_id=amendment.id,
            ),
            title=_("Revise %(number)s", number=amendment.number),
            revising=amendment_view(viewer, amendment),
        ),
        _refused(error) if error else 200,
    )


@bp.post(AMENDMENT + "/withdraw")
@access("delegate")
def withdraw_amendment(conference_id: int, document_id: int, amendment_id: int):
    amendment = _amendment_of(conference_id, document_id, amendment_id)
    docs.withdraw_amendment(_actor(), conference_id, amendment.id)
    flash(_("%(number)s is withdrawn.", number=amendment.number), "success")
    return _back_to(amendment.document)


@bp.post(AMENDMENT + "/admit")
@access("moderator")
def admit_amendment(conference_id: int, document_id: int, amendment_id: int):
    amendment = _amendment_of(conference_id, document_id, amendment_id)
    docs.admit_amendment(_actor(), conference_id, amendment.id)
    flash(_("%(number)s is admitted.", number=amendment.number), "success")
    return _back_to(amendment.document)


@bp.post(AMENDMENT + "/take-over")
@access("moderator")
def take_over(conference_id: int, document_id: int, amendment_id: int):
    amendment = _amendment_of(conference_id, document_id, amendment_id)
    version = docs.take_over_amendment(_actor(), conference_id, amendment.id)
    flash(
        _(
            "%(number)s is taken over; the text is now version %(n)d.",
            number=amendment.number,
            n=version.number,
        ),
        "success",
    )
    return _back_to(amendment.document)


# --- working groups ---------------------------------------------------------------------------


@bp.get(PREFIX + "/groups")
@access("observer")
def group_list(conference_id: int):
    conference = get_conference(conference_id)
    return render_template(
        "documents/groups.html",
        conference=conference,
        groups=groups.groups_of(conference_id),
        viewer=_viewer(conference_id),
    )


@bp.post(PREFIX + "/groups")
@access("moderator")
def group_create(conference_id: int):
    group = groups.create_working_group(
        _actor(),
        conference_id,
        name=request.form.get("name", ""),
        description=request.form.get("description", ""),
    )
    flash(_("The working group is created."), "success")
    return redirect(url_for(".group", conference_id=conference_id, group_id=group.id))


@bp.get(GROUP)
@access("observer")
def group(conference_id: int, group_id: int):
    conference = get_conference(conference_id)
    group = groups.get_group(conference_id, group_id)
    viewer = _viewer(conference_id)
    draft = groups.draft_of(group)
    readable = draft is not None and docs.may_read(viewer, draft)
    handed = [d for d in group.documents if d is not draft and docs.may_read(viewer, d)]
    accreditations = []
    if viewer.is_moderator:
        members = {m.accreditation_id for m in group.members}
        accreditations = [
            a
            for a in db.session.scalars(
                select(Accreditation)
                .join(Person)
                .where(Accreditation.conference_id == conference_id)
                .order_by(Person.display_name)
            )
            if a.id not in members
        ]
    sections = []
    if readable:
        sections = [
            docs.section_title(block.text)
            for block in split_blocks(draft.current_version.body)
            if block.kind == "heading"
        ]
    return render_template(
        "documents/group.html",
        conference=conference,
        group=group,
        viewer=viewer,
        draft=draft if readable else None,
        draft_html=numbered_html(draft, draft.current_version) if readable else None,
        handed=handed,
        sections=sections,
        description=_markdown(group.description),
        may_collect=groups.may_collect(viewer, group),
        accreditations=accreditations,
        agenda=conference.agenda_items,
        labels=_labels(),
    )


@bp.post(GROUP + "/members")
@access("moderator")
def group_member(conference_id: int, group_id: int):
    groups.add_member(
        _actor(), conference_id, group_id, _int(request.form.get("accreditation"), _("Person"))
    )
    flash(_("The participant is added."), "success")
    return redirect(url_for(".group", conference_id=conference_id, group_id=group_id))


@bp.post(GROUP + "/demands")
@access("delegate")
def group_demand(conference_id: int, group_id: int):
    section = request.form.get("new_section") or request.form.get("section", "")
    demand = groups.add_demand(
        _actor(), conference_id, group_id, section=section, text=request.form.get("text", "")
    )
    flash(_("Demand %(label)s is added.", label=demand.label if demand else ""), "success")
    return redirect(url_for(".group", conference_id=conference_id, group_id=group_id))


@bp.post(GROUP + "/hand-over")
@access("moderator")
def group_hand_over(conference_id: int, group_id: int):
    catalogue = groups.hand_over(
        _actor(),
        conference_id,
        group_id,
        number=request.form.get("number") or None,
        agenda_item_id=_optional_int(request.form.get("agenda_item")),
    )
    flash(_("%(number)s is handed to the plenary.", number=catalogue.number), "success")
    return _back_to(catalogue)
