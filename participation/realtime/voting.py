"""Socket events of live voting: casting a ballot, the poll state, the projector."""

from __future__ import annotations

from flask_login import current_user
from flask_socketio import join_room

from participation import clock
from participation.realtime.handlers import on, socket_id
from participation.realtime.rooms import follow_conference
from participation.schemas.events import CastBallot, ConferenceEvent
from participation.services import voting
from participation.services.authz import allows


def voting_state(conference_id: int) -> dict:
    """The voting part of this client's full state (also sent inside ``watch_conference``)."""
    accreditation = current_user.accreditation(conference_id)
    moderator = allows(current_user, "moderator", conference_id)
    return voting.voting_state(
        conference_id,
        accreditation.id if accreditation is not None else None,
        turnout=moderator,
        moderator=moderator,
    )


def _close_overdue(conference_id: int) -> None:
    """A countdown that ran out while no timer was running (e.g. after a restart) ends here."""
    current = voting.open_poll_of(conference_id)
    closes_at = current.closes_at if current is not None else None
    if closes_at is not None and closes_at <= clock.now():
        voting.close_due_polls()


@on("cast_ballot", "delegate", CastBallot)
def cast_ballot(payload: CastBallot) -> dict:
    """Cast a ballot: ``{conference_id, poll_id, choice, submission_id[, voter_id]}``.

    The acknowledgement carries the receipt only after the ballot is stored; a retry with the
    same submission id gets the same receipt.
    """
    conference_id = payload.conference_id
    receipt = voting.cast_ballot(
        current_user.accreditation_id_in(conference_id),
        payload.poll_id,
        payload.raw_choice(),
        payload.submission_id,
        voter_id=payload.voter_id,
        conference_id=conference_id,
        origin=socket_id(),
    )
    return {"ok": True, "receipt": receipt.as_dict()}


@on("poll_state", "observer", ConferenceEvent)
def poll_state(payload: ConferenceEvent) -> dict:
    """The open poll, my votes in it with their receipts, and the last result."""
    _close_overdue(payload.conference_id)
    return {"ok": True, "voting": voting_state(payload.conference_id)}


@on("watch_projector", "observer", ConferenceEvent)
def watch_projector(payload: ConferenceEvent) -> dict:
    """Follow the hall's screen: the open poll with live turnout, then its result."""
    conference_id = payload.conference_id
    _close_overdue(conference_id)
    follow_conference(conference_id)
    join_room(f"projector:{conference_id}")
    state = voting.voting_state(conference_id, None, turnout=True)
    return {"ok": True, "voting": state, "audit_head": voting.audit_head()}
