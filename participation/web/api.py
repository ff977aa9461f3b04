"""The JSON API under /api/v1."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from wtforms.validators import ValidationError

from participation.extensions import csrf, db, limiter
from participation.models import Conference
from participation.services import access as access_service
from participation.services import api_tokens, voting
from participation.services.authz import allows, require
from participation.services.errors import Invalid, NotFound
from participation.web.access import access
from participation.web.auth import SESSION_KEY, _failed, _join_limit, bearer_token
from participation.web.errors import error_response

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


# --- authentication and CSRF -----------------------------------------------------------------
#
# The API accepts the browser's session cookie (writes then need the CSRF token in the
# X-CSRFToken header) or a bearer token (``Authorization: Bearer …``), which a page on another
# site cannot send, so it needs no CSRF token.

csrf.exempt(bp)


@bp.before_request
def _check_csrf():
    if request.method in ("GET", "HEAD", "OPTIONS") or bearer_token(request) is not None:
        return None
    if not current_user.is_authenticated:
        return None
    try:
        validate_csrf(request.headers.get("X-CSRFToken"))
    except ValidationError:
        return error_response(
            400, _("The CSRF token is missing or wrong; send it in the X-CSRFToken header.")
        )
    return None


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid(_("Send a JSON object."))
    return data


def _int(data: dict, key: str, *, optional: bool = False) -> int | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid(_("“%(key)s” must be a whole number.", key=key))
    return value


@bp.post("/auth/join")
@access("public")
@limiter.limit(_join_limit, deduct_when=_failed)
def auth_join():
    """Exchange a delegate's join code for a bearer token."""
    code = _body().get("code")
    token, accreditation = access_service.join_with_code(code if isinstance(code, str) else "")
    return jsonify(
        {
            "token": token,
            "token_type": "Bearer",
            "conference_id": accreditation.conference_id,
            "accreditation_id": accreditation.id,
        }
    ), 201


@bp.post("/auth/tokens")
@access("staff")
def auth_tokens():
    """Create a bearer token for the signed-in staff member."""
    token = api_tokens.issue_staff_token(current_user.person.id)
    return jsonify({"token": token, "token_type": "Bearer"}), 201


@bp.post("/auth/revoke")
@access("signed_in")
def auth_revoke():
    """End the session (token or cookie) this request is made with."""
    token = bearer_token(request)
    if token is None:
        token = session.pop(SESSION_KEY, None)
    if token:
        access_service.sign_out(token)
    return jsonify({"ok": True})


# --- polls -----------------------------------------------------------------------------------

POLL_FIELDS = (
    "title",
    "target_kind",
    "target_id",
    "question",
    "secret",
    "method",
    "majority",
    "quorum_kind",
    "quorum",
    "seats",
    "candidates",
    "duration_seconds",
    "agenda_item_id",
)


def _visible_poll(poll_id: int):
    poll = voting.get_poll(poll_id)
    if poll.state == "draft" and not allows(current_user, "moderator", poll.conference_id):
        raise NotFound(_("No such poll."))
    return poll


def _poll_reply(poll) -> dict:
    data = voting.poll_json(poll)
    if poll.state == "open" and allows(current_user, "moderator", poll.conference_id):
        data["turnout"] = voting.turnout_json(poll)
    if current_user.is_authenticated:
        accreditation = current_user.accreditation(poll.conference_id)
        if accreditation is not None:
            data["my_votes"] = voting.my_votes(poll, accreditation.id)
    return data


def _moderated_poll(poll_id: int):
    poll = voting.get_poll(poll_id)
    require(current_user, "moderator", poll.conference_id)
    return poll


@bp.get("/polls")
@access("public")
def polls():
    conference_id = request.args.get("conference_id", type=int)
    if conference_id is None:
        raise Invalid(_("Name the conference: ?conference_id=…"))
    moderator = allows(current_user, "moderator", conference_id)
    rows = [p for p in voting.polls_of(conference_id) if moderator or p.state != "draft"]
    return jsonify({"polls": [voting.poll_json(p) for p in rows]})


@bp.post("/polls")
@access("signed_in")
def create_poll():
    data = _body()
    conference_id = _int(data, "conference_id")
    require(current_user, "moderator", conference_id)
    fields = {key: data[key] for key in POLL_FIELDS if key in data}
    poll = voting.create_poll(current_user.person, conference_id, **fields)
    return jsonify({"poll": _poll_reply(poll)}), 201


@bp.get("/polls/<int:poll_id>")
@access("public")
def poll(poll_id: int):
    return jsonify({"poll": _poll_reply(_visible_poll(poll_id))})


@bp.post("/polls/<int:poll_id>/open")
@access("signed_in")
def open_poll(poll_id: int):
    poll = _moderated_poll(poll_id)
    poll = voting.open_poll(current_user.person, poll.conference_id, poll.id)
    return jsonify({"poll": _poll_reply(poll)})


@bp.post("/polls/<int:poll_id>/close")
@access("signed_in")
def close_poll(poll_id: int):
    poll = _moderated_poll(poll_id)
    poll = voting.close_poll(current_user.person, poll.conference_id, poll.id)
    return jsonify({"poll": _poll_reply(poll)})


@bp.post("/polls/<int:poll_id>/cancel")
@access("signed_in")
def cancel_poll(poll_id: int):
    poll = _moderated_poll(poll_id)
    poll = voting.cancel_poll(current_user.person, poll.conference_id, poll.id)
    return jsonify({"poll": _poll_reply(poll)})


@bp.post("/polls/<int:poll_id>/ballots")
@access("signed_in")
def cast_ballot(poll_id: int):
    """Cast a ballot: ``{"choice": …, "submission_id": …[, "voter_id": …]}``.

    201 with the receipt once the ballot is stored; 200 with the same receipt for a retry.
    """
    data = _body()
    conference_id = voting.get_poll(poll_id).conference_id
    accreditation = current_user.accreditation(conference_id)
    receipt = voting.cast_ballot(
        accreditation.id if accreditation is not None else None,
        poll_id,
        data.get("choice"),
        data.get("submission_id"),
        voter_id=_int(data, "voter_id", optional=True),
        conference_id=conference_id,
    )
    return jsonify({"receipt": receipt.as_dict()}), 200 if receipt.repeated else 201


@bp.get("/polls/<int:poll_id>/ballots")
@access("public")
def poll_ballots(poll_id: int):
    """After close: all ballots and trackers (secret polls: not linked), and who voted what in
    named polls, so anyone can count again."""
    poll = _visible_poll(poll_id)
    published = voting.published_ballots(poll)
    return jsonify(
        {
            "poll_id": poll.id,
            "state": poll.state,
            "secret": poll.secret,
            "weight_scale": poll.weight_scale,
            **published,
            "ballots_digest": voting.ballots_digest(published["ballots"]),
        }
    )


@bp.get("/audit")
@access("public")
def audit():
    """The audit chain, oldest first: ``?after=<seq>&limit=<n>`` pages through it."""
    after = request.args.get("after", 0, type=int)
    limit = request.args.get("limit", 200, type=int)
    return jsonify(voting.audit_page(max(0, after), limit))
