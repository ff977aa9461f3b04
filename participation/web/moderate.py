"""The moderators' console: one laptop screen to run the conference day."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from participation.extensions import db
from participation.models import Accreditation, Document, Person
from participation.services import conferences as conference_service
from participation.services import documents as document_service
from participation.services.errors import NotFound
from participation.services.room import PLENARY_STATUSES
from participation.text import render_numbered_html
from participation.web.access import access

bp = Blueprint("moderate", __name__)


def console_labels() -> dict:
    """Texts the console's script shows, translated on the server."""
    return {
        "online": _("Live"),
        "offline": _("Offline – reconnecting …"),
        "set_current": _("Call up"),
        "current": _("current"),
        "nobody_speaks": _("Nobody is speaking."),
        "nobody_waits": _("Nobody is waiting."),
        "start": _("Give the floor"),
        "remove": _("Remove"),
        "up": _("Move up"),
        "down": _("Move down"),
        "point_of_order": _("Point of order"),
        "priority": _("priority"),
        "list_closed": _("The list is closed."),
        "no_item": _("No agenda item is called up."),
        "error": _("That did not work:"),
    }


@bp.get("/c/<int:conference_id>/console")
@access("moderator")
def console(conference_id: int):
    conference = conference_service.get_conference(conference_id)
    people = db.session.scalars(
        select(Accreditation)
        .join(Person)
        .where(Accreditation.conference_id == conference.id, Accreditation.role != "observer")
        .order_by(Person.display_name)
    ).all()
    documents = db.session.scalars(
        select(Document)
        .where(Document.conference_id == conference.id)
        .order_by(Document.position, Document.number)
    ).all()
    return render_template(
        "moderate/console.html",
        conference=conference,
        people=people,
        documents=documents,
        presence=conference_service.presence(conference.id),
        labels=console_labels(),
    )


@bp.get("/c/<int:conference_id>/projector/documents/<int:document_id>")
@access("observer")
def projector_document(conference_id: int, document_id: int):
    """The line-numbered text the projector shows; only texts before the plenary."""
    document = document_service.get_document(current_user, conference_id, document_id)
    if document.status not in PLENARY_STATUSES or document.current_version is None:
        raise NotFound(_("This text is not before the plenary."))
    return render_template(
        "moderate/projector_document.html",
        document=document,
        numbered=render_numbered_html(
            document.current_version.body, document.conference.line_width
        ),
    )
