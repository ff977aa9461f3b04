"""Signing in and out: access codes for delegates' phones, passwords for staff."""

from __future__ import annotations

import re
import string

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from participation import clock, events
from participation.extensions import db
from participation.models import Accreditation, LoginSession, Person
from participation.services import audit, authz
from participation.services.errors import Invalid, NotAllowed, NotFound
from participation.services.unit import use_case

#: Crockford's base32: no I, L, O or U, so codes survive being read aloud and typed.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 26  # 26 × 5 bits = 130 bits from the CSPRNG
CODE_GROUP = 4
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})

#: argon2-cffi's defaults (RFC 9106's low-memory profile): every real server uses these.
_STANDARD = PasswordHasher()
#: argon2's own profile for tests, for apps made with ``TESTING`` and ``PASSWORD_HASHING =
#: "cheapest"`` (tests/helpers.make_app; no environment variable sets it): a thousand test
#: apps would otherwise spend minutes hashing one password each.
_CHEAPEST = PasswordHasher.from_parameters(profiles.CHEAPEST)
#: Checked against when an e-mail is unknown, so both paths take the same time.
_DUMMY_HASHES = {hasher: hasher.hash(clock.token_urlsafe(16)) for hasher in (_STANDARD, _CHEAPEST)}


def _hasher() -> PasswordHasher:
    config = current_app.config if has_app_context() else {}
    if config.get("TESTING") and config.get("PASSWORD_HASHING") == "cheapest":
        return _CHEAPEST
    return _STANDARD


MIN_PASSWORD_LENGTH = 10


def new_access_code() -> str:
    """A fresh code, grouped for typing: ``7KQ2-M9XD-…``."""
    raw = clock.token_bytes(17)
    number = int.from_bytes(raw, "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, 32)
        chars.append(CODE_ALPHABET[index])
    code = "".join(chars)
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def normalise_code(typed: str) -> str | None:
    """Canonical form of a typed or scanned code, or None if it cannot be one."""
    cleaned = re.sub(r"[\s\-_.]", "", typed or "").upper().translate(_CONFUSABLE)
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return "-".join(cleaned[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise Invalid(
            str(_l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
        )
    if set(password) <= set(string.digits):
        raise Invalid(str(_l("The password must not consist of digits only.")))


def _start_session(person_id: int, accreditation_id: int | None) -> str:
    """A new login session (by ids: loading the person would cost every sign-in a query)."""
    token = clock.token_urlsafe(32)
    db.session.add(
        LoginSession(
            token_hash=clock.digest(token),
            person_id=person_id,
            accreditation_id=accreditation_id,
            created_at=clock.now(),
        )
    )
    return token


def accreditation_for_code(typed_code: str) -> Accreditation:
    """The accreditation an access code opens (a read: nobody is signed in)."""
    code = normalise_code(typed_code)
    accreditation = None
    if code is not None:
        accreditation = db.session.scalar(
            select(Accreditation).where(Accreditation.access_code_hash == clock.digest(code))
        )
    if accreditation is None:
        raise NotFound(str(_l("This access code is not valid. Please check it or ask the desk.")))
    return accreditation


@use_case
def join_with_code(typed_code: str) -> tuple[str, Accreditation]:
    """Sign a phone in with an access code; returns the session token and the accreditation."""
    accreditation = accreditation_for_code(typed_code)
    token = _start_session(accreditation.person_id, accreditation.id)
    return token, accreditation


@use_case
def staff_login(email: str, password: str) -> tuple[str, Person]:
    """Sign staff in with e-mail and password."""
    person = db.session.scalar(select(Person).where(Person.email == (email or "").strip().lower()))
    hasher = _hasher()
    known = person.password_hash if person is not None else None
    stored = known or _DUMMY_HASHES[hasher]
    try:
        hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        person = None
    if person is None or not person.password_hash:
        raise NotAllowed(str(_l("E-mail address or password is wrong.")))
    if hasher.check_needs_rehash(person.password_hash):
        person.password_hash = hasher.hash(password)
    return _start_session(person.id, None), person


def live_session_ids(ids: set[int]) -> set[int]:
    """Which of these login sessions still exist (a read)."""
    if not ids:
        return set()
    return set(db.session.scalars(select(LoginSession.id).where(LoginSession.id.in_(ids))))


def session_for(token: str | None) -> LoginSession | None:
    """The live login session a browser's token belongs to (a read, not a use case)."""
    if not token:
        return None
    return db.session.scalar(
        select(LoginSession).where(LoginSession.token_hash == clock.digest(token))
    )


def _end_sessions(sessions: list[LoginSession]) -> None:
    for login in sessions:
        events.publish(db.session, "session_ended", f"login:{login.id}")
        db.session.delete(login)


@use_case
def sign_out(token: str) -> None:
    """End a browser's session on the server; its cookie no longer works anywhere."""
    login = session_for(token)
    if login is not None:
        _end_sessions([login])


@use_case
def issue_access_code(accreditation_id: int, actor: Person | None) -> str:
    """Issue a new code (replacing any earlier one) and return it; only its hash is kept."""
    accreditation = _accreditation(accreditation_id)
    authz.require_actor(actor, "admin", accreditation.conference_id)
    code = new_access_code()
    had_code = accreditation.access_code_hash is not None
    accreditation.access_code_hash = clock.digest(code)
    accreditation.access_code_issued_at = clock.now()
    audit.record(
        "access_code.reissued" if had_code else "access_code.issued",
        f"accreditation:{accreditation.id}",
        actor=audit.actor_of(actor),
        conference_id=accreditation.conference_id,
    )
    return code


def issue_access_codes(accreditation_ids: list[int], actor: Person | None) -> dict[int, str]:
    """Issue codes for several accreditations, one transaction each."""
    return {aid: issue_access_code(aid, actor) for aid in accreditation_ids}


@use_case
def revoke_access_code(accreditation_id: int, actor: Person | None) -> None:
    """Revoke the code and end every session it opened, disconnecting their sockets."""
    accreditation = _accreditation(accreditation_id)
    authz.require_actor(actor, "admin", accreditation.conference_id)
    accreditation.access_code_hash = None
    accreditation.access_code_issued_at = None
    _end_sessions(
        list(
            db.session.scalars(
                select(LoginSession).where(LoginSession.accreditation_id == accreditation.id)
            )
        )
    )
    audit.record(
        "access_code.revoked",
        f"accreditation:{accreditation.id}",
        actor=audit.actor_of(actor),
        conference_id=accreditation.conference_id,
    )


def _accreditation(accreditation_id: int) -> Accreditation:
    accreditation = db.session.get(Accreditation, accreditation_id)
    if accreditation is None:
        raise NotFound(str(_l("No such accreditation.")))
    return accreditation
