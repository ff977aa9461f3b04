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
from participation.schemas import api as shapes
from participation.schemas import replies
from participation.services import access as access_service
from participation.services import api_tokens, voting
from participation.services.authz import allows, require
from participation.services.errors import NotFound
from participation.web.access import access
from participation.web.auth import SESSION_KEY, _failed, _join_limit, bearer_token
from participation.web.errors import error_response
from participation.web.shaped import reply, shaped

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: The largest ballot taken, in bytes: an encrypted election ballot of yes, no or abstain for
#: every one of 100 candidates (about 1.5 KB each, with its proofs) fits.
BALLOT_BYTES = 256 * 1024


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
@shaped(replies={200: (replies.Conferences, "The conferences.")})
def conferences():
    """The network's conferences."""
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


@bp.post("/auth/join")
@access("public")
@limiter.limit(_join_limit, deduct_when=_failed)
@shaped(
    body=shapes.JoinBody,
    replies={201: (replies.JoinToken, "The token for the accreditation the code belongs to.")},
    tag="auth",
    errors=(404, 503),
)
def auth_join(body: shapes.JoinBody):
    """Exchange a delegate's join code for a bearer token."""
    token, accreditation = access_service.join_with_code(body.code)
    return reply(
        replies.JoinToken,
        201,
        token=token,
        conference_id=accreditation.conference_id,
        accreditation_id=accreditation.id,
    )


@bp.post("/auth/tokens")
@access("staff")
@shaped(replies={201: (replies.Token, "The token.")}, tag="auth")
def auth_tokens():
    """Create a bearer token for the signed-in staff member."""
    token = api_tokens.issue_staff_token(current_user.person.id)
    return reply(replies.Token, 201, token=token)


@bp.post("/auth/revoke")
@access("signed_in")
@shaped(replies={200: (replies.Done, "Done.")}, tag="auth")
def auth_revoke():
    """End the session or token this request is made with."""
    token = bearer_token(request)
    if token is None:
        token = session.pop(SESSION_KEY, None)
    if token:
        access_service.sign_out(token)
    return reply(replies.Done)


# --- polls -----------------------------------------------------------------------------------


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
@shaped(
    query=shapes.PollsQuery,
    replies={200: (replies.Polls, "The polls, newest first.")},
    tag="voting",
)
def polls(query: shapes.PollsQuery):
    """The conference's polls (drafts only for its moderators).

    Open polls show no counts; closed ones their result.
    """
    moderator = allows(current_user, "moderator", query.conference_id)
    rows = [p for p in voting.polls_of(query.conference_id) if moderator or p.state != "draft"]
    return jsonify({"polls": [voting.poll_json(p) for p in rows]})


@bp.post("/polls")
@access("signed_in")
@shaped(
    body=shapes.PollBody,
    replies={201: (replies.PollReply, "The draft poll.")},
    tag="voting",
    max_bytes=64 * 1024,
    max_depth=2,
)
def create_poll(body: shapes.PollBody):
    """Create a draft poll (moderators)."""
    require(current_user, "moderator", body.conference_id)
    poll = voting.create_poll(current_user.person, body.conference_id, **body.settings())
    return jsonify({"poll": _poll_reply(poll)}), 201


@bp.get("/polls/<int:poll_id>")
@access("public")
@shaped(replies={200: (replies.PollReply, "The poll.")}, tag="voting")
def poll(poll_id: int):
    """A poll; with a token of the conference also the caller's own votes."""
    return jsonify({"poll": _poll_reply(_visible_poll(poll_id))})


@bp.post("/polls/<int:poll_id>/open")
@access("signed_in")
@shaped(replies={200: (replies.PollReply, "The open poll.")}, tag="voting")
def open_poll(poll_id: int):
    """Open a draft poll: freezes the eligible voters (moderators)."""
    poll = _moderated_poll(poll_id)
    poll = voting.open_poll(current_user.person, poll.conference_id, poll.id)
    return jsonify({"poll": _poll_reply(poll)})


@bp.post("/polls/<int:poll_id>/close")
@access("signed_in")
@shaped(replies={200: (replies.PollReply, "The closed poll with its result.")}, tag="voting")
def close_poll(poll_id: int):
    """Close an open poll: counts, decides and records the result (moderators)."""
    poll = _moderated_poll(poll_id)
    poll = voting.close_poll(current_user.person, poll.conference_id, poll.id)
    return jsonify({"poll": _poll_reply(poll)})


@bp.post("/polls/<int:poll_id>/cancel")
@access("signed_in")
@shaped(replies={200: (replies.PollReply, "The cancelled poll.")}, tag="voting")
def cancel_poll(poll_id: int):
    """Cancel a draft or open poll; no ballot is counted (moderators)."""
    poll = _moderated_poll(poll_id)
    poll = voting.cancel_poll(current_user.person, poll.conference_id, poll.id)
    return jsonify({"poll": _poll_reply(poll)})


@bp.post("/polls/<int:poll_id>/ballots")
@access("signed_in")
@shaped(
    body=shapes.BallotBody,
    replies={
        200: (replies.ReceiptReply, "A retry: the receipt of the ballot stored before."),
        201: (replies.ReceiptReply, "Stored; the receipt."),
    },
    tag="voting",
    max_bytes=BALLOT_BYTES,
    max_depth=8,
)
def cast_ballot(poll_id: int, body: shapes.BallotBody):
    """Cast a ballot (delegates with a vote in the open poll).

    201 with the receipt once the ballot is stored; 200 with the same receipt for a retry.
    """
    conference_id = voting.get_poll(poll_id).conference_id
    accreditation = current_user.accreditation(conference_id)
    receipt = voting.cast_ballot(
        accreditation.id if accreditation is not None else None,
        poll_id,
        body.raw_choice(),
        body.submission_id,
        voter_id=body.voter_id,
        conference_id=conference_id,
    )
    return reply(replies.ReceiptReply, 200 if receipt.repeated else 201, receipt=receipt.as_dict())


@bp.get("/polls/<int:poll_id>/ballots")
@access("public")
@shaped(replies={200: (replies.Ballots, "The published ballots.")}, tag="voting")
def poll_ballots(poll_id: int):
    """After close, every ballot and tracker, so anyone can count again.

    In secret polls they are not linked to voters; in named polls the reply says who chose what.
    """
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
@shaped(
    query=shapes.AuditQuery,
    replies={200: (replies.AuditPage, "A page of the chain and its head.")},
    tag="audit",
)
def audit(query: shapes.AuditQuery):
    """The hash-chained audit log, oldest first; page with ?after=<seq>.

    While a poll is open the log ends with the entry that opened it (`withheld` is true): the
    entries after it appear, unchanged, when the poll closes. An entry about something not yet
    public (a draft poll, an unpublished text, a working group) shows no data but its salted
    digest, which its hash covers; data and salt appear once it is public.
    """
    return jsonify(voting.audit_page(query.after, query.limit))
