"""Status changes of documents, amendments and demands: checked, stamped and audited.

They run inside the caller's transaction; who may ask for a change is checked by the caller.
"""

from __future__ import annotations

from flask_babel import gettext as _

from participation import clock
from participation.models import Amendment, Demand, Document
from participation.services import audit
from participation.services.documents.rules import (
    AMENDMENT_STATUS_LABELS,
    AMENDMENT_TRANSITIONS,
    DECIDED_STATUSES,
    DEMAND_STATUS_LABELS,
    DEMAND_TRANSITIONS,
    DOCUMENT_STATUS_LABELS,
    DOCUMENT_TRANSITIONS,
)
from participation.services.documents.viewer import Viewer, _actor
from participation.services.errors import Conflict


def _transition(viewer: Viewer, document: Document, status: str) -> None:
    allowed = DOCUMENT_TRANSITIONS.get(document.status, frozenset())
    if status not in allowed:
        raise Conflict(
            _(
                "%(number)s is %(current)s; it cannot become %(wanted)s.",
                number=document.number,
                current=DOCUMENT_STATUS_LABELS[document.status],
                wanted=DOCUMENT_STATUS_LABELS.get(status, status),
            )
        )
    previous = document.status
    document.status = status
    now = clock.now()
    if status == "admitted" and document.admitted_at is None:
        document.admitted_at = now
    if status in DECIDED_STATUSES:
        document.decided_at = now
    audit.record(
        f"document.{status}",
        f"document:{document.id}",
        actor=_actor(viewer),
        conference_id=document.conference_id,
        data={"number": document.number, "from": previous},
    )


def _amendment_transition(viewer: Viewer, amendment: Amendment, status: str) -> None:
    if status not in AMENDMENT_TRANSITIONS.get(amendment.status, frozenset()):
        raise Conflict(
            _(
                "%(number)s is %(current)s; it cannot become %(wanted)s.",
                number=amendment.number,
                current=AMENDMENT_STATUS_LABELS[amendment.status],
                wanted=AMENDMENT_STATUS_LABELS.get(status, status),
            )
        )
    previous = amendment.status
    amendment.status = status
    now = clock.now()
    if status in ("admitted", "taken_over") and amendment.admitted_at is None:
        amendment.admitted_at = now
    if status in ("adopted", "taken_over", "rejected", "withdrawn"):
        amendment.decided_at = now
    audit.record(
        f"amendment.{status}",
        f"amendment:{amendment.id}",
        actor=_actor(viewer),
        conference_id=amendment.document.conference_id,
        data={"document": amendment.document_id, "number": amendment.number, "from": previous},
    )


def _demand_transition(viewer: Viewer, demand: Demand, status: str) -> None:
    if status not in DEMAND_TRANSITIONS.get(demand.status, frozenset()):
        raise Conflict(
            _(
                "Demand %(label)s is %(current)s; it cannot become %(wanted)s.",
                label=demand.label,
                current=DEMAND_STATUS_LABELS[demand.status],
                wanted=DEMAND_STATUS_LABELS.get(status, status),
            )
        )
    previous = demand.status
    demand.status = status
    audit.record(
        f"demand.{status}",
        f"demand:{demand.id}",
        actor=_actor(viewer),
        conference_id=demand.catalogue.conference_id,
        data={"catalogue": demand.catalogue_id, "label": demand.label, "from": previous},
    )
