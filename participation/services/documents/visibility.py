"""Who may read, change, amend or co-sign what, and the lists that follow from it.

Drafts and unadmitted items are seen only by their submitters' organisation (or creator),
the working group collecting them and the moderators; a text one may not read does not
reveal that it exists. A submitted document is the exception: every delegate of the conference
reads it, so organisations can co-sign it before it is admitted; observers and the public see
it once admitted.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from participation.extensions import db
from participation.models import (
    Amendment,
    Document,
    DocumentOrganisation,
    Organisation,
    WorkingGroupMember,
)
from participation.services.documents.numbering import label_key
from participation.services.documents.rules import (
    AMENDABLE_STATUSES,
    AMENDMENT_TRANSITIONS,
    DOCUMENT_TRANSITIONS,
)
from participation.services.documents.viewer import Viewer, viewer_for
from participation.services.errors import NotFound

# --- rights ------------------------------------------------------------------------------------


def _is_group_member(viewer: Viewer, working_group_id: int | None) -> bool:
    if working_group_id is None or viewer.accreditation_id is None:
        return False
    return (
        db.session.scalar(
            select(WorkingGroupMember.id).where(
                WorkingGroupMember.working_group_id == working_group_id,
                WorkingGroupMember.accreditation_id == viewer.accreditation_id,
            )
        )
        is not None
    )


def organisation_ids(document: Document, role: str | None = None) -> set[int]:
    return {
        link.organisation_id for link in document.organisations if role is None or link.role == role
    }


def is_submitter(viewer: Viewer, document: Document) -> bool:
    """Whether the viewer acts for the document's submitters (their organisation or creator)."""
    if viewer.organisation_id is not None and viewer.organisation_id in organisation_ids(
        document, "submitter"
    ):
        return True
    return viewer.person_id is not None and document.created_by_id == viewer.person_id


def may_read(viewer: Viewer, document: Document) -> bool:
    """Admitted documents are read by everyone accredited, submitted ones by every delegate;
    others by their circle only."""
    if viewer.role is None or document.conference_id != viewer.conference_id:
        return False
    if viewer.is_moderator or document.admitted_at is not None:
        return True
    if document.status == "submitted" and viewer.at_least("delegate"):
        return True
    if viewer.organisation_id is not None and viewer.organisation_id in organisation_ids(document):
        return True
    if viewer.person_id is not None and document.created_by_id == viewer.person_id:
        return True
    return _is_group_member(viewer, document.working_group_id)


def may_read_amendment(viewer: Viewer, amendment: Amendment) -> bool:
    if not may_read(viewer, amendment.document):
        return False
    if amendment.admitted_at is not None or viewer.is_moderator:
        return True
    if viewer.organisation_id is not None and amendment.organisation_id == viewer.organisation_id:
        return True
    return viewer.person_id is not None and amendment.proposer_id == viewer.person_id


def may_edit(viewer: Viewer, document: Document) -> bool:
    """Submitters (and moderators) until admission; conference admins and staff until the vote."""
    if document.status in ("draft", "submitted"):
        if viewer.is_moderator or is_submitter(viewer, document):
            return True
        return document.status == "draft" and _is_group_member(viewer, document.working_group_id)
    return document.status == "admitted" and viewer.is_admin


def may_amend(viewer: Viewer, document: Document) -> bool:
    if document.status not in AMENDABLE_STATUSES or not may_read(viewer, document):
        return False
    return viewer.at_least("delegate") and (
        viewer.organisation_id is not None or viewer.is_moderator
    )


def may_withdraw(viewer: Viewer, document: Document) -> bool:
    return "withdrawn" in DOCUMENT_TRANSITIONS.get(document.status, ()) and (
        viewer.is_moderator or (viewer.at_least("delegate") and is_submitter(viewer, document))
    )


def may_submit(viewer: Viewer, document: Document) -> bool:
    return document.status == "draft" and (
        viewer.is_moderator or (viewer.at_least("delegate") and is_submitter(viewer, document))
    )


def may_cosign(viewer: Viewer, document: Document) -> bool:
    return (
        viewer.at_least("delegate")
        and viewer.organisation_id is not None
        and document.status in ("draft", "submitted", "admitted")
        and viewer.organisation_id not in organisation_ids(document)
        and may_read(viewer, document)
    )


def may_withdraw_cosignature(viewer: Viewer, document: Document) -> bool:
    """A co-signing organisation's delegates may take its support back until admission."""
    return (
        viewer.at_least("delegate")
        and viewer.organisation_id is not None
        and document.status in ("draft", "submitted")
        and viewer.organisation_id in organisation_ids(document, "cosigner")
        and may_read(viewer, document)
    )


def may_withdraw_amendment(viewer: Viewer, amendment: Amendment) -> bool:
    if "withdrawn" not in AMENDMENT_TRANSITIONS.get(amendment.status, ()):
        return False
    if viewer.is_moderator:
        return True
    own = (
        viewer.organisation_id is not None and amendment.organisation_id == viewer.organisation_id
    ) or (viewer.person_id is not None and amendment.proposer_id == viewer.person_id)
    return viewer.at_least("delegate") and own


def may_revise_amendment(viewer: Viewer, amendment: Amendment) -> bool:
    return (
        amendment.needs_review
        and amendment.status in ("submitted", "admitted")
        and (may_withdraw_amendment(viewer, amendment))
    )


# --- loading -----------------------------------------------------------------------------------


def _load_document(viewer: Viewer, conference_id: int, document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if (
        document is None
        or document.conference_id != conference_id
        or not may_read(viewer, document)
    ):
        raise NotFound(_("This document does not exist or you may not read it."))
    return document


def _load_amendment(viewer: Viewer, conference_id: int, amendment_id: int) -> Amendment:
    amendment = db.session.get(Amendment, amendment_id)
    if (
        amendment is None
        or amendment.document.conference_id != conference_id
        or not may_read_amendment(viewer, amendment)
    ):
        raise NotFound(_("This amendment does not exist or you may not read it."))
    return amendment


def get_document(actor, conference_id: int, document_id: int) -> Document:
    """A document the actor may read; NotFound otherwise (drafts do not reveal themselves)."""
    return _load_document(viewer_for(actor, conference_id), conference_id, document_id)


def get_amendment(actor, conference_id: int, amendment_id: int) -> Amendment:
    return _load_amendment(viewer_for(actor, conference_id), conference_id, amendment_id)


# --- lists -------------------------------------------------------------------------------------


def visible_documents(
    actor,
    conference_id: int,
    *,
    status: str | None = None,
    agenda_item_id: int | None = None,
    organisation_id: int | None = None,
) -> list[Document]:
    """The conference's documents the actor may read, in agenda and voting order."""
    viewer = viewer_for(actor, conference_id)
    query = select(Document).where(Document.conference_id == conference_id)
    if status:
        query = query.where(Document.status == status)
    if agenda_item_id:
        query = query.where(Document.agenda_item_id == agenda_item_id)
    if organisation_id:
        query = query.where(
            Document.id.in_(
                select(DocumentOrganisation.document_id).where(
                    DocumentOrganisation.organisation_id == organisation_id
                )
            )
        )
    documents = [d for d in db.session.scalars(query) if may_read(viewer, d)]
    return sorted(documents, key=_document_order)


def _document_order(document: Document) -> tuple:
    item = document.agenda_item
    item_position = item.order_key if item is not None else (10**9, 0, 0, 0)
    return (*item_position, document.position, label_key(document.number))


def documents_summary(actor, conference_id: int) -> list[dict]:
    """What a live view lists: the documents the actor may read, with their status."""
    return [_summary(d) for d in visible_documents(actor, conference_id)]


def shared_documents_summary(conference_id: int) -> list[dict] | None:
    """What every accredited reader's :func:`documents_summary` lists when every document of
    the conference is admitted (the usual case at the conference itself); None while some are
    not, since then readers see different lists."""
    documents = db.session.scalars(select(Document).where(Document.conference_id == conference_id))
    ordered = sorted(documents, key=_document_order)
    if any(d.admitted_at is None for d in ordered):
        return None
    return [_summary(d) for d in ordered]


def _summary(document: Document) -> dict:
    return {
        "id": document.id,
        "number": document.number,
        "title": document.title,
        "kind": document.kind,
        "status": document.status,
        "agenda_item": document.agenda_item.number if document.agenda_item else None,
    }


def visible_amendments(actor, document: Document) -> list[Amendment]:
    viewer = viewer_for(actor, document.conference_id)
    return [a for a in document.amendments if may_read_amendment(viewer, a)]


def organisations_in_documents(conference_id: int) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(
                Organisation.id.in_(
                    select(DocumentOrganisation.organisation_id)
                    .join(Document)
                    .where(Document.conference_id == conference_id)
                )
            )
            .order_by(Organisation.name)
        )
    )
