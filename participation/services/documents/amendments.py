"""Amendments: filed by a member organisation against one version, withdrawn, admitted after
the deadline, taken over by the submitters, or revised when the text moved under them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from flask_babel import gettext as _

from participation import clock
from participation.extensions import db
from participation.models import Amendment, Conference, Version
from participation.services import audit
from participation.services.conferences import get_conference
from participation.services.documents.broadcast import _changed, _documents_changed
from participation.services.documents.changes import changes_of, clean_changes
from participation.services.documents.checks import _organisations, markdown_text
from participation.services.documents.numbering import _next_amendment_number
from participation.services.documents.rules import (
    AMENDABLE_STATUSES,
    AMENDMENT_TRANSITIONS,
    DOCUMENT_STATUS_LABELS,
    MAX_REASONING,
)
from participation.services.documents.transitions import _amendment_transition
from participation.services.documents.versions import _apply, _check_base, _check_fits, _current
from participation.services.documents.viewer import Viewer, _actor, viewer_for
from participation.services.documents.visibility import (
    _load_amendment,
    _load_document,
    may_revise_amendment,
    may_withdraw_amendment,
)
from participation.services.errors import Conflict, Invalid, NotAllowed
from participation.services.unit import use_case

# --- the deadline ------------------------------------------------------------------------------


def is_late(conference: Conference) -> bool:
    deadline = conference.amendment_deadline
    return deadline is not None and clock.now() > deadline


@use_case
def set_amendment_deadline(actor, conference_id: int, deadline: datetime | None) -> Conference:
    """Set (or with ``None`` clear) the conference's amendment deadline."""
    viewer = viewer_for(actor, conference_id)
    if not viewer.is_admin:
        raise NotAllowed(_("Only conference admins can set the amendment deadline."))
    conference = get_conference(conference_id)
    if deadline is not None and deadline.tzinfo is None:
        raise Invalid(_("The deadline needs a time zone."))
    if deadline is not None and not _in_utc_range(deadline):
        raise Invalid(_("Enter the deadline as date and time."))
    conference.amendment_deadline = deadline
    audit.record(
        "conference.amendment_deadline",
        f"conference:{conference.id}",
        actor=_actor(viewer),
        conference_id=conference.id,
        data={"deadline": deadline.isoformat() if deadline else None},
    )
    _documents_changed(conference.id)
    return conference


def _in_utc_range(moment: datetime) -> bool:
    """Whether the moment is stored as UTC: a day at the calendar's ends may fall outside."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


# --- filing ------------------------------------------------------------------------------------


@use_case
def file_amendment(
    actor,
    conference_id: int,
    document_id: int,
    *,
    base_version_id: int,
    changes: Mapping,
    reasoning: str = "",
    organisation_id: int | None = None,
) -> Amendment:
    """A delegate proposes, for their organisation, new texts for paragraphs of a version.

    Filed in time it is admitted at once; after the deadline it waits for a moderator.
    """
    viewer = viewer_for(actor, conference_id)
    document = _load_document(viewer, conference_id, document_id)
    if not viewer.at_least("delegate"):
        raise NotAllowed(_("Only delegates can file amendments."))
    organisation = _filing_organisation(viewer, organisation_id)
    if document.status not in AMENDABLE_STATUSES:
        raise Conflict(
            _(
                "%(number)s is %(status)s and cannot be amended.",
                number=document.number,
                status=DOCUMENT_STATUS_LABELS[document.status],
            )
        )
    _check_base(document, base_version_id)
    base = _current(document)
    cleaned = clean_changes(changes, base.body)
    reasoning = markdown_text(reasoning, _("Reasoning"), maximum=MAX_REASONING, required=False)
    late = is_late(document.conference)
    amendment = Amendment(
        document=document,
        number=_next_amendment_number(document),
        base_version_id=base.id,
        changes={str(index): text for index, text in sorted(cleaned.items())},
        reasoning=reasoning,
        status="submitted" if late else "admitted",
        organisation_id=organisation,
        proposer_id=viewer.person_id,
        late=late,
        admitted_at=None if late else clock.now(),
    )
    db.session.add(amendment)
    db.session.flush()
    audit.record(
        "amendment.filed",
        f"amendment:{amendment.id}",
        actor=_actor(viewer),
        conference_id=conference_id,
        data={
            "document": document.id,
            "number": amendment.number,
            "organisation": organisation,
            "blocks": sorted(cleaned),
            "late": late,
        },
    )
    _changed(document)
    return amendment


def _filing_organisation(viewer: Viewer, organisation_id: int | None) -> int:
    """A delegate files for their own organisation; a moderator without one names it."""
    if viewer.organisation_id is not None:
        return viewer.organisation_id
    if viewer.is_moderator and organisation_id:
        return _organisations([organisation_id])[0]
    if viewer.is_moderator:
        raise Invalid(_("Choose the organisation the amendment is filed for."))
    raise NotAllowed(_("Only delegates of a member organisation can file amendments."))


# --- after filing ------------------------------------------------------------------------------


@use_case
def withdraw_amendment(actor, conference_id: int, amendment_id: int) -> Amendment:
    """Its organisation (or a moderator) withdraws an amendment that is not being voted on."""
    viewer = viewer_for(actor, conference_id)
    amendment = _load_amendment(viewer, conference_id, amendment_id)
    if "withdrawn" in AMENDMENT_TRANSITIONS.get(amendment.status, ()) and not (
        may_withdraw_amendment(viewer, amendment)
    ):
        raise NotAllowed(_("Only its organisation or a moderator can withdraw an amendment."))
    _amendment_transition(viewer, amendment, "withdrawn")
    _changed(amendment.document)
    return amendment


@use_case
def admit_amendment(actor, conference_id: int, amendment_id: int) -> Amendment:
    """A moderator admits an amendment filed after the deadline."""
    viewer = viewer_for(actor, conference_id)
    if not viewer.is_moderator:
        raise NotAllowed(_("Only moderators can admit amendments."))
    amendment = _load_amendment(viewer, conference_id, amendment_id)
    _amendment_transition(viewer, amendment, "admitted")
    _changed(amendment.document)
    return amendment


@use_case
def take_over_amendment(actor, conference_id: int, amendment_id: int) -> Version:
    """The submitters take an amendment over: it is merged into a new version at once."""
    viewer = viewer_for(actor, conference_id)
    if not viewer.is_moderator:
        raise NotAllowed(_("Only moderators can mark an amendment as taken over."))
    amendment = _load_amendment(viewer, conference_id, amendment_id)
    document = amendment.document
    if document.status not in AMENDABLE_STATUSES:
        raise Conflict(
            _(
                "%(number)s is %(status)s; its text cannot change now.",
                number=document.number,
                status=DOCUMENT_STATUS_LABELS[document.status],
            )
        )
    _check_fits(amendment)
    _amendment_transition(viewer, amendment, "taken_over")
    version = _apply(
        document,
        changes_of(amendment),
        note=f"{amendment.number} taken over",
        viewer=viewer,
        amendment=amendment,
    )
    _changed(document)
    return version


@use_case
def revise_amendment(
    actor,
    conference_id: int,
    amendment_id: int,
    *,
    base_version_id: int,
    changes: Mapping,
    reasoning: str | None = None,
) -> Amendment:
    """Re-state an amendment flagged for review against the current version."""
    viewer = viewer_for(actor, conference_id)
    amendment = _load_amendment(viewer, conference_id, amendment_id)
    if not amendment.needs_review:
        raise Conflict(
            _("%(number)s fits the current text; it needs no revision.", number=amendment.number)
        )
    if not may_revise_amendment(viewer, amendment):
        raise NotAllowed(_("Only its organisation or a moderator can revise an amendment."))
    document = amendment.document
    _check_base(document, base_version_id)
    current = _current(document)
    cleaned = clean_changes(changes, current.body)
    amendment.base_version_id = current.id
    amendment.changes = {str(index): text for index, text in sorted(cleaned.items())}
    amendment.needs_review = False
    if reasoning is not None:
        amendment.reasoning = markdown_text(
            reasoning, _("Reasoning"), maximum=MAX_REASONING, required=False
        )
    audit.record(
        "amendment.revised",
        f"amendment:{amendment.id}",
        actor=_actor(viewer),
        conference_id=conference_id,
        data={"version": current.number, "blocks": sorted(cleaned)},
    )
    _changed(document)
    return amendment
