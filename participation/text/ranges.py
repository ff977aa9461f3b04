"""Which numbered lines an amendment changes.

An amendment replaces whole blocks, but a reader wants to know the lines it really
touches: changing two words on lines 3 and 4 of an eight-line paragraph changes
"lines 3–4".  The words are compared as the diff shows them (:mod:`.styled`), so a
change of formatting counts, a change of Markdown spelling that looks the same does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from participation.text.blocks import Block, split_blocks
from participation.text.lines import NumberedBlock, Span, line_spans
from participation.text.styled import Token, readable_opcodes, styled_tokens

LineRange = tuple[int, int]
#: Stands between the blocks of a replacement that holds several.
_BLOCK_GAP: Token = ("\n\n", frozenset({"block"}))


def _shape(block: Block) -> tuple[str, int, bool]:
    return (block.kind, block.level, block.marker[-1:] in (".", ")"))


def _line_of(spans: Sequence[Span], offset: int) -> int:
    """Index of the line holding the character at ``offset`` (a dropped one: the line before)."""
    found = 0
    for n, (start, _) in enumerate(spans):
        if start <= offset:
            found = n
    return found


def _touched(old: Block, replacement: str, spans: Sequence[Span]) -> tuple[int, int] | None:
    """First and last line index (within the block) that ``replacement`` changes."""
    new_blocks = split_blocks(replacement)
    whole = (0, len(spans) - 1)
    if not any(_shape(block) == _shape(old) for block in new_blocks):
        return whole
    before = styled_tokens(old.text)
    after: list[Token] = []
    for n, block in enumerate(new_blocks):
        after += ([_BLOCK_GAP] if n else []) + styled_tokens(block.text)
    offsets = [0]
    for text, _ in before:
        offsets.append(offsets[-1] + len(text))
    lines: list[int] = []
    for tag, i1, i2, _, _ in readable_opcodes(before, after):
        if tag == "equal":
            continue
        if i2 > i1:
            lines += [_line_of(spans, offsets[i1]), _line_of(spans, offsets[i2] - 1)]
        else:
            lines.append(_line_of(spans, offsets[i1] - 1 if i1 else 0))
    return (min(lines), max(lines)) if lines else None


def changed_lines(
    numbered: Sequence[tuple[NumberedBlock, Sequence[Span]]], index: int, replacement: str
) -> LineRange:
    """The numbered lines (first, last) that replacing block ``index`` changes.

    ``numbered`` comes from :func:`~participation.text.lines.line_spans` of the base.
    A replacement that looks exactly like the block (only its Markdown is spelt
    differently) counts as changing the whole block.
    """
    block, spans = numbered[index]
    touched = _touched(block.block, replacement, spans) or (0, len(spans) - 1)
    return block.lines[touched[0]].number, block.lines[touched[1]].number


def merge_ranges(ranges: Iterable[LineRange]) -> list[LineRange]:
    """Sorted ranges, those that overlap or follow each other joined into one."""
    merged: list[LineRange] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    return merged


def amendment_lines(base_source: str, changes: Mapping[int, str], width: int) -> list[LineRange]:
    """The line ranges an amendment changes, joined where they meet.

    Indices that are not blocks of the base are left out.
    """
    numbered = line_spans(base_source, width)
    return merge_ranges(
        changed_lines(numbered, index, text)
        for index, text in changes.items()
        if 0 <= index < len(numbered)
    )
