"""Amendments at block level.

An amendment (``changes``) maps a block index of its base version (as in
:func:`~participation.text.blocks.paragraphs`) to the replacement source for that
block.  ``""`` deletes the block; a replacement with several blocks (separated by a
blank line) splits the block or inserts new ones after or before it.

Applying uses the raw block sources (see :mod:`participation.text.blocks`), never
re-indenting or re-wrapping untouched blocks, so rebasing an amendment onto an
adopted one and applying it gives exactly the text of applying both at once.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from participation.text.blocks import from_paragraphs, paragraphs

Changes = Mapping[int, str]
K = TypeVar("K", bound=Hashable)


def _check(changes: Changes, count: int) -> None:
    """Raise for indices that are not blocks of a base with ``count`` blocks."""
    for index, text in changes.items():
        if not isinstance(index, int) or isinstance(index, bool):
            raise TypeError(f"block index must be an int, not {index!r}")
        if not isinstance(text, str):
            raise TypeError(f"replacement for block {index} must be a str, not {type(text)}")
        if not 0 <= index < count:
            valid = f"valid are 0 to {count - 1}" if count else "it has no blocks at all"
            raise ValueError(
                f"the amendment changes block {index}, but the text has {count} blocks ({valid})"
            )


def apply_changes(base_source: str, changes: Changes) -> str:
    """Apply an amendment to its base version and return the new source."""
    base = paragraphs(base_source)
    _check(changes, len(base))
    return from_paragraphs(changes.get(i, text) for i, text in enumerate(base))


def index_map(base_source: str, changes: Changes) -> dict[int, int | None]:
    """Where each base block lands after :func:`apply_changes` (None if it was changed)."""
    count = len(paragraphs(base_source))
    _check(changes, count)
    mapping: dict[int, int | None] = {}
    position = 0
    for index in range(count):
        if index in changes:
            mapping[index] = None
            position += len(paragraphs(changes[index]))
        else:
            mapping[index] = position
            position += 1
    return mapping


@dataclass
class Rebased:
    """Result of :func:`rebase`: the moved amendment, or the blocks both touch."""

    changes: dict[int, str] | None
    conflicts: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.changes is not None


def rebase(changes: Changes, merged: Changes, base_source: str) -> Rebased:
    """Re-express an open amendment against the version created by adopting ``merged``.

    Both amendments refer to ``base_source``.  If they change disjoint blocks, the
    result holds ``changes`` with indices of the new version; otherwise
    ``changes`` is None and ``conflicts`` lists the base blocks both change.
    """
    count = len(paragraphs(base_source))
    _check(changes, count)
    overlap = sorted(set(changes) & set(merged))
    if overlap:
        return Rebased(None, overlap)
    mapping = index_map(base_source, merged)
    return Rebased({_landed(mapping, i): text for i, text in sorted(changes.items())})


def _landed(mapping: Mapping[int, int | None], index: int) -> int:
    landed = mapping[index]
    if landed is None:  # cannot happen for disjoint amendments
        raise AssertionError(f"block {index} was changed by the adopted amendment")
    return landed


def touched(changes: Changes) -> frozenset[int]:
    """The base block indices an amendment changes."""
    return frozenset(changes)


def collisions(amendments: Mapping[K, Changes]) -> list[tuple[K, K]]:
    """Pairs of amendments (to the same base) that change at least one common block.

    Pairs keep the order of ``amendments``: ``(a, b)`` with ``a`` listed before ``b``.
    """
    items: list[tuple[K, frozenset[int]]] = [(k, touched(c)) for k, c in amendments.items()]
    return [
        (key_a, key_b)
        for n, (key_a, blocks_a) in enumerate(items)
        for key_b, blocks_b in items[n + 1 :]
        if blocks_a & blocks_b
    ]


def conflicting_blocks(amendments: Iterable[Changes]) -> frozenset[int]:
    """Base blocks changed by more than one of the given amendments."""
    seen: set[int] = set()
    repeated: set[int] = set()
    for changes in amendments:
        repeated |= seen & set(changes)
        seen |= set(changes)
    return frozenset(repeated)
