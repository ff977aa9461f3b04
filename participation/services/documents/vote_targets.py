"""The voting building blocks: what a ballot says about its target, and the target's status
as it goes into the vote, comes out with a result, or comes back when the poll is cancelled.

They run inside the caller's transaction (no commit); the voting service calls them.
"""

from __future__ import annotations

from flask_babel import gettext as _

from participation.extensions import db
from participation.models import Amendment, Catalogue, Demand, Document
from participation.services.documents.broadcast import _changed
from participation.services.documents.changes import changes_of
from participation.services.documents.numbering import label_key
from participation.services.documents.rules import AMENDMENT_STATUS_LABELS, DOCUMENT_STATUS_LABELS
from participation.services.documents.transitions import (
    _amendment_transition,
    _demand_transition,
    _transition,
)
from participation.services.documents.versions import _apply, _check_fits, _current
from participation.services.documents.viewer import _system_viewer
from participation.services.errors import Conflict, Invalid, NotFound
from participation.text import split_blocks

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
        _refuse_while_amendments_open(document)
        _transition(viewer, document, "in_vote")
    _changed(document)


def _refuse_while_amendments_open(document: Document) -> None:
    """The final vote decides the text as amended: every admitted amendment is decided first.

    One that was never admitted (filed too late, say) holds nothing up; it never goes to a vote.
    """
    pending = sorted(
        (a for a in document.amendments if a.status in ("admitted", "in_vote")),
        key=lambda a: label_key(a.number),
    )
    if pending:
        raise Conflict(
            _(
                "The final vote on %(number)s can only be opened once every amendment to it is "
                "decided. Still open: %(amendments)s.",
                number=document.number,
                amendments=", ".join(
                    f"{a.number} ({AMENDMENT_STATUS_LABELS[a.status]})" for a in pending
                ),
            )
        )


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
