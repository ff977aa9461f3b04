"""Bearer tokens for the JSON API: login sessions that a script holds instead of a cookie.

A token is the same thing as a browser's session token (a ``LoginSession`` row, only its hash
stored), so it carries the same rights and ends the same way. Delegates get one by exchanging
their join code (``access.join_with_code``); staff create one for themselves here.
"""

from __future__ import annotations

from flask_babel import gettext as _

from participation import clock
from participation.extensions import db
from participation.models import LoginSession, Person
from participation.services import audit
from participation.services.errors import NotAllowed
from participation.services.unit import use_case


@use_case
def issue_staff_token(person_id: int) -> str:
    """A new API token for a staff member; only its hash is kept."""
    person = db.session.get(Person, person_id)
    if person is None or not person.is_admin:
        raise NotAllowed(_("Only staff can create API tokens."))
    token = clock.token_urlsafe(32)
    db.session.add(
        LoginSession(
            token_hash=clock.digest(token),
            person=person,
            accreditation=None,
            created_at=clock.now(),
        )
    )
    db.session.flush()
    audit.record("api_token.issued", f"person:{person.id}", actor=audit.actor_of(person))
    return token
