"""Checking input: texts without HTML, document numbers, agenda items and organisations."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from flask_babel import gettext as _

from participation.extensions import db
from participation.models import AgendaItem, Organisation
from participation.services.documents.rules import MAX_BODY, MAX_NUMBER
from participation.services.errors import Invalid
from participation.text import from_paragraphs, paragraphs, split_blocks
from participation.text.blocks import clean

_NUMBER = re.compile(r"[^\W_][\w.\-/]*")
# Anything that starts like an HTML tag, comment or declaration.
_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?]")
_SCRIPT_URL = re.compile(r"(?:java|vb|live)script:|data:[a-z]+/", re.IGNORECASE)
_SPACE_AND_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")


def _check_markup(value: str, label: str) -> None:
    """Refuse HTML and script URLs in any text, with a message that says what to do instead."""
    unescaped = html.unescape(value)
    if _HTML_TAG.search(value) or _HTML_TAG.search(unescaped):
        raise Invalid(
            _(
                "%(field)s must not contain HTML tags. Write plain text; use Markdown for "
                "**bold**, *italic* and lists.",
                field=label,
            ),
            {label: "html"},
        )
    squeezed = _SPACE_AND_CONTROL.sub("", unescaped)
    if _SCRIPT_URL.search(squeezed):
        raise Invalid(
            _("%(field)s must not contain script or data links.", field=label), {label: "script"}
        )


def plain_text(value: str | None, label: str, *, maximum: int, required: bool = True) -> str:
    """A one-line text: whitespace collapsed, no HTML, not too long."""
    cleaned = " ".join(clean(value or "").split())
    if required and not cleaned:
        raise Invalid(_("%(field)s must not be empty.", field=label), {label: "empty"})
    if len(cleaned) > maximum:
        raise Invalid(
            _("%(field)s may have at most %(n)d characters.", field=label, n=maximum),
            {label: "too long"},
        )
    _check_markup(cleaned, label)
    return cleaned


def markdown_text(value: str | None, label: str, *, maximum: int, required: bool = True) -> str:
    """A Markdown text: line endings and control characters cleaned, no HTML, not too long."""
    cleaned = clean(value or "").strip("\n")
    if not cleaned.strip():
        cleaned = ""
    if required and not cleaned:
        raise Invalid(_("%(field)s must not be empty.", field=label), {label: "empty"})
    if len(cleaned) > maximum:
        raise Invalid(
            _("%(field)s may have at most %(n)d characters.", field=label, n=maximum),
            {label: "too long"},
        )
    _check_markup(cleaned, label)
    return cleaned


def _body(value: str | None) -> str:
    """A document body in the form versions keep: blocks separated by blank lines."""
    text = markdown_text(value, _("Text"), maximum=MAX_BODY)
    body = from_paragraphs(paragraphs(text))
    if not split_blocks(body):
        raise Invalid(_("%(field)s must not be empty.", field=_("Text")), {_("Text"): "empty"})
    return body


def _number(value: str | None) -> str:
    number = plain_text(value, _("Number"), maximum=MAX_NUMBER)
    if not _NUMBER.fullmatch(number):
        raise Invalid(
            _("A number consists of letters, digits, “.”, “-” or “/”, such as A3 or WP8.2."),
            {_("Number"): "format"},
        )
    return number


def _agenda_item(conference_id: int, agenda_item_id: int | None) -> int | None:
    if not agenda_item_id:
        return None
    item = db.session.get(AgendaItem, agenda_item_id)
    if item is None or item.conference_id != conference_id:
        raise Invalid(_("The agenda item belongs to another conference."))
    return item.id


def _organisations(ids: Iterable[int] | None) -> list[int]:
    result = []
    for organisation_id in dict.fromkeys(ids or []):
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None:
            raise Invalid(_("Unknown organisation."))
        result.append(organisation.id)
    return result
