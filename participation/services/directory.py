"""Member organisations and people of the network."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from participation.extensions import db
from participation.models import Network, Organisation, Person
from participation.services import audit, authz
from participation.services.access import check_password_strength, hash_password
from participation.services.errors import Conflict, Invalid, NotFound
from participation.services.unit import use_case


def _text(value: str | None, label: str, *, maximum: int, required: bool = True) -> str:
    cleaned = " ".join((value or "").split())
    if required and not cleaned:
        raise Invalid(_("%(field)s must not be empty.", field=label), {label: "empty"})
    if len(cleaned) > maximum:
        raise Invalid(
            _("%(field)s may have at most %(n)d characters.", field=label, n=maximum),
            {label: "too long"},
        )
    return cleaned


def clean_email(value: str | None) -> str | None:
    email = (value or "").strip().lower()
    if not email:
        return None
    local, _sep, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        raise Invalid(_("“%(email)s” is not an e-mail address.", email=value))
    return email


def organisation_by_name(name: str) -> Organisation | None:
    key = " ".join((name or "").split()).lower()
    return db.session.scalar(
        select(Organisation).where(
            (func.lower(Organisation.name) == key) | (func.lower(Organisation.short_name) == key)
        )
    )


@use_case
def save_organisation(
    actor: Person | None,
    *,
    organisation_id: int | None = None,
    name: str,
    short_name: str = "",
    town: str = "",
    active: bool = True,
) -> Organisation:
    """Create an organisation, or update it when ``organisation_id`` is given."""
    authz.require_actor(actor, "staff")
    name = _text(name, _("Name"), maximum=200)
    if organisation_id is None:
        organisation = Organisation()
    else:
        found = db.session.get(Organisation, organisation_id)
        if found is None:
            raise NotFound(_("No such organisation."))
        organisation = found
    clash = organisation_by_name(name)
    if clash is not None and clash is not organisation and clash.name.lower() == name.lower():
        raise Conflict(_("An organisation named “%(name)s” exists already.", name=name))
    organisation.name = name
    organisation.short_name = _text(short_name, _("Short name"), maximum=40, required=False)
    organisation.town = _text(town, _("Town or district"), maximum=120, required=False)
    organisation.active = bool(active)
    db.session.add(organisation)
    db.session.flush()
    audit.record(
        "organisation.created" if organisation_id is None else "organisation.changed",
        f"organisation:{organisation.id}",
        actor=audit.actor_of(actor),
        data={"name": organisation.name, "active": organisation.active},
    )
    return organisation


def new_person(display_name: str, email: str | None) -> Person:
    """A person checked for a name and a free e-mail address; added to the session."""
    email = clean_email(email)
    if email and db.session.scalar(select(Person.id).where(Person.email == email)):
        raise Conflict(_("Someone with the e-mail address %(email)s exists already.", email=email))
    person = Person(display_name=_text(display_name, _("Name"), maximum=200), email=email)
    db.session.add(person)
    return person


@use_case
def save_person(
    actor: Person | None,
    *,
    person_id: int | None = None,
    display_name: str,
    email: str | None = None,
    is_admin: bool = False,
    password: str | None = None,
) -> Person:
    """Create or update a person; staff need an e-mail address to sign in."""
    authz.require_actor(actor, "staff")
    if person_id is None:
        person = new_person(display_name, email)
    else:
        found_person = db.session.get(Person, person_id)
        if found_person is None:
            raise NotFound(_("No such person."))
        person = found_person
        cleaned = clean_email(email)
        if (
            cleaned
            and cleaned != person.email
            and db.session.scalar(select(Person.id).where(Person.email == cleaned))
        ):
            raise Conflict(
                _("Someone with the e-mail address %(email)s exists already.", email=cleaned)
            )
        person.display_name = _text(display_name, _("Name"), maximum=200)
        person.email = cleaned
    if is_admin and not person.email:
        raise Invalid(_("Staff need an e-mail address to sign in."))
    if actor is not None and person.id == actor.id and not is_admin:
        raise Invalid(_("You cannot take away your own staff rights."))
    person.is_admin = bool(is_admin)
    if password:
        check_password_strength(password)
        person.password_hash = hash_password(password)
    db.session.flush()
    audit.record(
        "person.created" if person_id is None else "person.changed",
        f"person:{person.id}",
        actor=audit.actor_of(actor),
        data={"is_admin": person.is_admin},
    )
    return person


@use_case
def save_network(actor: Person | None, *, name: str, default_language: str = "de") -> Network:
    """Name the network this installation serves."""
    network = db.session.get(Network, 1)
    if network is None:
        network = Network(id=1)
        db.session.add(network)
    network.name = _text(name, _("Name"), maximum=200)
    network.default_language = default_language
    audit.record("network.saved", "network:1", actor=audit.actor_of(actor), data={"name": name})
    return network
