"""The document pages' blueprint, their URL prefixes and what their templates share."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import format_datetime

from participation.web import presenters

bp = Blueprint("documents", __name__)

PREFIX = "/c/<int:conference_id>"
DOC = PREFIX + "/documents/<int:document_id>"
AMENDMENT = DOC + "/amendments/<int:amendment_id>"
GROUP = PREFIX + "/groups/<int:group_id>"


@bp.context_processor
def _template_globals() -> dict:
    return {
        "labels": presenters.status_labels(),
        "format_datetime": format_datetime,
        "submitter_names": presenters.submitter_names,
    }
