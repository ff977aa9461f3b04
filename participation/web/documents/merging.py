"""The merge view: a moderator resolves an amendment that collides with a change adopted since
it was filed, by writing the resulting text of the paragraphs both change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from participation.exports.archive import current_version
from participation.extensions import signed_in
from participation.models import Amendment, Version
from participation.services import documents as docs
from participation.services.errors import Conflict, DomainError, Invalid
from participation.text import number_lines, render_diff_html
from participation.web.access import access
from participation.web.documents.amendments import _posted_changes
from participation.web.documents.blueprint import AMENDMENT, bp
from participation.web.documents.common import (
    amendment_of,
    as_int,
    back_to,
    optional_int,
    refusal_status,
)


@dataclass
class MergeField:
    """One paragraph of the merge view: both changes as diffs, and the box for the result."""

    overlap: docs.Overlap
    #: "Line 4–6" of the current version, or of the amendment's base if it was removed.
    lines: str
    #: What was adopted since the amendment's base.
    adopted: Markup
    #: What the amendment wanted.
    wanted: Markup
    #: What the box holds: the posted text, else both changes joined, else the current text.
    value: str

    @property
    def rows(self) -> int:
        return min(14, max(4, len(self.value) // 36 + 2))


def _diff(old: str, new: str) -> Markup:
    rendered = render_diff_html(old, new, ins_label=_("inserted:"), del_label=_("deleted:"))
    return Markup(rendered)  # noqa: S704 - produced by the sanitising renderer


def _lines(version: Version, index: int, width: int) -> str:
    for block in number_lines(version.body, width):
        if block.index == index:
            span = (block.lines[0].number, block.lines[-1].number)
            return _("Line %(lines)s", lines=docs.format_ranges([span]))
    return ""


def merge_fields(amendment: Amendment, posted: Mapping[int, str] | None) -> list[MergeField]:
    width = amendment.document.conference.line_width
    current = current_version(amendment.document)
    fields = []
    for overlap in docs.overlaps(amendment):
        if overlap.current_index is None:
            lines = _lines(amendment.base_version, overlap.base_index, width)
            value = ""
        else:
            lines = _lines(current, overlap.current_index, width)
            value = (posted or {}).get(overlap.current_index, overlap.start_text)
        fields.append(
            MergeField(
                overlap=overlap,
                lines=lines,
                adopted=_diff(overlap.base_text, overlap.current_text),
                wanted=_diff(overlap.base_text, overlap.wanted_text),
                value=value,
            )
        )
    return fields


def _resolve(amendment: Amendment, outcome: str | None):
    """Save the posted result the way the moderator chose; returns where to go next."""
    conference_id = amendment.document.conference_id
    base_version_id = as_int(request.form.get("base_version_id"), _("Version"))
    changes = _posted_changes()
    if outcome == "merge":
        version = docs.merge_amendment(
            signed_in(),
            conference_id,
            amendment.id,
            base_version_id=base_version_id,
            changes=changes,
        )
        flash(
            _(
                "%(number)s is merged into the text; it is now version %(n)d.",
                number=amendment.number,
                n=version.number,
            ),
            "success",
        )
        return back_to(amendment.document)
    if outcome == "rebase":
        docs.rebase_amendment(
            signed_in(),
            conference_id,
            amendment.id,
            base_version_id=base_version_id,
            changes=changes,
        )
        flash(_("%(number)s now amends the current text.", number=amendment.number), "success")
        return redirect(
            url_for(
                ".amendment",
                conference_id=conference_id,
                document_id=amendment.document_id,
                amendment_id=amendment.id,
            )
        )
    raise Invalid(_("Choose whether the result amends the current text or goes into it."))


@bp.route(AMENDMENT + "/merge", methods=["GET", "POST"])
@access("moderator")
def merge(conference_id: int, document_id: int, amendment_id: int):
    amendment = amendment_of(conference_id, document_id, amendment_id)
    document = amendment.document
    if not amendment.needs_review or amendment.status not in docs.MERGEABLE_STATUSES:
        raise Conflict(_("This amendment fits the current text; it needs no revision."))
    error = None
    if request.method == "POST":
        try:
            return _resolve(amendment, request.form.get("outcome"))
        except DomainError as refused:
            error = refused
    version = current_version(document)
    posted_base = optional_int(request.form.get("base_version_id"))
    stale = posted_base is not None and posted_base != version.id
    posted = _posted_changes() if request.method == "POST" and not stale else None
    return (
        render_template(
            "documents/merge.html",
            conference=document.conference,
            document=document,
            amendment=amendment,
            version=version,
            since=docs.adopted_since(amendment),
            fields=merge_fields(amendment, posted),
            stale=stale,
            error=error,
            title=_("Resolve the collision of %(number)s", number=amendment.number),
        ),
        refusal_status(error) if error else 200,
    )
