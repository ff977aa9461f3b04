"""The full state a client shows, sent on every connect and reconnect."""

from __future__ import annotations

from participation.services import conferences as conference_service
from participation.services import room as room_service
from participation.services import voting as voting_service
from participation.services.authz import allows


def agenda_json(conference) -> list[dict]:
    return [
        {"id": item.id, "number": item.number, "title": item.title, "parent_id": item.parent_id}
        for item in conference.agenda
    ]


def room_snapshot(conference_id: int) -> dict:
    """The current agenda item, the projector's view and the current item's speakers list."""
    state = room_service.room_state(conference_id)
    item = room_service.current_item(state)
    return {
        "room": room_service.room_json(conference_id),
        "speakers": room_service.speakers_list(item) if item is not None else None,
    }


def conference_state(principal, conference_id: int) -> dict:
    conference = conference_service.get_conference(conference_id)
    result = {
        "conference": {"id": conference.id, "title": conference.title, "status": conference.status},
        "agenda": agenda_json(conference),
        **room_snapshot(conference_id),
    }
    accreditation = principal.accreditation(conference_id)
    if accreditation is not None:
        result["me"] = {
            "role": accreditation.role,
            "organisation": accreditation.organisation.name if accreditation.organisation else None,
            "voting_right": accreditation.voting_right,
            "vote_weight": accreditation.vote_weight,
            "present": accreditation.present,
        }
    moderator = allows(principal, "moderator", conference_id)
    if moderator:
        result["presence"] = conference_service.presence(conference_id).as_dict()
    result["voting"] = voting_service.voting_state(
        conference_id,
        accreditation.id if accreditation is not None else None,
        turnout=moderator,
        moderator=moderator,
    )
    from participation.services import documents as document_service

    result["documents"] = document_service.documents_summary(principal, conference_id)
    return result
