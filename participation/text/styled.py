"""A block's visible text as styled tokens, and the differences between two such texts.

Differences are computed on what a reader sees, not on the Markdown source: making a
word bold changes that word (from plain to bold), it does not insert ``**``.  A token
is a word, a run of spaces, a hard line break or any other single character, together
with its styles (``"em"``, ``"strong"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from difflib import SequenceMatcher
from typing import TypeVar

from participation.text.lines import BREAK, visible_chars

Token = tuple[str, frozenset[str]]
#: ``(tag, i1, i2, j1, j2)`` as difflib gives them; tag is equal, replace, delete or insert.
Opcode = tuple[str, int, int, int, int]
T = TypeVar("T", bound=Hashable)

_TOKEN = re.compile(rf"\w+|{re.escape(BREAK)}|[ ]+|[^\w ]")

#: When more than this share of the words of a block changed, the change is shown (and
#: treated in merges) as one replacement of the whole text, not as a word salad.
CHANGED_SHARE_LIMIT = 0.55


def styled_tokens(text: str) -> list[Token]:
    """The visible tokens of a block's inline Markdown (see :mod:`.lines`)."""
    tokens: list[Token] = []
    run = ""
    styles: frozenset[str] = frozenset()
    for char, char_styles in [*visible_chars(text), ("", frozenset({"end"}))]:
        if char_styles != styles and run:
            tokens += [(token, styles) for token in _TOKEN.findall(run)]
            run = ""
        run += char
        styles = char_styles
    return tokens


def is_space(token: Hashable) -> bool:
    text = token[0] if isinstance(token, tuple) else token
    return isinstance(text, str) and text.isspace() and text != BREAK


def opcodes(
    old: Sequence[T], new: Sequence[T], space: Callable[[T], bool] = is_space
) -> list[Opcode]:
    """Differences as opcodes; changes separated only by spaces become one change."""
    raw = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    merged: list[list] = []
    for k, (tag, i1, i2, j1, j2) in enumerate(raw):
        between = 0 < k < len(raw) - 1
        if tag == "equal" and between and all(space(item) for item in old[i1:i2]):
            tag = "replace"
        if tag != "equal" and merged and merged[-1][0] != "equal":
            merged[-1][2], merged[-1][4] = i2, j2
        else:
            merged.append([tag, i1, i2, j1, j2])
    return [_tagged(*op) for op in merged]


def _tagged(tag: str, i1: int, i2: int, j1: int, j2: int) -> Opcode:
    if tag != "equal":
        tag = "insert" if i1 == i2 else "delete" if j1 == j2 else "replace"
    return (tag, i1, i2, j1, j2)


def changed_share(
    ops: Sequence[Opcode], old: Sequence[T], new: Sequence[T], space: Callable[[T], bool] = is_space
) -> float:
    """Share of the words (of both texts) that are not kept, 0..1."""
    total = sum(1 for item in old if not space(item)) + sum(1 for item in new if not space(item))
    kept = sum(
        1 for tag, i1, i2, _, _ in ops if tag == "equal" for item in old[i1:i2] if not space(item)
    )
    return 1 - 2 * kept / total if total else 0.0


def readable_opcodes(
    old: Sequence[T], new: Sequence[T], space: Callable[[T], bool] = is_space
) -> list[Opcode]:
    """:func:`opcodes`, but one replacement of everything when most of the words changed."""
    ops = opcodes(old, new, space)
    if changed_share(ops, old, new, space) > CHANGED_SHARE_LIMIT:
        return [_tagged("replace", 0, len(old), 0, len(new))] if old or new else []
    return ops
