"""Document pages: lists, the voting order, a document with its amendments, the amendment
form, versions, translations and working groups."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from participation.exports.archive import current_version
from participation.extensions import db
from participation.models import Amendment, Document, Organisation, Translation
from participation.services import documents as docs
from participation.services import working_groups as groups
from participation.services.authz import Principal
from participation.services.conferences import get_conference
from participation.services.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from participation.web import presenters
from participation.web.access import access
from participation.web.template_helpers import LANGUAGE_NAMES

bp = Blueprint("documents", __name__)


@bp.context_processor
def _template_globals() -> dict:
    return {
        "language_name": lambda code: LANGUAGE_NAMES.get(code, code),
        "labels": presenters.status_labels(),
        "format_datetime": format_datetime,
        "submitter_names": presenters.submitter_names,
    }


PREFIX = "/c/<int:conference_id>"
DOC = PREFIX + "/documents/<int:document_id>"
AMENDMENT = DOC + "/amendments/<int:amendment_id>"
GROUP = PREFIX + "/groups/<int:group_id>"


# --- helpers -----------------------------------------------------------------------------------


def actor() -> Principal:
    """The signed-in principal; the documents service reads roles from it."""
    return current_user._get_current_object()


def viewer_in(conference_id: int) -> docs.Viewer:
    return docs.viewer_for(actor(), conference_id)


def _number(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def as_int(value: str | None, label: str) -> int:
    """A required number from a form; Invalid names the field."""
    number = _number(value)
    if number is None:
        raise Invalid(_("%(field)s is missing or not a number.", field=label))
    return number


def optional_int(value: str | None) -> int | None:
    """A number from a form or query; None for nothing, zero or garbage."""
    return _number(value) or None


def refusal_status(error: DomainError) -> int:
    """Status of a re-rendered form that a service refused."""
    return error.status if error.status >= 400 else 422


def document_of(conference_id: int, document_id: int) -> Document:
    return docs.get_document(actor(), conference_id, document_id)


def amendment_of(conference_id: int, document_id: int, amendment_id: int) -> Amendment:
    amendment = docs.get_amendment(actor(), conference_id, amendment_id)
    if amendment.document_id != document_id:
        raise NotFound(_("This amendment does not exist or you may not read it."))
    return amendment


def back_to(document: Document) -> Response:
    return redirect(
        url_for("documents.show", conference_id=document.conference_id, document_id=document.id)
    )


def active_organisations() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
        )
    )


STATUS_ACTIONS = ("submitted", "admitted", "withdrawn", "referred")


# --- lists -------------------------------------------------------------------------------------


@bp.get(PREFIX + "/documents")
@access("observer")
def index(conference_id: int):
    conference = get_conference(conference_id)
    viewer = viewer_in(conference_id)
    status = request.args.get("status") or None
    if status not in docs.DOCUMENT_STATUS_LABELS:
        status = None
    agenda_item_id = optional_int(request.args.get("agenda_item"))
    organisation_id = optional_int(request.args.get("organisation"))
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
        "amendment_counts": presenters.open_amendment_counts(viewer, rows),
        "filters": {
            "status": status,
            "agenda_item": agenda_item_id,
            "organisation": organisation_id,
        },
        "organisations": docs.organisations_in_documents(conference_id),
        "labels": presenters.status_labels(),
        "late": docs.is_late(conference),
    }
    if request.args.get("fragment"):
        return render_template("documents/_list.html", **context)
    return render_template("documents/index.html", **context)


@bp.get(PREFIX + "/documents/vote-order")
@access("observer")
def vote_order(conference_id: int):
    conference = get_conference(conference_id)
    viewer = viewer_in(conference_id)
    context = {
        "conference": conference,
        "groups": docs.vote_order(viewer, conference_id),
        "labels": presenters.status_labels(),
    }
    if request.args.get("fragment"):
        return render_template("documents/_vote_order.html", **context)
    return render_template("documents/vote_order.html", **context)


@bp.post(PREFIX + "/documents/deadline")
@access("admin")
def deadline(conference_id: int):
    conference = get_conference(conference_id)
    moment = None if request.form.get("clear") else _deadline(request.form.get("deadline"))
    docs.set_amendment_deadline(actor(), conference.id, moment)
    flash(_("The amendment deadline is saved."), "success")
    return redirect(url_for(".index", conference_id=conference.id))


def _deadline(raw: str | None) -> datetime:
    """The form's local date and time, in the conference's time zone unless it names one."""
    try:
        local = datetime.fromisoformat((raw or "").strip())
    except ValueError:
        raise Invalid(_("Enter the deadline as date and time.")) from None
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Berlin"))
    return local.replace(tzinfo=zone) if local.tzinfo is None else local


# --- creating and showing documents ------------------------------------------------------------


@bp.route(PREFIX + "/documents/new", methods=["GET", "POST"])
@access("delegate")
def new(conference_id: int):
    viewer = viewer_in(conference_id)
    error = None
    form = request.form
    if request.method == "POST":
        try:
            document = docs.create_document(
                actor(),
                conference_id,
                kind=form.get("kind", ""),
                title=form.get("title", ""),
                body=form.get("body", ""),
                reasoning=form.get("reasoning", ""),
                number=form.get("number") or None,
                agenda_item_id=optional_int(form.get("agenda_item")),
                organisation_ids=[
                    as_int(v, _("Organisation")) for v in form.getlist("organisations")
                ],
                submitting_body=form.get("submitting_body", ""),
                submit=form.get("submit_now") == "1",
            )
        except DomainError as refused:
            error = refused
        else:
            flash(_("%(number)s is saved.", number=document.number), "success")
            return back_to(document)
    return (
        render_template(
            "documents/new.html",
            viewer=viewer,
            form=form,
            error=error,
            conference=get_conference(conference_id),
            organisations=active_organisations(),
        ),
        refusal_status(error) if error else 200,
    )


@bp.get(DOC)
@access("observer")
def show(conference_id: int, document_id: int):
    document = document_of(conference_id, document_id)
    context = presenters.document_context(
        viewer_in(conference_id), document, request.args.get("lang")
    )
    if request.args.get("fragment"):
        return render_template("documents/_document.html", **context)
    return render_template("documents/show.html", **context)


@bp.get(DOC + "/compare")
@access("observer")
def compare(conference_id: int, document_id: int):
    document = document_of(conference_id, document_id)
    current = current_version(document).number
    new_number = optional_int(request.args.get("to")) or current
    old_number = optional_int(request.args.get("from")) or max(1, new_number - 1)
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
    document = document_of(conference_id, document_id)
    if not docs.may_edit(viewer_in(conference_id), document):
        if document.status not in ("draft", "submitted", "admitted"):
            raise Conflict(_("This text cannot be changed any more."))
        raise NotAllowed(_("You are not allowed to change this text."))
    error = None
    form = request.form
    if request.method == "POST":
        try:
            docs.edit_document(
                actor(),
                conference_id,
                document.id,
                base_version_id=as_int(form.get("base_version_id"), _("Version")),
                title=form.get("title", ""),
                body=form.get("body", ""),
                reasoning=form.get("reasoning", ""),
                agenda_item_id=optional_int(form.get("agenda_item")) or 0,
                note=form.get("note", ""),
            )
        except DomainError as refused:
            error = refused
        else:
            flash(_("The text is saved."), "success")
            return back_to(document)
    return (
        render_template(
            "documents/edit.html",
            conference=document.conference,
            document=document,
            values=form if request.method == "POST" else _edit_values(document),
            error=error,
        ),
        refusal_status(error) if error else 200,
    )


def _edit_values(document) -> dict:
    """The edit form as it opens: the current text."""
    version = current_version(document)
    return {
        "title": version.title,
        "body": version.body,
        "reasoning": document.reasoning,
        "agenda_item": document.agenda_item_id or "",
        "base_version_id": document.current_version_id,
    }


@bp.post(DOC + "/status")
@access("delegate")
def status(conference_id: int, document_id: int):
    wanted = request.form.get("to", "")
    if wanted not in STATUS_ACTIONS:
        raise Invalid(_("Choose what should happen to the document."))
    document = docs.set_document_status(actor(), conference_id, document_id, wanted)
    flash(
        _(
            "%(number)s is now %(status)s.",
            number=document.number,
            status=docs.DOCUMENT_STATUS_LABELS[document.status],
        ),
        "success",
    )
    return back_to(document)


@bp.post(DOC + "/cosign")
@access("delegate")
def cosign(conference_id: int, document_id: int):
    document = docs.cosign_document(
        actor(), conference_id, document_id, optional_int(request.form.get("organisation"))
    )
    flash(_("You co-signed %(number)s.", number=document.number), "success")
    return back_to(document)


@bp.post(DOC + "/position")
@access("moderator")
def position(conference_id: int, document_id: int):
    document = docs.set_position(
        actor(), conference_id, document_id, as_int(request.form.get("position"), _("Position"))
    )
    flash(_("The voting order is saved."), "success")
    return back_to(document)


# --- translations ------------------------------------------------------------------------------


@bp.route(DOC + "/translation", methods=["GET", "POST"])
@access("admin")
def translate(conference_id: int, document_id: int):
    document = document_of(conference_id, document_id)
    languages = (document.conference.languages or ["de"])[1:]
    error = None
    form = request.form
    if request.method == "POST":
        try:
            docs.save_translation(
                actor(),
                conference_id,
                document.id,
                language=form.get("language", ""),
                title=form.get("title", ""),
                body=form.get("body", ""),
                version_id=as_int(form.get("version_id"), _("Version")),
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
    return (
        render_template(
            "documents/translate.html",
            conference=document.conference,
            document=document,
            languages=languages,
            values=form if request.method == "POST" else _opening_values(language, existing),
            existing=existing,
            error=error,
        ),
        refusal_status(error) if error else 200,
    )


def _opening_values(language: str, existing: Translation | None) -> dict[str, str]:
    """The form as it opens: the latest translation into the language, if there is one."""
    return {
        "language": language,
        "title": existing.title if existing else "",
        "body": existing.body if existing else "",
    }


# --- amendments --------------------------------------------------------------------------------


def _posted_changes() -> dict[int, str]:
    """The boxes of the amendment form: block index → its new text."""
    changes = {}
    for key, value in request.form.items():
        if key.startswith("block-") and key[6:].isdigit():
            changes[int(key[6:])] = value
    return changes


def _filing_organisations(viewer: docs.Viewer) -> list[Organisation]:
    """Whom a moderator without an organisation may file for; nobody for everyone else."""
    if viewer.organisation_id is not None or not viewer.is_moderator:
        return []
    return active_organisations()


@bp.route(DOC + "/amend", methods=["GET", "POST"])
@access("delegate")
def amend(conference_id: int, document_id: int):
    document = document_of(conference_id, document_id)
    viewer = viewer_in(conference_id)
    error = None
    posted = None
    if request.method == "POST":
        posted = _posted_changes()
        try:
            amendment = docs.file_amendment(
                actor(),
                conference_id,
                document.id,
                base_version_id=as_int(request.form.get("base_version_id"), _("Version")),
                changes=posted,
                reasoning=request.form.get("reasoning", ""),
                organisation_id=optional_int(request.form.get("organisation")),
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
            return back_to(document)
    elif document.status not in docs.AMENDABLE_STATUSES:
        raise Conflict(_("This document cannot be amended now."))
    base = current_version(document)
    stale = (optional_int(request.form.get("base_version_id")) or base.id) != base.id
    organisation = (
        db.session.get(Organisation, viewer.organisation_id) if viewer.organisation_id else None
    )
    return (
        render_template(
            "documents/amend.html",
            conference=document.conference,
            document=document,
            version=base,
            fields=presenters.block_fields(document, base, None if stale else posted),
            open_block=optional_int(request.args.get("block")),
            stale=stale,
            reasoning=request.form.get("reasoning", ""),
            organisation=organisation,
            organisations=_filing_organisations(viewer),
            error=error,
            late=docs.is_late(document.conference),
            action=url_for(".amend", conference_id=conference_id, document_id=document.id),
            title=_("Amendment to %(number)s", number=document.number),
        ),
        refusal_status(error) if error else 200,
    )


@bp.get(AMENDMENT)
@access("observer")
def amendment(conference_id: int, document_id: int, amendment_id: int):
    amendment = amendment_of(conference_id, document_id, amendment_id)
    viewer = viewer_in(conference_id)
    visible = docs.visible_amendments(viewer, amendment.document)
    return render_template(
        "documents/amendment.html",
        conference=amendment.document.conference,
        document=amendment.document,
        view=presenters.amendment_view(viewer, amendment, docs.amendment_collisions(visible)),
        labels=presenters.status_labels(),
    )


@bp.route(AMENDMENT + "/revise", methods=["GET", "POST"])
@access("delegate")
def revise(conference_id: int, document_id: int, amendment_id: int):
    amendment = amendment_of(conference_id, document_id, amendment_id)
    document = amendment.document
    viewer = viewer_in(conference_id)
    if not amendment.needs_review:
        raise Conflict(_("This amendment fits the current text; it needs no revision."))
    error = None
    posted = None
    if request.method == "POST":
        posted = _posted_changes()
        try:
            docs.revise_amendment(
                actor(),
                conference_id,
                amendment.id,
                base_version_id=as_int(request.form.get("base_version_id"), _("Version")),
                changes=posted,
                reasoning=request.form.get("reasoning", ""),
            )
        except DomainError as refused:
            error = refused
        else:
            flash(_("%(number)s is revised.", number=amendment.number), "success")
            return back_to(document)
    base = current_version(document)
    stale = (optional_int(request.form.get("base_version_id")) or base.id) != base.id
    start = presenters.revision_start(amendment, base)
    return (
        render_template(
            "documents/amend.html",
            conference=document.conference,
            document=document,
            version=base,
            fields=presenters.block_fields(document, base, None if stale else posted, start),
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
            revising=presenters.amendment_view(viewer, amendment),
        ),
        refusal_status(error) if error else 200,
    )


@bp.post(AMENDMENT + "/withdraw")
@access("delegate")
def withdraw_amendment(conference_id: int, document_id: int, amendment_id: int):
    amendment = amendment_of(conference_id, document_id, amendment_id)
    docs.withdraw_amendment(actor(), conference_id, amendment.id)
    flash(_("%(number)s is withdrawn.", number=amendment.number), "success")
    return back_to(amendment.document)


@bp.post(AMENDMENT + "/admit")
@access("moderator")
def admit_amendment(conference_id: int, document_id: int, amendment_id: int):
    amendment = amendment_of(conference_id, document_id, amendment_id)
    docs.admit_amendment(actor(), conference_id, amendment.id)
    flash(_("%(number)s is admitted.", number=amendment.number), "success")
    return back_to(amendment.document)


@bp.post(AMENDMENT + "/take-over")
@access("moderator")
def take_over(conference_id: int, document_id: int, amendment_id: int):
    amendment = amendment_of(conference_id, document_id, amendment_id)
    version = docs.take_over_amendment(actor(), conference_id, amendment.id)
    flash(
        _(
            "%(number)s is taken over; the text is now version %(n)d.",
            number=amendment.number,
            n=version.number,
        ),
        "success",
    )
    return back_to(amendment.document)


# --- working groups ----------------------------------------------------------------------------


@bp.get(PREFIX + "/groups")
@access("observer")
def group_list(conference_id: int):
    conference = get_conference(conference_id)
    return render_template(
        "documents/groups.html",
        conference=conference,
        groups=groups.groups_of(conference_id),
        viewer=viewer_in(conference_id),
    )


@bp.post(PREFIX + "/groups")
@access("moderator")
def group_create(conference_id: int):
    group = groups.create_working_group(
        actor(),
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
    viewer = viewer_in(conference_id)
    return render_template(
        "documents/group.html",
        conference=conference,
        group=group,
        viewer=viewer,
        agenda=conference.agenda_items,
        labels=presenters.status_labels(),
        **presenters.group_context(viewer, group),
    )


@bp.post(GROUP + "/members")
@access("moderator")
def group_member(conference_id: int, group_id: int):
    groups.add_member(
        actor(), conference_id, group_id, as_int(request.form.get("accreditation"), _("Person"))
    )
    flash(_("The participant is added."), "success")
    return redirect(url_for(".group", conference_id=conference_id, group_id=group_id))


@bp.post(GROUP + "/demands")
@access("delegate")
def group_demand(conference_id: int, group_id: int):
    section = request.form.get("new_section") or request.form.get("section", "")
    demand = groups.add_demand(
        actor(), conference_id, group_id, section=section, text=request.form.get("text", "")
    )
    flash(_("Demand %(label)s is added.", label=demand.label if demand else ""), "success")
    return redirect(url_for(".group", conference_id=conference_id, group_id=group_id))


@bp.post(GROUP + "/hand-over")
@access("moderator")
def group_hand_over(conference_id: int, group_id: int):
    catalogue = groups.hand_over(
        actor(),
        conference_id,
        group_id,
        number=request.form.get("number") or None,
        agenda_item_id=optional_int(request.form.get("agenda_item")),
    )
    flash(_("%(number)s is handed to the plenary.", number=catalogue.number), "success")
    return back_to(catalogue)
