"""Putting documents forward and through their workflow: create, submit, admit, withdraw,
refer, edit, co-sign and order them for the vote."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import ngettext

from participation.extensions import db
from participation.models import Catalogue, Document, DocumentOrganisation, Resolution, Version
from participation.services import audit
from participation.services.conferences import get_conference
from participation.services.documents.broadcast import _changed
from participation.services.documents.catalogues import demand_slots, number_sections
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
    _next_document_number,
    _next_position,
)
from participation.services.documents.rules import (
    DOCUMENT_STATUS_LABELS,
    MAX_BODY_NAME,
    MAX_REASONING,
    MAX_TITLE,
)
from participation.services.documents.transitions import _transition
from participation.services.documents.versions import (
    _block_moves,
    _carry_after_edit,
    _check_base,
    _current,
    _new_version,
)
from participation.services.documents.viewer import Viewer, _actor, viewer_for
from participation.services.documents.visibility import (
    _load_document,
    is_submitter,
    may_edit,
    organisation_ids,
)
from participation.services.errors import Conflict, Invalid, NotAllowed
from participation.services.unit import use_case
from participation.text import normalise

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
    if status == "admitted" and document.status == "submitted":
        _check_support(document)
    _transition(viewer, document, status)
    _changed(document)
    return document


def missing_supporters(document: Document) -> int:
    """How many more organisations must co-sign before the document may be admitted."""
    needed = document.conference.min_supporters or 0
    return max(0, needed - len(organisation_ids(document, "cosigner")))


def _check_support(document: Document) -> None:
    missing = missing_supporters(document)
    if missing:
        raise Conflict(
            ngettext(
                "%(number)s cannot be admitted yet: it needs %(num)d more co-signing organisation.",
                "%(number)s cannot be admitted yet: it needs %(num)d more co-signing "
                "organisations.",
                missing,
                number=document.number,
            )
        )


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
    """Co-sign for one's organisation (a moderator may name the organisation).

    Delegates co-sign from submission on, so a text can gather support before it is admitted.
    Co-signing again for an organisation that co-signed already changes nothing, so a repeated
    tap signs once.
    """
    viewer = viewer_for(actor, conference_id)
    document = _load_document(viewer, conference_id, document_id)
    organisation = _signing_organisation(viewer, organisation_id)
    if organisation in organisation_ids(document, "cosigner"):
        return document
    if organisation in organisation_ids(document):
        raise Conflict(_("Your organisation supports %(number)s already.", number=document.number))
    if document.status not in ("draft", "submitted", "admitted"):
        raise Conflict(_("%(number)s cannot be co-signed any more.", number=document.number))
    document.organisations.append(
        DocumentOrganisation(organisation_id=organisation, role="cosigner")
    )
    return _support_changed(viewer, document, "document.cosigned", organisation)


@use_case
def withdraw_cosignature(
    actor, conference_id: int, document_id: int, organisation_id: int | None = None
) -> Document:
    """Take back one's organisation's co-signature before the document is admitted (a moderator
    may name the organisation); once admitted, its support is what admission rested on.

    Withdrawing a co-signature that is not there changes nothing, so a repeated tap is harmless.
    """
    viewer = viewer_for(actor, conference_id)
    document = _load_document(viewer, conference_id, document_id)
    organisation = _signing_organisation(viewer, organisation_id)
    if organisation in organisation_ids(document, "submitter"):
        raise Conflict(
            _(
                "Your organisation submitted %(number)s; it can withdraw the text instead.",
                number=document.number,
            )
        )
    link = next(
        (
            link
            for link in document.organisations
            if link.organisation_id == organisation and link.role == "cosigner"
        ),
        None,
    )
    if link is None:
        return document
    if document.status not in ("draft", "submitted"):
        raise Conflict(
            _(
                "%(number)s is %(status)s; its co-signatures can no longer be withdrawn.",
                number=document.number,
                status=DOCUMENT_STATUS_LABELS[document.status],
            )
        )
    document.organisations.remove(link)
    return _support_changed(viewer, document, "document.cosignature_withdrawn", organisation)


def _support_changed(viewer: Viewer, document: Document, action: str, organisation: int):
    """Record a co-signature given or taken back, and tell the document's readers."""
    db.session.flush()
    audit.record(
        action,
        f"document:{document.id}",
        actor=_actor(viewer),
        conference_id=document.conference_id,
        data={"organisation": organisation},
    )
    _changed(document)
    return document


def _signing_organisation(viewer: Viewer, organisation_id: int | None) -> int:
    """The organisation a co-signature is given or taken back for."""
    if not viewer.at_least("delegate"):
        raise NotAllowed(_("Only delegates of a member organisation can co-sign."))
    if viewer.is_moderator and organisation_id:
        return _organisations([organisation_id])[0]
    if viewer.organisation_id is None:
        raise Invalid(_("Only delegates of a member organisation can co-sign."))
    return viewer.organisation_id


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
