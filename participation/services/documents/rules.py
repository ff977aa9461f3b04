"""Limits, allowed status changes and the labels of each status."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

MAX_NUMBER = 20
MAX_TITLE = 300
MAX_BODY = 100_000
MAX_BLOCK = 10_000
MAX_REASONING = 20_000
MAX_BODY_NAME = 200

#: Allowed status changes of a document; anything else is refused with a clear message.
DOCUMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted", "withdrawn"}),
    "submitted": frozenset({"admitted", "withdrawn", "referred"}),
    "admitted": frozenset({"in_vote", "withdrawn", "referred"}),
    "in_vote": frozenset({"admitted", "adopted", "adopted_amended", "rejected"}),
}
AMENDMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"admitted", "withdrawn", "taken_over"}),
    "admitted": frozenset({"in_vote", "withdrawn", "taken_over"}),
    "in_vote": frozenset({"admitted", "adopted", "rejected"}),
}
DEMAND_TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_vote"}),
    "in_vote": frozenset({"open", "adopted", "rejected"}),
}
#: Amendments that may still change the text.
OPEN_AMENDMENT_STATUSES = ("submitted", "admitted", "in_vote")
#: Documents that can be amended.
AMENDABLE_STATUSES = ("submitted", "admitted")
DECIDED_STATUSES = ("adopted", "adopted_amended", "rejected", "withdrawn", "referred")

DOCUMENT_STATUS_LABELS = {
    "draft": _l("draft"),
    "submitted": _l("submitted"),
    "admitted": _l("admitted"),
    "in_vote": _l("in the vote"),
    "adopted": _l("adopted"),
    "adopted_amended": _l("adopted as amended"),
    "rejected": _l("rejected"),
    "withdrawn": _l("withdrawn"),
    "referred": _l("referred"),
}
AMENDMENT_STATUS_LABELS = {
    "submitted": _l("submitted, not yet admitted"),
    "admitted": _l("admitted"),
    "in_vote": _l("in the vote"),
    "adopted": _l("adopted"),
    "taken_over": _l("taken over"),
    "rejected": _l("rejected"),
    "withdrawn": _l("withdrawn"),
}
DEMAND_STATUS_LABELS = {
    "open": _l("open"),
    "in_vote": _l("in the vote"),
    "adopted": _l("adopted"),
    "rejected": _l("rejected"),
}
KIND_LABELS = {"resolution": _l("Resolution"), "catalogue": _l("Demand catalogue")}
