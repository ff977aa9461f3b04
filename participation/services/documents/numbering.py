"""Numbers of documents and amendments: their natural order and the next free one."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from participation.extensions import db
from participation.models import Amendment, Document
from participation.services.errors import Conflict


def label_key(label: str) -> tuple:
    """Natural order of labels: A2 < A10, 3.2 < 3.2a < 3.10."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.findall(r"\d+|[^\W\d_]+", label)
    )


def _next_document_number(conference_id: int, kind: str) -> str:
    prefix = "K" if kind == "catalogue" else "A"
    numbers = db.session.scalars(
        select(Document.number).where(Document.conference_id == conference_id)
    ).all()
    used = {int(n[1:]) for n in numbers if n.startswith(prefix) and n[1:].isdigit()}
    return f"{prefix}{max(used, default=0) + 1}"


def _check_number_free(conference_id: int, number: str, document: Document | None = None) -> None:
    clash = db.session.scalar(
        select(Document).where(Document.conference_id == conference_id, Document.number == number)
    )
    if clash is not None and clash is not document:
        raise Conflict(_("This conference has a document %(number)s already.", number=number))


def _next_position(conference_id: int) -> int:
    highest = db.session.scalar(
        select(func.max(Document.position)).where(Document.conference_id == conference_id)
    )
    return (highest or 0) + 1


def _next_amendment_number(document: Document) -> str:
    numbers = db.session.scalars(
        select(Amendment.number).where(Amendment.document_id == document.id)
    ).all()
    used = [int(n[1:]) for n in numbers if n[1:].isdigit()]
    return f"Ä{max(used, default=0) + 1}"
