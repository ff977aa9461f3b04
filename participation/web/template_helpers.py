"""Functions and filters the templates use."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from participation.config import SUPPORTED_LOCALES
from participation.extensions import db
from participation.models import Network
from participation.services.authz import allows
from participation.web import ballot_subject, numbers, presenters

#: Languages written right to left.
RTL_LANGUAGES = {"ar", "fa", "he", "ur"}

LANGUAGE_NAMES = {
    "de": "Deutsch",
    "en": "English",
    "ar": "العربية",
    "fa": "فارسی",
    "tr": "Türkçe",
    "ru": "Русский",
    "uk": "Українська",
}

STATUS_LABELS = {"planned": _l("planned"), "running": _l("running"), "closed": _l("closed")}
ROLE_LABELS = {
    "delegate": _l("Delegate"),
    "observer": _l("Observer"),
    "moderator": _l("Moderator"),
    "admin": _l("Conference admin"),
}


def current_locale() -> str:
    return str(get_locale() or "de")


def language_label(code: str) -> str:
    """A language's name in the reader's language ("Arabisch" to a German reader)."""
    try:
        name = Locale.parse(code).get_display_name(Locale.parse(current_locale()))
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:] if name else code


def text_direction(language: str | None = None) -> str:
    return "rtl" if (language or current_locale()) in RTL_LANGUAGES else "ltr"


def network_name() -> str:
    network = db.session.get(Network, 1)
    return network.name if network else str(_l("Participation"))


def may_moderate(conference) -> bool:
    """Whether the signed-in person may run the conference's console (for its links)."""
    conference_id = getattr(conference, "id", None)
    return isinstance(conference_id, int) and allows(current_user, "moderator", conference_id)


def register(app: Flask) -> None:
    app.jinja_env.filters["format_date"] = format_date
    app.jinja_env.filters["version_note"] = presenters.version_note
    app.jinja_env.globals.update(
        current_locale=current_locale,
        text_direction=text_direction,
        language_name=language_label,
        format_datetime=format_datetime,
        network_name=network_name,
        language_choices=lambda: [(code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES],
        status_label=lambda status: STATUS_LABELS.get(status, status),
        role_label=lambda role: ROLE_LABELS.get(role, role),
        may_moderate=may_moderate,
        number_text=numbers.number_text,
        weight_text=numbers.weight_text,
        fraction_text=numbers.fraction_text,
        share_text=numbers.share_text,
        part_text=numbers.part_text,
        needed_text=numbers.needed_text,
        at_least_text=numbers.at_least_text,
        poll_title=ballot_subject.reader_title,
    )
