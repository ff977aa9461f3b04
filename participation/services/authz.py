"""Who may do what: one role check used by every route and socket handler.

A signed-in browser is a :class:`Principal`. Its role in a conference is the highest of

* ``admin`` for network staff (``Person.is_admin``) signed in with a password,
* the role of its accreditation there. A phone that joined with an access code acts only as
  that one accreditation, whatever else the person may be.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from participation.extensions import db
from participation.models import Accreditation, LoginSession, Person
from participation.services.errors import NotAllowed

#: Roles in a conference, weakest first; each includes what the weaker ones may do.
ROLE_RANK = {"observer": 0, "delegate": 1, "moderator": 2, "admin": 3}

#: Access levels a route or socket event can require.
LEVELS = ("public", "signed_in", "staff", *ROLE_RANK)


@dataclass
class Principal:
    """The signed-in person behind a request, as Flask-Login's user object."""

    login: LoginSession

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:  # Flask-Login stores what this returns; we never use it.
        return str(self.login.id)

    @property
    def person(self) -> Person:
        return self.login.person

    @property
    def is_staff(self) -> bool:
        return self.login.accreditation_id is None and self.person.is_admin

    def accreditation(self, conference_id: int) -> Accreditation | None:
        if self.login.accreditation_id is not None:
            pinned = self.login.accreditation
            return pinned if pinned.conference_id == conference_id else None
        return db.session.scalar(
            select(Accreditation).where(
                Accreditation.conference_id == conference_id,
                Accreditation.person_id == self.person.id,
            )
        )

    def role_in(self, conference_id: int) -> str | None:
        if self.is_staff:
            return "admin"
        accreditation = self.accreditation(conference_id)
        return accreditation.role if accreditation is not None else None


def allows(principal, level: str, conference_id: int | None = None) -> bool:
    """Whether ``principal`` (a Principal or an anonymous user) meets ``level``."""
    if level == "public":
        return True
    if not getattr(principal, "is_authenticated", False):
        return False
    if level == "signed_in":
        return True
    if level == "staff":
        return principal.is_staff
    if conference_id is None:
        return False
    role = principal.role_in(conference_id)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[level]


def require(principal, level: str, conference_id: int | None = None) -> None:
    if not allows(principal, level, conference_id):
        raise NotAllowed(_("You are not allowed to do this."))
