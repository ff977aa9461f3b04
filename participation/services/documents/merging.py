"""A real collision: an amendment whose change overlaps a change adopted since it was filed.

The moderator sees, for each paragraph the amendment changes, what was adopted meanwhile and
what the amendment wanted, and writes the resulting text. The result either becomes the
amendment's new wording on the current version, so it can go to the vote, or goes into the
text at once; an amendment merged that way counts as taken over (as amended), the closest of
the amendment statuses to a merge without a vote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from participation.models import Amendment, Version
from participation.services import audit
from participation.services.documents.broadcast import _changed
from participation.services.documents.changes import changes_of, clean_changes
from participation.services.documents.rules import AMENDABLE_STATUSES, DOCUMENT_STATUS_LABELS
from participation.services.documents.transitions import _amendment_transition
from participation.services.documents.versions import _apply, _check_base, _current
from participation.services.documents.viewer import Viewer, _actor, viewer_for
from participation.services.documents.visibility import _load_amendment
from participation.services.errors import Conflict, NotAllowed
from participation.services.unit import use_case
from participation.text import diff_blocks, paragraphs
from participation.text.merge import merge_block

#: Amendments whose wording may still be re-stated; one in the vote keeps what is voted on.
MERGEABLE_STATUSES = ("submitted", "admitted")


@dataclass(frozen=True)
class Overlap:
    """One paragraph an amendment changes: as it was, as it is now, as the amendment wants it."""

    #: The paragraph's index in the amendment's base version.
    base_index: int
    base_text: str
    #: Where the paragraph is in the current version; ``None`` when it was removed.
    current_index: int | None
    current_text: str
    wanted_text: str
    #: Both changes joined where they touch different words, else the current text.
    start_text: str
    #: Whether the adopted change and the amendment change the same words.
    collides: bool


def overlaps(amendment: Amendment) -> list[Overlap]:
    """The amendment's changes set against what became of their paragraphs since its base."""
    base = amendment.base_version
    current = _current(amendment.document)
    moves = {
        entry.old_index: entry.new_index
        for entry in diff_blocks(base.body, current.body)
        if entry.old_index is not None
    }
    old_sources, new_sources = paragraphs(base.body), paragraphs(current.body)
    result = []
    for index, wanted in sorted(changes_of(amendment).items()):
        old = old_sources[index] if index < len(old_sources) else ""
        target = moves.get(index)
        now = new_sources[target] if target is not None else ""
        merged = merge_block(old, now, wanted) if target is not None else None
        result.append(
            Overlap(
                base_index=index,
                base_text=old,
                current_index=target,
                current_text=now,
                wanted_text=wanted,
                start_text=merged if merged is not None else now,
                collides=merged is None,
            )
        )
    return result


def adopted_since(amendment: Amendment) -> list[Version]:
    """The versions made since the amendment's base, oldest first."""
    base = amendment.base_version
    return [v for v in amendment.document.versions if v.number > base.number]


def _load_collision(viewer: Viewer, conference_id: int, amendment_id: int) -> Amendment:
    """A moderator's amendment that needs review and may still change."""
    if not viewer.is_moderator:
        raise NotAllowed(_("Only moderators can resolve a collision of amendments."))
    amendment = _load_amendment(viewer, conference_id, amendment_id)
    if not amendment.needs_review:
        raise Conflict(
            _("%(number)s fits the current text; it needs no revision.", number=amendment.number)
        )
    if amendment.status not in MERGEABLE_STATUSES:
        raise Conflict(_("%(number)s cannot be changed now.", number=amendment.number))
    return amendment


@use_case
def rebase_amendment(
    actor, conference_id: int, amendment_id: int, *, base_version_id: int, changes: Mapping
) -> Amendment:
    """The moderator's result becomes the amendment's wording on the current version."""
    viewer = viewer_for(actor, conference_id)
    amendment = _load_collision(viewer, conference_id, amendment_id)
    document = amendment.document
    _check_base(document, base_version_id)
    current = _current(document)
    cleaned = clean_changes(changes, current.body)
    previous = amendment.base_version.number
    amendment.base_version_id = current.id
    amendment.changes = {str(index): text for index, text in sorted(cleaned.items())}
    amendment.needs_review = False
    audit.record(
        "amendment.rebased",
        f"amendment:{amendment.id}",
        actor=_actor(viewer),
        conference_id=conference_id,
        data={"from_version": previous, "version": current.number, "blocks": sorted(cleaned)},
    )
    _changed(document)
    return amendment


@use_case
def merge_amendment(
    actor, conference_id: int, amendment_id: int, *, base_version_id: int, changes: Mapping
) -> Version:
    """The moderator's result goes into the text as a new version; the amendment is taken over
    as amended. The other open amendments are carried onto the new version."""
    viewer = viewer_for(actor, conference_id)
    amendment = _load_collision(viewer, conference_id, amendment_id)
    document = amendment.document
    if document.status not in AMENDABLE_STATUSES:
        raise Conflict(
            _(
                "%(number)s is %(status)s; its text cannot change now.",
                number=document.number,
                status=DOCUMENT_STATUS_LABELS[document.status],
            )
        )
    _check_base(document, base_version_id)
    cleaned = clean_changes(changes, _current(document).body)
    _amendment_transition(viewer, amendment, "taken_over")
    amendment.needs_review = False
    version = _apply(
        document,
        cleaned,
        note=f"{amendment.number} taken over as amended",
        viewer=viewer,
        amendment=amendment,
    )
    audit.record(
        "amendment.merged",
        f"amendment:{amendment.id}",
        actor=_actor(viewer),
        conference_id=conference_id,
        data={"document": document.id, "version": version.number, "blocks": sorted(cleaned)},
    )
    _changed(document)
    return version
