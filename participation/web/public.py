"""Pages anyone can read."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from participation.extensions import db
from participation.models import Conference, Network
from participation.services.conferences import get_conference
from participation.web.access import access

bp = Blueprint("public", __name__)


@bp.get("/")
@access("public")
def home():
    conferences = db.session.scalars(
        select(Conference).order_by(Conference.number.desc(), Conference.id.desc())
    ).all()
    return render_template(
        "public/home.html", network=db.session.get(Network, 1), conferences=conferences
    )


@bp.get("/c/<int:conference_id>")
@access("public")
def conference(conference_id: int):
    return render_template("public/conference.html", conference=get_conference(conference_id))
