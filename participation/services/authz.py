"""Who may do what: one role check used by every route and socket handler.

A signed-in browser is a :class:`Principal`. Its role in a conference is the highest of

* ``admin`` for network staff (``Person.is_admin``) signed in with a password,
* the role of its accreditation there. A phone that joined with an access code acts only as
  that one accreditation, whatever else the person may be.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from participation import clock
from participation.extensions import db
from participation.models import Accreditation, LoginSession, Organisation, Person
from participation.services import identities
from participation.services.errors import NotAllowed
from participation.services.unit import read_alone

#: Roles in a conference, weakest first; each includes what the weaker ones may do.
ROLE_RANK = {"observer": 0, "delegate": 1, "moderator": 2, "admin": 3}

#: Access levels a route or socket event can require.
LEVELS = ("public", "signed_in", "staff", *ROLE_RANK)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a login session is, read in one light query on every request (and socket event,
    unless the process remembers it: :mod:`participation.services.identities`)."""

    login_id: int
    person_id: int
    #: Set for a phone that joined with an access code: the one accreditation it acts as.
    accreditation_id: int | None
    accreditation_conference_id: int | None
    accreditation_role: str | None
    is_admin: bool
    #: The person's chosen language (None: the browser's), for the pages and the sockets.
    locale: str | None = None
    #: The pinned accreditation as a live view shows it ("me"): read with the identity, so a
    #: hall of phones connecting at once costs one query each, not three.
    accreditation_organisation: str | None = None
    accreditation_voting_right: bool | None = None
    accreditation_vote_weight: int | None = None
    accreditation_present: bool | None = None


#: Built once: SQLAlchemy then computes its cache key once, not on every socket event.
_IDENTITY = (
    select(
        LoginSession.id,
        LoginSession.person_id,
        LoginSession.accreditation_id,
        Accreditation.conference_id,
        Accreditation.role,
        Person.is_admin,
        Person.locale,
        Organisation.name,
        Accreditation.voting_right,
        Accreditation.vote_weight,
        Accreditation.present,
    )
    .join(Person, Person.id == LoginSession.person_id)
    .outerjoin(Accreditation, Accreditation.id == LoginSession.accreditation_id)
    .outerjoin(Organisation, Organisation.id == Accreditation.organisation_id)
    .where(LoginSession.token_hash == bindparam("token_hash"))
)


def identity_for(token: str | None, *, remembered: bool = False) -> Identity | None:
    """The identity of the live login session a browser's token belongs to (a plain row, no
    objects: this runs for every request and socket event, so it must be cheap).

    ``remembered`` (socket events): from the process's memory of identities where it may keep
    one (:mod:`participation.services.identities`), else read and remembered.
    """
    if not token:
        return None
    token_hash = clock.digest(token)
    cache = identities.identity_cache() if remembered else None
    generation = 0
    if cache is not None:
        known = cache.get(token_hash)
        if known is not None:
            return known
        generation = cache.generation
    row = read_alone(_IDENTITY, {"token_hash": token_hash})
    if row is None:
        return None
    identity = Identity(*row)
    if cache is not None:
        cache.keep(token_hash, identity, generation)
    return identity


def member_json(role, organisation, voting_right, vote_weight, present) -> dict:
    """An accreditation as a live view shows its own ("me")."""
    return {
        "role": role,
        "organisation": organisation,
        "voting_right": voting_right,
        "vote_weight": vote_weight,
        "present": present,
    }


class Principal:
    """The signed-in person behind a request, as Flask-Login's user object.

    Built from an :class:`Identity`; the person and accreditation objects are loaded only
    when a handler asks for them.
    """

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, identity: Identity) -> None:
        self.identity = identity

    def get_id(self) -> str:  # Flask-Login stores what this returns; we never use it.
        return str(self.identity.login_id)

    @property
    def login_id(self) -> int:
        return self.identity.login_id

    @functools.cached_property
    def person(self) -> Person:
        person = db.session.get(Person, self.identity.person_id)
        assert person is not None  # a login session's person cannot be deleted before it
        return person

    @property
    def is_staff(self) -> bool:
        return self.identity.accreditation_id is None and self.identity.is_admin

    def accreditation_id_in(self, conference_id: int) -> int | None:
        """The id of this browser's accreditation for the conference, if it has one."""
        return self._of_accreditation(conference_id, "accreditation_id", "id")

    def member(self, conference_id: int) -> dict | None:
        """This browser's accreditation for the conference as a live view shows it, from the
        identity for a phone pinned to one (no query); None if it has none there."""
        identity = self.identity
        if identity.accreditation_id is None:
            return None
        if identity.accreditation_conference_id != conference_id:
            return None
        return member_json(
            identity.accreditation_role,
            identity.accreditation_organisation,
            identity.accreditation_voting_right,
            identity.accreditation_vote_weight,
            identity.accreditation_present,
        )

    def accreditation(self, conference_id: int) -> Accreditation | None:
        identity = self.identity
        if identity.accreditation_id is not None:
            if identity.accreditation_conference_id != conference_id:
                return None
            return db.session.get(Accreditation, identity.accreditation_id)
        return db.session.scalar(
            select(Accreditation).where(
                Accreditation.conference_id == conference_id,
                Accreditation.person_id == identity.person_id,
            )
        )

    def role_in(self, conference_id: int) -> str | None:
        if self.is_staff:
            return "admin"
        return self._of_accreditation(conference_id, "accreditation_role", "role")

    def _of_accreditation(self, conference_id: int, pinned_field: str, attribute: str):
        """A field of the accreditation for the conference: from the identity for a phone
        pinned to one (no query), else from the person's accreditation there."""
        identity = self.identity
        if identity.accreditation_id is not None:
            pinned = identity.accreditation_conference_id == conference_id
            return getattr(identity, pinned_field) if pinned else None
        accreditation = self.accreditation(conference_id)
        return getattr(accreditation, attribute) if accreditation is not None else None


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


def role_of(actor: Principal | Person, conference_id: int) -> str | None:
    """The role of a signed-in browser or of a person in a conference."""
    if isinstance(actor, Principal):
        return actor.role_in(conference_id)
    if actor.is_admin:
        return "admin"
    return db.session.scalar(
        select(Accreditation.role).where(
            Accreditation.conference_id == conference_id, Accreditation.person_id == actor.id
        )
    )


def require_actor(
    actor: Principal | Person | None, level: str, conference_id: int | None = None
) -> None:
    """Refuse a use case to an actor below ``level``: the one check every use case makes.

    ``None`` is the platform itself (a command, the demo loader, a timer closing a poll),
    which no request can pose as: front doors always pass who is asking.
    """
    if actor is None:
        return
    if level == "staff":
        allowed = actor.is_staff if isinstance(actor, Principal) else actor.is_admin
    elif conference_id is None:
        allowed = False
    else:
        role = role_of(actor, conference_id)
        allowed = role is not None and ROLE_RANK[role] >= ROLE_RANK[level]
    if not allowed:
        raise NotAllowed(_("You are not allowed to do this."))
