"""Who is acting: a person with their role, organisation and accreditation at a conference."""

from __future__ import annotations

from dataclasses import dataclass

from participation.models import Person
from participation.services import audit
from participation.services.authz import ROLE_RANK
from participation.services.conferences import conference_accreditation


@dataclass(frozen=True)
class Viewer:
    """Someone acting on or reading a conference's documents, with their role there."""

    #: ``None`` for an anonymous reader.
    person: Person | None
    conference_id: int
    #: The role at this conference (see ``ROLE_RANK``); ``None`` for no role there.
    role: str | None
    accreditation_id: int | None = None
    #: The member organisation the viewer is accredited for, if any.
    organisation_id: int | None = None

    @property
    def person_id(self) -> int | None:
        return self.person.id if self.person is not None else None

    def at_least(self, role: str) -> bool:
        return self.role is not None and ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def is_moderator(self) -> bool:
        return self.at_least("moderator")

    @property
    def is_admin(self) -> bool:
        return self.at_least("admin")


def viewer_for(actor, conference_id: int) -> Viewer:
    """The :class:`Viewer` for a Principal, a Person, a Viewer or nobody (``None``)."""
    if isinstance(actor, Viewer):
        if actor.conference_id != conference_id:
            return viewer_for(actor.person, conference_id)
        return actor
    if actor is None or not getattr(actor, "is_authenticated", True):
        return Viewer(None, conference_id, None)
    if hasattr(actor, "role_in"):  # a signed-in Principal
        accreditation = actor.accreditation(conference_id)
        role = actor.role_in(conference_id)
        person = actor.person
    else:
        person = actor
        accreditation = conference_accreditation(conference_id, person.id)
        role = "admin" if person.is_admin else (accreditation.role if accreditation else None)
    return Viewer(
        person,
        conference_id,
        role,
        accreditation.id if accreditation else None,
        accreditation.organisation_id if accreditation else None,
    )


def _actor(viewer: Viewer) -> str:
    return audit.actor_of(viewer.person)


def _person_of(actor) -> Person | None:
    if isinstance(actor, Viewer):
        return actor.person
    if actor is None or not getattr(actor, "is_authenticated", True):
        return None
    return actor.person if hasattr(actor, "role_in") else actor


def _system_viewer(actor, conference_id: int) -> Viewer:
    """The viewer a vote acts as: whoever runs the poll, with the rights of an admin."""
    person = _person_of(actor)
    return Viewer(person, conference_id, "admin")
