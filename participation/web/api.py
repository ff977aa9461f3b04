"""The JSON API under /api/v1."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import select

from participation.extensions import db
from participation.models import Conference
from participation.web.access import access

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def conference_json(conference: Conference) -> dict:
    return {
        "id": conference.id,
        "title": conference.title,
        "number": conference.number,
        "starts_on": conference.starts_on.isoformat() if conference.starts_on else None,
        "ends_on": conference.ends_on.isoformat() if conference.ends_on else None,
        "venue": conference.venue,
        "status": conference.status,
        "languages": conference.languages,
    }


@bp.get("/conferences")
@access("public")
def conferences():
    rows = db.session.scalars(select(Conference).order_by(Conference.number)).all()
    return jsonify({"conferences": [conference_json(c) for c in rows]})
