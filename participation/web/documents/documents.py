"""Document routes: the lists, the voting order, the deadline, and one document's life from
its creation through editing to its status, co-signatures and place in the voting order."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from participation.exports.archive import current_version
from participation.extensions import signed_in
from participation.models import Document
from participation.services import documents as docs
from participation.services.conferences import get_conference
from participation.services.errors import Conflict, DomainError, Invalid, NotAllowed
from participation.web import presenters
from participation.web.access import access
from participation.web.documents.blueprint import DOC, PREFIX, bp
from participation.web.documents.common import (
    active_organisations,
    as_int,
    back_to,
    document_of,
    optional_int,
    refusal_status,
    viewer_in,
)

STATUS_ACTIONS = ("submitted", "admitted", "withdrawn", "referred")


# --- lists ------------------------------------------------------------------------------------


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
    docs.set_amendment_deadline(signed_in(), conference.id, moment)
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


# --- creating and showing documents -----------------------------------------------------------


@bp.route(PREFIX + "/documents/new", methods=["GET", "POST"])
@access("delegate")
def new(conference_id: int):
    viewer = viewer_in(conference_id)
    error = None
    form = request.form
    if request.method == "POST":
        try:
            document = docs.create_document(
                signed_in(),
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
                signed_in(),
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


def _edit_values(document: Document) -> dict:
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
    document = docs.set_document_status(signed_in(), conference_id, document_id, wanted)
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
        signed_in(), conference_id, document_id, optional_int(request.form.get("organisation"))
    )
    flash(_("You co-signed %(number)s.", number=document.number), "success")
    return back_to(document)


@bp.post(DOC + "/cosign/withdraw")
@access("delegate")
def withdraw_cosignature(conference_id: int, document_id: int):
    document = docs.withdraw_cosignature(
        signed_in(), conference_id, document_id, optional_int(request.form.get("organisation"))
    )
    flash(_("Your organisation no longer co-signs %(number)s.", number=document.number), "success")
    return back_to(document)


@bp.post(DOC + "/position")
@access("moderator")
def position(conference_id: int, document_id: int):
    document = docs.set_position(
        signed_in(), conference_id, document_id, as_int(request.form.get("position"), _("Position"))
    )
    flash(_("The voting order is saved."), "success")
    return back_to(document)
