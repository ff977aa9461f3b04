"""Telling the pages that show documents to refresh, once the change is committed."""

from __future__ import annotations

from participation import events
from participation.extensions import db
from participation.models import Document


def _changed(document: Document) -> None:
    """Tell the pages showing this document, and the conference's lists, to refresh.

    Payloads carry ids only: each client fetches what it may see.
    """
    events.publish(
        db.session(),
        "document_changed",
        f"document:{document.id}",
        {"conference_id": document.conference_id, "document_id": document.id},
    )
    _documents_changed(document.conference_id)


def _documents_changed(conference_id: int) -> None:
    """Tell the conference's lists of documents to refresh."""
    events.publish(
        db.session(),
        "documents_changed",
        f"conference:{conference_id}",
        {"conference_id": conference_id},
    )
