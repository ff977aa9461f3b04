"""The full state a client shows, sent on every connect and reconnect."""

from __future__ import annotations

from participation.services import conferences as conference_service
from participation.services.authz import allows


def agenda_json(conference) -> list[dict]:
    return [
        {"id": item.id, "number": item.number, "title": item.title, "parent_id": item.parent_id}
        for item in conference.agenda_items
    ]


def conference_state(principal, conference_id: int) -> dict:
    conference = conference_service.get_conference(conference_id)
    result = {
        "conference": {"id": conference.id, "title": conference.title, "status": conference.status},
        "agenda": agenda_json(conference),
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
    if allows(principal, "moderator", conference_id):
        result["presence"] = conference_service.presence(conference_id).as_dict()
    return result
