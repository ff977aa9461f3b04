"""A person's own settings."""

from __future__ import annotations

from flask_babel import gettext as _

from participation.config import SUPPORTED_LOCALES
from participation.extensions import db
from participation.models import Person
from participation.services.errors import Invalid, NotFound
from participation.services.unit import use_case


@use_case
def set_locale(person_id: int, locale: str) -> None:
    if locale not in SUPPORTED_LOCALES:
        raise Invalid(_("This language is not available."))
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_("No such person."))
    person.locale = locale
