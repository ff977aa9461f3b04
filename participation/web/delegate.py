"""The live conference view on a delegate's (or observer's) phone."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from participation.services import conferences as conference_service
from participation.web.access import access

bp = Blueprint("delegate", __name__)


@bp.get("/c/<int:conference_id>/live")
@access("observer")
def live(conference_id: int):
    conference = conference_service.get_conference(conference_id)
    return render_template(
        "delegate/live.html",
        conference=conference,
        accreditation=current_user.accreditation(conference_id),
    )
