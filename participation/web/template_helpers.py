"""Functions and filters the templates use."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from participation.config import SUPPORTED_LOCALES
from participation.extensions import db
from participation.models import Network
from participation.services.authz import allows

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
    app.jinja_env.globals.update(
        current_locale=current_locale,
        text_direction=text_direction,
        network_name=network_name,
        language_choices=lambda: [(code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES],
        status_label=lambda status: STATUS_LABELS.get(status, status),
        role_label=lambda role: ROLE_LABELS.get(role, role),
        may_moderate=may_moderate,
    )
