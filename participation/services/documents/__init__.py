"""Resolutions, demand catalogues, amendments, versions and translations.

Public use cases (one transaction each, decorated with ``@use_case``) take an ``actor``: the
signed-in :class:`~participation.services.authz.Principal` or a :class:`Person` (demo, CLI).
They check who may do what here, not in the routes.

The voting building blocks :func:`start_vote`, :func:`apply_vote_result`, :func:`cancel_vote`
and :func:`describe_target` run inside the caller's transaction (no commit).

Every change to a text makes a new immutable :class:`Version`; adopting an amendment merges
it into a new version and carries the other open amendments onto it (or flags them for
review where they overlap). Read functions (``visible_documents``, ``get_document`` …) apply
the visibility rule: drafts and unadmitted items are seen only by their submitters'
organisation and the moderators.

Submodules, from the bottom up (each imports only those above it in this list):

* :mod:`.rules` - limits, allowed status changes, status labels
* :mod:`.checks` - plain and Markdown texts without HTML, numbers, agenda items, organisations
* :mod:`.numbering` - natural order of labels, the next free number
* :mod:`.viewer` - who is acting, with their role at the conference
* :mod:`.visibility` - who may read, change, amend or co-sign; loading and listing
* :mod:`.changes` - an amendment's changes: checked, colliding, their line ranges
* :mod:`.catalogues` - demand slots, section numbering, the Demand rows
* :mod:`.versions` - new versions, comparing them, carrying open amendments over
* :mod:`.transitions` - status changes of documents, amendments and demands
* :mod:`.broadcast` - telling pages to refresh after the commit

The rest is still in this module while it is split up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from participation import clock
from participation.extensions import db
from participation.models import (
    AgendaItem,
    Amendment,
    Catalogue,
    Conference,
    Demand,
    Document,
    DocumentOrganisation,
    Resolution,
    Translation,
    Version,
)
from participation.services import audit
from participation.services.conferences import get_conference
from participation.services.documents.broadcast import _changed, _documents_changed
from participation.services.documents.catalogues import (
    DemandSlot,
    demand_labels,
    demand_slots,
    number_sections,
    section_title,
)
from participation.services.documents.changes import (
    amendment_collisions,
    changes_of,
    clean_changes,
    format_ranges,
    line_ranges,
)
from participation.services.documents.checks import (
    _agenda_item,
    _body,
    _number,
    _organisations,
    markdown_text,
    plain_text,
)
from participation.services.documents.numbering import (
    _check_number_free,
    _next_amendment_number,
    _next_document_number,
    _next_position,
    label_key,
)
from participation.services.documents.rules import (
    AMENDABLE_STATUSES,
    AMENDMENT_STATUS_LABELS,
    AMENDMENT_TRANSITIONS,
    DECIDED_STATUSES,
    DEMAND_STATUS_LABELS,
    DEMAND_TRANSITIONS,
    DOCUMENT_STATUS_LABELS,
    DOCUMENT_TRANSITIONS,
    KIND_LABELS,
    MAX_BLOCK,
    MAX_BODY,
    MAX_BODY_NAME,
    MAX_NUMBER,
    MAX_REASONING,
    MAX_TITLE,
    OPEN_AMENDMENT_STATUSES,
)
from participation.services.documents.transitions import (
    _amendment_transition,
    _demand_transition,
    _transition,
)
from participation.services.documents.versions import (
    _apply,
    _block_moves,
    _carry_after_edit,
    _check_base,
    _check_fits,
    _current,
    _new_version,
    compare,
    get_version,
)
from participation.services.documents.viewer import (
    Viewer,
    _actor,
    _system_viewer,
    accreditation_of,
    viewer_for,
)
from participation.services.documents.visibility import (
    _load_amendment,
    _load_document,
    documents_summary,
    get_amendment,
    get_document,
    is_submitter,
    may_amend,
    may_cosign,
    may_edit,
    may_read,
    may_read_amendment,
    may_revise_amendment,
    may_submit,
    may_withdraw,
    may_withdraw_amendment,
    organisation_ids,
    organisations_in_documents,
    visible_amendments,
    visible_documents,
)
from participation.services.errors import Conflict, Invalid, NotAllowed, NotFound
from participation.services.unit import use_case
from participation.text import from_paragraphs, normalise, paragraphs, split_blocks

# --- putting documents forward and through their workflow: create, submit, admit, withdraw, ------


# --- creating ----------------------------------------------------------------------------------


@use_case
def create_document(
    actor,
    conference_id: int,
    *,
    kind: str,
    title: str,
    body: str,
    reasoning: str = "",
    number: str | None = None,
    agenda_item_id: int | None = None,
    organisation_ids: Iterable[int] | None = None,
    cosigner_ids: Iterable[int] | None = None,
    submitting_body: str = "",
    submit: bool = False,
) -> Document:
    """Create a resolution or catalogue with its first version.

    A delegate submits for their own organisation; a moderator may name any organisations
    and/or a body (such as the speakers' council) as submitters, and choose the number.
    """
    viewer = viewer_for(actor, conference_id)
    conference = get_conference(conference_id)
    if kind not in ("resolution", "catalogue"):
        raise Invalid(_("Unknown kind of document."))
    if not viewer.at_least("delegate"):
        raise NotAllowed(_("Only delegates and moderators can put forward documents."))
    submitters, submitting_body = _submitters(viewer, organisation_ids, submitting_body)
    title = plain_text(title, _("Title"), maximum=MAX_TITLE)
    text = _body(body)
    if kind == "catalogue":
        text = _catalogue_text(text, renumber=True)
    reasoning = markdown_text(reasoning, _("Reasoning"), maximum=MAX_REASONING, required=False)
    if number and viewer.is_moderator:
        number = _number(number)
    else:
        number = _next_document_number(conference.id, kind)
    _check_number_free(conference.id, number)
    model = Catalogue if kind == "catalogue" else Resolution
    document = model(
        conference_id=conference.id,
        agenda_item_id=_agenda_item(conference.id, agenda_item_id),
        number=number,
        title=title,
        status="draft",
        reasoning=reasoning,
        submitting_body=submitting_body,
        created_by_id=viewer.person_id,
        position=_next_position(conference.id),
    )
    db.session.add(document)
    for organisation_id in submitters:
        document.organisations.append(
            DocumentOrganisation(organisation_id=organisation_id, role="submitter")
        )
    for organisation_id in _organisations(cosigner_ids):
        if organisation_id not in submitters:
            document.organisations.append(
                DocumentOrganisation(organisation_id=organisation_id, role="cosigner")
            )
    db.session.flush()
    audit.record(
        "document.created",
        f"document:{document.id}",
        actor=_actor(viewer),
        conference_id=conference.id,
        # No title: the audit log is public, drafts are not.
        data={"kind": kind, "number": number, "organisations": submitters},
    )
    _new_version(
        document, body=text, title=title, note="submitted" if submit else "draft", viewer=viewer
    )
    if submit:
        _transition(viewer, document, "submitted")
    _changed(document)
    return document


def _submitters(
    viewer: Viewer, named: Iterable[int] | None, submitting_body: str
) -> tuple[list[int], str]:
    """The submitting organisations and body of a new document.

    A moderator names them (by default their own organisation); a delegate submits for
    their own organisation only.
    """
    submitting_body = plain_text(
        submitting_body, _("Submitting body"), maximum=MAX_BODY_NAME, required=False
    )
    if viewer.is_moderator:
        submitters = _organisations(named)
        if not submitters and not submitting_body and viewer.organisation_id:
            submitters = [viewer.organisation_id]
        if not submitters and not submitting_body:
            raise Invalid(_("Name at least one submitting organisation or body."))
        return submitters, submitting_body
    if viewer.organisation_id is None:
        raise NotAllowed(_("Only delegates of a member organisation can put forward documents."))
    return [viewer.organisation_id], ""


def _catalogue_text(text: str, *, renumber: bool) -> str:
    """A catalogue's text, its sections renumbered unless numbering froze; needs a demand."""
    if renumber:
        text = number_sections(text)
    if not demand_slots(text):
        raise Invalid(_("A demand catalogue needs at least one demand (a list item “- …”)."))
    return text


# --- status ------------------------------------------------------------------------------------


@use_case
def set_document_status(actor, conference_id: int, document_id: int, status: str) -> Document:
    """Submit, admit, withdraw or refer a document (votes change the status elsewhere).

    Submitters submit and withdraw their own; moderators may do all four.
    """
    viewer = viewer_for(actor, conference_id)
    document = _load_document(viewer, conference_id, document_id)
    if status not in ("submitted", "admitted", "withdrawn", "referred"):
        raise Invalid(_("This status is set by a vote, not by hand."))
    own = viewer.at_least("delegate") and is_submitter(viewer, document)
    if not (viewer.is_moderator or (own and status in ("submitted", "withdrawn"))):
        raise NotAllowed(_("You are not allowed to do this."))
    _transition(viewer, document, status)
    _changed(document)
    return document


def submit_document(actor, conference_id: int, document_id: int) -> Document:
    return set_document_status(actor, conference_id, document_id, "submitted")


def admit_document(actor, conference_id: int, document_id: int) -> Document:
    return set_document_status(actor, conference_id, document_id, "admitted")


def withdraw_document(actor, conference_id: int, document_id: int) -> Document:
    return set_document_status(actor, conference_id, document_id, "withdrawn")


def refer_document(actor, conference_id: int, document_id: int) -> Document:
    return set_document_status(actor, conference_id, document_id, "referred")


# --- editing -----------------------------------------------------------------------------------


@use_case
def edit_document(
    actor,
    conference_id: int,
    document_id: int,
    *,
    base_version_id: int,
    title: str,
    body: str,
    reasoning: str | None = None,
    agenda_item_id: int | None = None,
    note: str = "",
) -> Version:
    """Change a document's text (a new version) and details.

    ``base_version_id`` is the version the editor started from; if someone changed the text
    in between, the edit is refused rather than silently overwriting their change.
    """
    viewer = viewer_for(actor, conference_id)
    document = _load_document(viewer, conference_id, document_id)
    _check_may_edit(viewer, document)
    _check_base(document, base_version_id)
    title = plain_text(title, _("Title"), maximum=MAX_TITLE)
    text = _body(body)
    if isinstance(document, Catalogue):
        text = _catalogue_text(text, renumber=document.admitted_at is None)
    if reasoning is not None:
        document.reasoning = markdown_text(
            reasoning, _("Reasoning"), maximum=MAX_REASONING, required=False
        )
    if agenda_item_id is not None:
        document.agenda_item_id = _agenda_item(conference_id, agenda_item_id)
    note = plain_text(note, _("Note"), maximum=200, required=False) or "edited"
    old = _current(document)
    if normalise(text) == normalise(old.body) and title == old.title:
        audit.record(
            "document.details_changed",
            f"document:{document.id}",
            actor=_actor(viewer),
            conference_id=conference_id,
            data={"agenda_item": document.agenda_item_id},
        )
        _changed(document)
        return old
    version = _new_version(
        document,
        body=text,
        title=title,
        note=note,
        viewer=viewer,
        mapping=_block_moves(old.body, text),
    )
    _carry_after_edit(document, old, version, viewer)
    _changed(document)
    return version


def _check_may_edit(viewer: Viewer, document: Document) -> None:
    """Refuse an edit: Conflict once the text is past changing, NotAllowed for the wrong person."""
    if may_edit(viewer, document):
        return
    if document.status not in ("draft", "submitted", "admitted"):
        raise Conflict(
            _(
                "%(number)s is %(status)s; its text cannot be changed any more.",
                number=document.number,
                status=DOCUMENT_STATUS_LABELS[document.status],
            )
        )
    raise NotAllowed(_("You are not allowed to change this text."))


# --- support and order -------------------------------------------------------------------------


@use_case
def cosign_document(
    actor, conference_id: int, document_id: int, organisation_id: int | None = None
) -> Document:
    """Co-sign for one's organisation (a moderator may name the organisation)."""
    viewer = viewer_for(actor, conference_id)
    document = _load_document(viewer, conference_id, document_id)
    if viewer.is_moderator and organisation_id:
        organisation = _organisations([organisation_id])[0]
    elif viewer.at_least("delegate") and viewer.organisation_id is not None:
        organisation = viewer.organisation_id
    else:
        raise Invalid(_("Only delegates of a member organisation can co-sign."))
    if organisation in organisation_ids(document):
        raise Conflict(_("Your organisation supports %(number)s already.", number=document.number))
    if document.status not in ("draft", "submitted", "admitted"):
        raise Conflict(_("%(number)s cannot be co-signed any more.", number=document.number))
    document.organisations.append(
        DocumentOrganisation(organisation_id=organisation, role="cosigner")
    )
    db.session.flush()
    audit.record(
        "document.cosigned",
        f"document:{document.id}",
        actor=_actor(viewer),
        conference_id=conference_id,
        data={"organisation": organisation},
    )
    _changed(document)
    return document


@use_case
def set_position(actor, conference_id: int, document_id: int, position: int) -> Document:
    """Moderators order the documents of an agenda item for the vote."""
    viewer = viewer_for(actor, conference_id)
    if not viewer.is_moderator:
        raise NotAllowed(_("Only moderators can change the voting order."))
    document = _load_document(viewer, conference_id, document_id)
    if not isinstance(position, int) or not 0 <= position <= 100_000:
        raise Invalid(_("The position must be a whole number from 0 to 100000."))
    document.position = position
    audit.record(
        "document.reordered",
        f"document:{document.id}",
        actor=_actor(viewer),
        conference_id=conference_id,
        data={"position": position},
    )
    _changed(document)
    return document


# --- amendments: filed by a member organisation against one version, withdrawn, admitted after ---


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


# --- translations: staff enter a version's text in the conference's other languages --------------


@use_case
def save_translation(
    actor,
    conference_id: int,
    document_id: int,
    *,
    language: str,
    title: str,
    body: str,
    version_id: int | None = None,
) -> Translation:
    """Staff enter a version's text in one of the conference's other languages."""
    viewer = viewer_for(actor, conference_id)
    if not viewer.is_admin:
        raise NotAllowed(_("Only conference admins and staff can enter translations."))
    document = _load_document(viewer, conference_id, document_id)
    languages = document.conference.languages or ["de"]
    if language not in languages[1:]:
        raise Invalid(_("Texts of this conference are not published in this language."))
    version = _translated_version(document, version_id)
    title = plain_text(title, _("Title"), maximum=MAX_TITLE)
    text = markdown_text(body, _("Text"), maximum=MAX_BODY)
    translation = db.session.scalar(
        select(Translation).where(
            Translation.version_id == version.id, Translation.language == language
        )
    )
    if translation is None:
        translation = Translation(version=version, language=language)
        db.session.add(translation)
    translation.title = title
    translation.body = from_paragraphs(paragraphs(text))
    translation.created_by_id = viewer.person_id
    translation.created_at = clock.now()
    db.session.flush()
    audit.record(
        "translation.saved",
        f"translation:{translation.id}",
        actor=_actor(viewer),
        conference_id=conference_id,
        data={"document": document.id, "version": version.number, "language": language},
    )
    _changed(document)
    return translation


def _translated_version(document: Document, version_id: int | None) -> Version:
    """The version a translation is for: the one named, by default the current one."""
    current = _current(document)
    if version_id is None or version_id == current.id:
        return current
    version = next((v for v in document.versions if v.id == version_id), None)
    if version is None:
        raise NotFound(_("No such version."))
    return version


def latest_translation(document: Document, language: str) -> Translation | None:
    """The translation into ``language`` of the newest version that has one."""
    return db.session.scalar(
        select(Translation)
        .join(Version)
        .where(Version.document_id == document.id, Translation.language == language)
        .order_by(Version.number.desc())
        .limit(1)
    )


def translated_languages(document: Document) -> list[str]:
    found = set(
        db.session.scalars(
            select(Translation.language)
            .join(Version)
            .where(Version.document_id == document.id)
            .distinct()
        )
    )
    return [code for code in (document.conference.languages or []) if code in found]


# --- the voting building blocks: what a ballot says about its target, and the target's status ----


#: What a poll can be about.
Target = Amendment | Document | Demand


def _target(target_kind: str, target_id: int) -> Target:
    target: Target | None
    if target_kind == "amendment":
        target = db.session.get(Amendment, target_id)
    elif target_kind == "document":
        target = db.session.get(Document, target_id)
    elif target_kind == "demand":
        target = db.session.get(Demand, target_id)
    else:
        raise Invalid(_("Unknown kind of vote target."))
    if target is None:
        raise NotFound(_("The text to vote on does not exist."))
    return target


def _document_of(target: Target) -> Document:
    if isinstance(target, Amendment):
        return target.document
    if isinstance(target, Demand):
        return target.catalogue
    return target


def describe_target(target_kind: str, target_id: int) -> dict:
    """What a ballot shows about its target: kind, id, conference, label and title."""
    target = _target(target_kind, target_id)
    document = _document_of(target)
    if isinstance(target, Amendment):
        label = _(
            "%(amendment)s to %(document)s", amendment=target.number, document=document.number
        )
    elif isinstance(target, Demand):
        label = f"{document.number} {target.label}"
    else:
        label = document.number
    title = document.title
    if isinstance(target, Demand) and target.block_index is not None:
        blocks = split_blocks(_current(document).body)
        if target.block_index < len(blocks):
            title = blocks[target.block_index].text[:300]
    return {
        "kind": target_kind,
        "id": target.id,
        "conference_id": document.conference_id,
        "label": label,
        "title": title,
    }


def start_vote(target_kind: str, target_id: int, actor) -> None:
    """Move an admitted amendment or document, or an open demand, into the vote.

    Runs inside the caller's transaction (no commit); raises Conflict when the target cannot
    be voted on now.
    """
    target = _target(target_kind, target_id)
    document = _document_of(target)
    viewer = _system_viewer(actor, document.conference_id)
    if isinstance(target, Amendment):
        if target.status != "admitted":
            raise Conflict(
                _(
                    "%(number)s is %(status)s; only admitted amendments can be voted on.",
                    number=target.number,
                    status=AMENDMENT_STATUS_LABELS[target.status],
                )
            )
        if document.status != "admitted":
            raise Conflict(
                _(
                    "Amendments to %(number)s can only be voted on while it is admitted.",
                    number=document.number,
                )
            )
        _check_fits(target)
        _amendment_transition(viewer, target, "in_vote")
    elif isinstance(target, Demand):
        if target.status != "open" or target.block_index is None:
            raise Conflict(_("Demand %(label)s is not open for a vote.", label=target.label))
        if document.status != "admitted":
            raise Conflict(
                _(
                    "Demands of %(number)s can only be voted on while it is admitted.",
                    number=document.number,
                )
            )
        _demand_transition(viewer, target, "in_vote")
    else:
        if document.status != "admitted":
            raise Conflict(
                _(
                    "%(number)s is %(status)s; only admitted documents can be voted on.",
                    number=document.number,
                    status=DOCUMENT_STATUS_LABELS[document.status],
                )
            )
        _transition(viewer, document, "in_vote")
    _changed(document)


def apply_vote_result(target_kind: str, target_id: int, adopted: bool, actor) -> None:
    """Record a vote's outcome on its target (inside the caller's transaction).

    An adopted amendment is merged into a new version (other open amendments are carried or
    flagged); a document becomes adopted, or adopted as amended when its text was changed by
    amendments or rejected demands; a rejected demand is dropped from the text in a new
    version, its label kept.
    """
    target = _target(target_kind, target_id)
    document = _document_of(target)
    viewer = _system_viewer(actor, document.conference_id)
    if isinstance(target, Amendment):
        _amendment_transition(viewer, target, "adopted" if adopted else "rejected")
        if adopted:
            if target.needs_review or target.base_version_id != document.current_version_id:
                target.needs_review = True  # staff merge it by hand
            else:
                _apply(
                    document,
                    changes_of(target),
                    note=f"{target.number} adopted",
                    viewer=viewer,
                    amendment=target,
                )
    elif isinstance(target, Demand):
        _demand_transition(viewer, target, "adopted" if adopted else "rejected")
        if not adopted and target.block_index is not None:
            _apply(
                document,
                {target.block_index: ""},
                note=f"{target.label} rejected",
                viewer=viewer,
            )
    else:
        outcome = "rejected"
        if adopted:
            outcome = "adopted_amended" if _was_amended(document) else "adopted"
        _transition(viewer, document, outcome)
    _changed(document)


def _was_amended(document: Document) -> bool:
    if any(a.status in ("adopted", "taken_over") for a in document.amendments):
        return True
    return isinstance(document, Catalogue) and any(d.status == "rejected" for d in document.demands)


def cancel_vote(target_kind: str, target_id: int, actor) -> None:
    """Back from the vote (poll cancelled or not quorate), inside the caller's transaction."""
    target = _target(target_kind, target_id)
    document = _document_of(target)
    viewer = _system_viewer(actor, document.conference_id)
    if isinstance(target, Amendment):
        _amendment_transition(viewer, target, "admitted")
    elif isinstance(target, Demand):
        _demand_transition(viewer, target, "open")
    else:
        _transition(viewer, document, "admitted")
    _changed(document)


# --- the voting order: what goes to the vote, per agenda item, in the order it is voted on -------


@dataclass
class VoteItem:
    """One entry of the "goes to the vote" list."""

    kind: str  # "amendment", "demand", "document"
    target_id: int
    document: Document
    label: str
    status: str
    amendment: Amendment | None = None
    demand: Demand | None = None
    #: The lines an amendment changes ("3–5, 9"); empty if it no longer fits the text.
    lines: str = ""


def vote_order(actor, conference_id: int) -> list[tuple[AgendaItem | None, list[VoteItem]]]:
    """Admitted texts in voting order, per agenda item: amendments (in text order), then a
    catalogue's demands, then the document itself."""
    viewer = viewer_for(actor, conference_id)
    width = get_conference(conference_id).line_width
    groups: list[tuple[AgendaItem | None, list[VoteItem]]] = []
    for document in visible_documents(viewer, conference_id):
        if document.status not in ("admitted", "in_vote"):
            continue
        items = _amendment_items(viewer, document, width)
        if isinstance(document, Catalogue):
            items.extend(_demand_items(document))
        items.append(VoteItem("document", document.id, document, document.number, document.status))
        if groups and groups[-1][0] is document.agenda_item:
            groups[-1][1].extend(items)
        else:
            groups.append((document.agenda_item, items))
    return groups


def _amendment_items(viewer: Viewer, document: Document, width: int) -> list[VoteItem]:
    """The document's admitted amendments the viewer may read, in the order of the text."""
    amendments = [
        a
        for a in document.amendments
        if a.status in ("admitted", "in_vote") and may_read_amendment(viewer, a)
    ]
    amendments.sort(key=lambda a: (min(changes_of(a), default=0), label_key(a.number)))
    items = []
    for amendment in amendments:
        lines = ""
        if amendment.base_version_id == document.current_version_id:
            lines = format_ranges(line_ranges(_current(document), changes_of(amendment), width))
        items.append(
            VoteItem(
                "amendment",
                amendment.id,
                document,
                _(
                    "%(amendment)s to %(document)s",
                    amendment=amendment.number,
                    document=document.number,
                ),
                amendment.status,
                amendment=amendment,
                lines=lines,
            )
        )
    return items


def _demand_items(catalogue: Catalogue) -> list[VoteItem]:
    """The catalogue's demands still in its text and not yet decided."""
    return [
        VoteItem(
            "demand",
            demand.id,
            catalogue,
            f"{catalogue.number} {demand.label}",
            demand.status,
            demand=demand,
        )
        for demand in catalogue.demands
        if demand.status in ("open", "in_vote") and demand.block_index is not None
    ]


__all__ = [
    "AMENDABLE_STATUSES",
    "AMENDMENT_STATUS_LABELS",
    "AMENDMENT_TRANSITIONS",
    "DECIDED_STATUSES",
    "DEMAND_STATUS_LABELS",
    "DEMAND_TRANSITIONS",
    "DOCUMENT_STATUS_LABELS",
    "DOCUMENT_TRANSITIONS",
    "DemandSlot",
    "KIND_LABELS",
    "MAX_BLOCK",
    "MAX_BODY",
    "MAX_BODY_NAME",
    "MAX_NUMBER",
    "MAX_REASONING",
    "MAX_TITLE",
    "OPEN_AMENDMENT_STATUSES",
    "Viewer",
    "VoteItem",
    "accreditation_of",
    "admit_amendment",
    "admit_document",
    "amendment_collisions",
    "apply_vote_result",
    "cancel_vote",
    "changes_of",
    "clean_changes",
    "compare",
    "cosign_document",
    "create_document",
    "demand_labels",
    "demand_slots",
    "describe_target",
    "documents_summary",
    "edit_document",
    "file_amendment",
    "format_ranges",
    "get_amendment",
    "get_document",
    "get_version",
    "is_late",
    "is_submitter",
    "label_key",
    "latest_translation",
    "line_ranges",
    "markdown_text",
    "may_amend",
    "may_cosign",
    "may_edit",
    "may_read",
    "may_read_amendment",
    "may_revise_amendment",
    "may_submit",
    "may_withdraw",
    "may_withdraw_amendment",
    "number_sections",
    "organisation_ids",
    "organisations_in_documents",
    "plain_text",
    "refer_document",
    "revise_amendment",
    "save_translation",
    "section_title",
    "set_amendment_deadline",
    "set_document_status",
    "set_position",
    "start_vote",
    "submit_document",
    "take_over_amendment",
    "translated_languages",
    "viewer_for",
    "visible_amendments",
    "visible_documents",
    "vote_order",
    "withdraw_amendment",
    "withdraw_document",
    # Building blocks the working groups service reuses.
    "_agenda_item",
    "_changed",
    "_check_number_free",
    "_new_version",
    "_next_position",
    "_number",
    "_transition",
]
