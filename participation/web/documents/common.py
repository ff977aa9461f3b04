"""What the document routes share: who is asking, reading form values, finding the text."""

from __future__ import annotations

from flask import redirect, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from participation.extensions import db, signed_in
from participation.models import MAX_ID, Amendment, Document, Organisation
from participation.services import documents as docs
from participation.services.errors import DomainError, Invalid, NotFound


def viewer_in(conference_id: int) -> docs.Viewer:
    return docs.viewer_for(signed_in(), conference_id)


def _number(value: str | None) -> int | None:
    """The number, if it fits a database column; ids and positions are 32-bit there."""
    try:
        number = int(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and -MAX_ID <= number <= MAX_ID else None


def as_int(value: str | None, label: str) -> int:
    """A required number from a form; Invalid names the field."""
    number = _number(value)
    if number is None:
        raise Invalid(_("%(field)s is missing or not a number.", field=label))
    return number


def optional_int(value: str | None) -> int | None:
    """A number from a form or query; None for nothing, zero or garbage."""
    return _number(value) or None


def refusal_status(error: DomainError) -> int:
    """Status of a re-rendered form that a service refused."""
    return error.status if error.status >= 400 else 422


def document_of(conference_id: int, document_id: int) -> Document:
    return docs.get_document(signed_in(), conference_id, document_id)


def amendment_of(conference_id: int, document_id: int, amendment_id: int) -> Amendment:
    amendment = docs.get_amendment(signed_in(), conference_id, amendment_id)
    if amendment.document_id != document_id:
        raise NotFound(_("This amendment does not exist or you may not read it."))
    return amendment


def back_to(document: Document) -> Response:
    return redirect(
        url_for("documents.show", conference_id=document.conference_id, document_id=document.id)
    )


def active_organisations() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
        )
    )
