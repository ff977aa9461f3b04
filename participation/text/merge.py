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

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from participation.text.blocks import from_paragraphs, paragraphs, split_blocks
from participation.text.diff import tokenize
from participation.text.styled import Opcode, readable_opcodes

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
    """Result of :func:`rebase`: the moved amendment, or the blocks where both collide."""

    changes: dict[int, str] | None
    conflicts: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.changes is not None


# --- changes inside one block -----------------------------------------------------------------
#
# Two amendments may change the same block at different places.  Each is compared with
# the block's source word by word (see :mod:`.styled`); edits that neither overlap nor
# touch are merged.  Spaces are compared by kind (space, line break, hard break, blank
# line), so re-wrapping a line is not a change of the words around it.


def _key(token: str) -> str:
    if not token.isspace():
        return token
    if token.count("\n") > 1:
        return "\n\n"
    if "\n" in token:
        return "  \n" if len(token.split("\n")[0]) >= 2 else "\n"
    return " "


def _edits(base: Sequence[str], text: Sequence[str]) -> list[Opcode]:
    ops = readable_opcodes([_key(t) for t in base], [_key(t) for t in text], space=str.isspace)
    return [op for op in ops if op[0] != "equal"]


def _adds_blocks(base: str, inserted: str, at_end: bool) -> bool:
    """Does an insertion at the start or end of a block consist of whole new blocks?"""
    joined = base + inserted if at_end else inserted + base
    return len(split_blocks(joined)) > len(split_blocks(base))


@dataclass(frozen=True)
class _Edit:
    start: int  # base tokens [start, end) are replaced by ``tokens``
    end: int
    tokens: tuple[str, ...]
    new_blocks: bool  # an insertion of whole blocks before or after the block
    #: An insertion may sit on either side of the spaces around it: [low, high] covers both.
    low: int
    high: int

    def clashes(self, other: _Edit) -> bool:
        """Overlapping or touching edits collide; new blocks only inside another edit."""
        if self.new_blocks or other.new_blocks:
            point, span = (self, other) if self.new_blocks else (other, self)
            if span.new_blocks:
                return False
            return span.start < point.start < span.end
        return self.low <= other.high and other.low <= self.high


def _spread(tokens: Sequence[str], start: int, end: int) -> tuple[int, int]:
    if start != end:
        return start, end
    low, high = start, end
    while low > 0 and tokens[low - 1].isspace():
        low -= 1
    while high < len(tokens) and tokens[high].isspace():
        high += 1
    return low, high


def _block_edits(base: str, base_tokens: list[str], text: str) -> tuple[list[_Edit], list[Opcode]]:
    tokens = tokenize(text)
    ops = _edits(base_tokens, tokens)
    edits = []
    for _, i1, i2, j1, j2 in ops:
        inserted = "".join(tokens[j1:j2])
        at_edge = i1 == i2 and i1 in (0, len(base_tokens))
        at_end = i1 == len(base_tokens) and i1 > 0
        new_blocks = at_edge and _adds_blocks(base, inserted, at_end=at_end)
        low, high = _spread(base_tokens, i1, i2)
        edits.append(_Edit(i1, i2, tuple(tokens[j1:j2]), new_blocks, low, high))
    return edits, ops


def _moved(ops: Sequence[Opcode], position: int, total: int, late: bool) -> int:
    """Where a base position lies in the text ``ops`` lead to (at an insertion: before or after)."""
    for tag, i1, i2, j1, j2 in ops:
        if i1 == i2 == position:
            return j2 if late else j1
        if i1 <= position < i2:
            return j1 + position - i1 if tag == "equal" else j1
    return total


def merge_block(base: str, first: str, second: str) -> str | None:
    """Both replacements of one block merged, ``second``'s edits made on ``first``'s text.

    ``None`` when they collide: their edits overlap or touch, or one of them deletes
    the block.  Whole blocks that both add after (or before) the block do not collide;
    ``first``'s come first.
    """
    if not split_blocks(first) or not split_blocks(second):
        return None
    base_tokens = tokenize(base)
    first_edits, first_ops = _block_edits(base, base_tokens, first)
    second_edits, _ = _block_edits(base, base_tokens, second)
    if any(a.clashes(b) for a in first_edits for b in second_edits):
        return None
    merged = tokenize(first)
    full_ops = readable_opcodes(
        [_key(t) for t in base_tokens], [_key(t) for t in merged], space=str.isspace
    )
    for edit in reversed(second_edits):
        start = _moved(full_ops, edit.start, len(merged), late=True)
        end = start if edit.start == edit.end else _moved(full_ops, edit.end, len(merged), False)
        merged[start:end] = edit.tokens
    return "".join(merged)


def _collide(base: str, first: str, second: str) -> bool:
    return merge_block(base, first, second) is None


def _landing(base_source: str, merged: Changes) -> dict[int, tuple[int, int]]:
    """Base block → (first index, number of blocks) it becomes after applying ``merged``."""
    landing: dict[int, tuple[int, int]] = {}
    position = 0
    for index in range(len(paragraphs(base_source))):
        size = len(paragraphs(merged[index])) if index in merged else 1
        landing[index] = (position, size)
        position += size
    return landing


def _replace_blocks(old: Sequence[str], new: Sequence[str], start: int) -> dict[int, str]:
    """Changes that turn the blocks ``old`` (at ``start``) into ``new``, touching few blocks."""
    same = 0
    while same < min(len(old), len(new)) and old[same] == new[same]:
        same += 1
    tail = 0
    while tail < min(len(old), len(new)) - same and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    gone, added = old[same : len(old) - tail], list(new[same : len(new) - tail])
    if gone:
        changes = {start + same + n: "" for n in range(len(gone))}
        changes[start + same] = "\n\n".join(added)
        return changes
    if not added:
        return {}
    if same:
        return {start + same - 1: "\n\n".join([old[same - 1], *added])}
    return {start: "\n\n".join([*added, old[0]])}


def rebase(changes: Changes, merged: Changes, base_source: str) -> Rebased:
    """Re-express an open amendment against the version created by adopting ``merged``.

    Both amendments refer to ``base_source``.  Where they change different blocks, or
    different words of the same block (see :func:`merge_block`), the result holds
    ``changes`` against the new version; otherwise ``changes`` is None and ``conflicts``
    lists the base blocks where they collide.
    """
    base = paragraphs(base_source)
    _check(changes, len(base))
    _check(merged, len(base))
    shared: dict[int, str] = {}
    conflicts: list[int] = []
    for index in sorted(set(changes) & set(merged)):
        text = merge_block(base[index], merged[index], changes[index])
        if text is None:
            conflicts.append(index)
        else:
            shared[index] = text
    if conflicts:
        return Rebased(None, conflicts)
    landing = _landing(base_source, merged)
    moved: dict[int, str] = {}
    for index, text in sorted(changes.items()):
        start, _ = landing[index]
        if index in shared:
            moved.update(
                _replace_blocks(paragraphs(merged[index]), paragraphs(shared[index]), start)
            )
        else:
            moved[start] = text
    return Rebased(dict(sorted(moved.items())))


def touched(changes: Changes) -> frozenset[int]:
    """The base block indices an amendment changes."""
    return frozenset(changes)


def _pair_collides(base: Sequence[str], a: Changes, b: Changes) -> list[int]:
    return [
        index
        for index in sorted(set(a) & set(b))
        if index >= len(base) or _collide(base[index], a[index], b[index])
    ]


def collisions(amendments: Mapping[K, Changes], base_source: str) -> list[tuple[K, K]]:
    """Pairs of amendments (to the same base) whose changes collide in some block.

    Changes to different words of one block do not collide (see :func:`merge_block`).
    Pairs keep the order of ``amendments``: ``(a, b)`` with ``a`` listed before ``b``.
    """
    base = paragraphs(base_source)
    items = list(amendments.items())
    return [
        (key_a, key_b)
        for n, (key_a, changes_a) in enumerate(items)
        for key_b, changes_b in items[n + 1 :]
        if _pair_collides(base, changes_a, changes_b)
    ]


def conflicting_blocks(amendments: Iterable[Changes], base_source: str) -> frozenset[int]:
    """Base blocks where some two of the given amendments collide."""
    base = paragraphs(base_source)
    listed = list(amendments)
    return frozenset(
        index
        for n, a in enumerate(listed)
        for b in listed[n + 1 :]
        for index in _pair_collides(base, a, b)
    )
