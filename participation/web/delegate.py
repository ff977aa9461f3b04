"""The live conference view on a delegate's (or observer's) phone."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from participation.services import conferences as conference_service
from participation.services import room as room_service
from participation.services import trustees, voting
from participation.web import ballot_subject
from participation.web.access import access

bp = Blueprint("delegate", __name__)


@bp.get("/c/<int:conference_id>/live")
@access("observer")
def live(conference_id: int):
    conference = conference_service.get_conference(conference_id)
    return render_template(
        "delegate/live.html",
        conference=conference,
        # Shown before the script connects, and to a phone without JavaScript.
        current_item=room_service.current_item(room_service.room_state(conference.id)),
        accreditation=current_user.accreditation(conference_id),
        alternation=room_service.alternation(conference),
        room_labels=room_labels(),
        trustee=trustees.is_trustee(current_user.person.id, conference.id),
    )


def room_labels() -> dict:
    """Texts the phone's script shows, translated on the server."""
    return {
        "no_item": _("No agenda item is called up."),
        "speaking": _("Speaking:"),
        "waiting": _("{n} waiting to speak"),
        "your_place": _("You are number {n} on the list."),
        "closed": _("The speakers list is closed."),
        "point_of_order": _("Point of order"),
    }


@bp.get("/c/<int:conference_id>/polls/<int:poll_id>/subject")
@access("observer")
def poll_subject(conference_id: int, poll_id: int):
    """What a poll decides, for the ballot card to fold in (fetched once per poll).

    A draft is nobody's business on a phone; an opened poll's subject is the conference's.
    """
    poll = voting.get_poll(poll_id, conference_id)
    if poll.state == "draft":
        abort(404)
    html, tag = ballot_subject.drawn(poll)
    response = make_response(html)
    response.set_etag(tag)
    # Each reader's copy may be kept, but asked after again: a translation may be added.
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)
