"""An amendment's changes (new texts for blocks of one version): checked, compared, located."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import gettext as _

from participation.models import Amendment, Version
from participation.services.documents.checks import markdown_text
from participation.services.documents.rules import MAX_BLOCK, MAX_BODY, OPEN_AMENDMENT_STATUSES
from participation.services.errors import Invalid
from participation.text import collisions, normalise, paragraphs
from participation.text.ranges import amendment_lines


def changes_of(amendment: Amendment) -> dict[int, str]:
    """An amendment's changes with integer block indices (JSON keeps them as strings)."""
    return {int(key): text for key, text in (amendment.changes or {}).items()}


def clean_changes(changes: Mapping, base_body: str) -> dict[int, str]:
    """Check proposed paragraph texts against the base; keep only those that differ."""
    base = paragraphs(base_body)
    if not isinstance(changes, Mapping):
        raise Invalid(_("Change at least one paragraph."))
    result: dict[int, str] = {}
    total = 0
    for key, text in changes.items():
        try:
            index = int(key)
        except (TypeError, ValueError):
            raise Invalid(_("The amendment names a paragraph that does not exist.")) from None
        if not 0 <= index < len(base):
            raise Invalid(_("The amendment names a paragraph that does not exist."))
        label = _("Paragraph %(n)d", n=index + 1)
        if text is not None and not isinstance(text, str):
            raise Invalid(_("%(field)s must be text.", field=label))
        cleaned = markdown_text(text, label, maximum=MAX_BLOCK, required=False)
        if normalise(cleaned) == normalise(base[index]):
            continue
        total += len(cleaned)
        result[index] = cleaned
    if not result:
        raise Invalid(_("Nothing was changed. Change the text of at least one paragraph."))
    if total > MAX_BODY:
        raise Invalid(_("The amendment is too long."))
    return result


def amendment_collisions(amendments: Iterable[Amendment]) -> dict[int, list[Amendment]]:
    """Open amendments to the same version whose changes collide, per amendment id.

    Changes to different words of one paragraph do not collide; they can both be adopted.
    """
    by_base: dict[int, dict[int, dict[int, str]]] = {}
    bodies: dict[int, str] = {}
    index = {}
    for amendment in amendments:
        if amendment.status in OPEN_AMENDMENT_STATUSES:
            by_base.setdefault(amendment.base_version_id, {})[amendment.id] = changes_of(amendment)
            bodies[amendment.base_version_id] = amendment.base_version.body
            index[amendment.id] = amendment
    result: dict[int, list[Amendment]] = {}
    for base_id, group in by_base.items():
        for a, b in collisions(group, bodies[base_id]):
            result.setdefault(a, []).append(index[b])
            result.setdefault(b, []).append(index[a])
    return result


def line_ranges(version: Version, changes: Mapping[int, str], width: int) -> list[tuple[int, int]]:
    """The numbered lines an amendment's changes touch, joined where they meet."""
    return amendment_lines(version.body, changes, width)


def format_ranges(ranges: list[tuple[int, int]]) -> str:
    return ", ".join(f"{a}" if a == b else f"{a}\u2013{b}" for a, b in ranges)
