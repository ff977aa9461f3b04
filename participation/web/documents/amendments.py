"""Amendment routes: filing one, reading it, revising it after the text changed, and what
happens to it next (withdrawn, admitted, taken over into the text)."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _

from participation.exports.archive import current_version
from participation.extensions import db, signed_in
from participation.models import Organisation
from participation.services import documents as docs
from participation.services.errors import Conflict, DomainError
from participation.web import presenters
from participation.web.access import access
from participation.web.documents.blueprint import AMENDMENT, DOC, bp
from participation.web.documents.common import (
    active_organisations,
    amendment_of,
    as_int,
    back_to,
    document_of,
    optional_int,
    refusal_status,
    viewer_in,
)


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


def _preview(document):
    """The posted changes, their diff as it would be filed, and why it cannot be, if so.

    Nothing is stored; a form opened on an older version shows no preview, only the form.
    """
    if document.status not in docs.AMENDABLE_STATUSES:
        raise Conflict(_("This document cannot be amended now."))
    posted = _posted_changes()
    base = current_version(document)
    preview = error = None
    if optional_int(request.form.get("base_version_id")) == base.id:
        try:
            preview = presenters.preview_diffs(document, base, posted)
        except DomainError as refused:
            error = refused
    return posted, preview, error


@bp.route(DOC + "/amend", methods=["GET", "POST"])
@access("delegate")
def amend(conference_id: int, document_id: int):
    document = document_of(conference_id, document_id)
    viewer = viewer_in(conference_id)
    error = None
    posted = None
    preview = None
    if request.method == "POST" and request.form.get("preview"):
        posted, preview, error = _preview(document)
    elif request.method == "POST":
        posted = _posted_changes()
        try:
            amendment = docs.file_amendment(
                signed_in(),
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
            preview=preview,
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
    preview = None
    if request.method == "POST" and request.form.get("preview"):
        posted, preview, error = _preview(document)
    elif request.method == "POST":
        posted = _posted_changes()
        try:
            docs.revise_amendment(
                signed_in(),
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
            preview=preview,
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
    docs.withdraw_amendment(signed_in(), conference_id, amendment.id)
    flash(_("%(number)s is withdrawn.", number=amendment.number), "success")
    return back_to(amendment.document)


@bp.post(AMENDMENT + "/admit")
@access("moderator")
def admit_amendment(conference_id: int, document_id: int, amendment_id: int):
    amendment = amendment_of(conference_id, document_id, amendment_id)
    docs.admit_amendment(signed_in(), conference_id, amendment.id)
    flash(_("%(number)s is admitted.", number=amendment.number), "success")
    return back_to(amendment.document)


@bp.post(AMENDMENT + "/take-over")
@access("moderator")
def take_over(conference_id: int, document_id: int, amendment_id: int):
    amendment = amendment_of(conference_id, document_id, amendment_id)
    version = docs.take_over_amendment(signed_in(), conference_id, amendment.id)
    flash(
        _(
            "%(number)s is taken over; the text is now version %(n)d.",
            number=amendment.number,
            n=version.number,
        ),
        "success",
    )
    return back_to(amendment.document)
