r"""A document body as a sequence of blocks.

A block is a paragraph, a heading or a single list item, so that an amendment can
target one demand of a list.  The grammar is a subset of CommonMark:

* Blank lines separate blocks.
* A line ``#`` .. ``######`` followed by a space (or nothing) is a one-line heading.
* A line ``-``, ``*``, ``+``, ``1.`` or ``1)`` followed by a space (or nothing) starts a
  list item; the following non-blank lines continue it.  As in CommonMark, an
  ordered item interrupts a running paragraph only if it is numbered 1, so a
  hard-wrapped "am\n3. Oktober" stays one paragraph.
* An item is nested below the previous item if it is indented at least up to that
  item's text (CommonMark's rule).  Nesting survives blank lines between items and
  ends at the next paragraph or heading.
* Every other line starts or continues a paragraph.  An indented paragraph after a
  list item is a paragraph of its own (CommonMark would put it into the item).
* A line of a block that ends with a backslash or with two spaces ends with a hard
  line break.  In a block's text it is written as a backslash and a newline, the only
  newline a block's text can hold.

Before parsing, :func:`clean` normalises the source; see there.

Two textual forms exist:

* :func:`join_blocks` writes the *normalised* form: one line per block, items of a
  list on consecutive lines, nested items indented to their parent's text, other
  blocks separated by one blank line.
* :func:`paragraphs` returns the *raw* source of each block (cleaned, but with the
  author's line breaks and indentation), which is what amendments replace, and
  :func:`from_paragraphs` glues such pieces back together.  Because it never
  re-indents, applying amendments one after another gives exactly the same text
  as applying them at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

TAB_SIZE = 4

_HEADING = re.compile(r" *(#{1,6})(?: +(.*))?")
_ITEM = re.compile(r"( *)([-*+]|\d{1,9}[.)])(?:( +)(.*))?")
_CLOSING_HASHES = re.compile(r"(?:^| +)#+$")
# C0 and C1 control characters except tab and line feed (handled separately).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# An odd number of backslashes at the end: the last one is not escaped.
_BACKSLASH_BREAK = re.compile(r"(?<!\\)(?:\\\\)*\\$")
#: How a hard line break is written in a block's text.
HARD_BREAK = "\\\n"


@dataclass(frozen=True)
class Block:
    """One block of a document.

    ``text`` is the inline Markdown without the block prefix, whitespace collapsed to
    single spaces, hard line breaks written as :data:`HARD_BREAK`.  ``level`` is the
    HTML heading level (2..4) for headings, the list nesting depth (0 = top level) for
    items and 0 for paragraphs.  ``marker`` is the prefix as written: ``"##"``, ``"-"``,
    ``"3."``; empty for paragraphs.
    """

    kind: str  # "paragraph" | "heading" | "item"
    text: str
    level: int = 0
    marker: str = ""


def clean(source: str) -> str:
    r"""Normalise characters and lines without touching the block structure.

    Line endings become ``\n``; form feed and vertical tab become spaces; other
    control characters are removed; tabs are expanded to multiples of
    :data:`TAB_SIZE` columns; trailing spaces are stripped, except that two or more
    before a following non-blank line (a hard line break) become exactly two; the
    text is put into
    Unicode NFC (so "ü" typed as "u" + combining diaeresis equals a precomposed
    "ü").  Blank lines are kept; no-break spaces are left alone.
    """
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text.replace("\f", " ").replace("\v", " "))
    text = unicodedata.normalize("NFC", text)
    lines = [line.expandtabs(TAB_SIZE) for line in text.split("\n")]
    return "\n".join(
        _strip_end(line, following.strip(" ") != "")
        for line, following in zip(lines, [*lines[1:], ""], strict=True)
    )


def _strip_end(line: str, continued: bool) -> str:
    stripped = line.rstrip(" ")
    if continued and stripped and len(line) - len(stripped) >= 2:
        return stripped + "  "
    return stripped


def ends_with_break(line: str) -> bool:
    """Does this source line end with a hard line break (backslash or two spaces)?"""
    return line.endswith("  ") or _BACKSLASH_BREAK.search(line) is not None


def _collapse(parts: Iterable[str]) -> str:
    return " ".join(word for part in parts for word in part.split(" ") if word)


@dataclass
class _Draft:
    kind: str
    marker: str
    level: int
    head: str
    lines: list[str] = field(default_factory=list)

    def block(self) -> Block:
        text = ""
        for n, line in enumerate(self.lines):
            piece = _collapse([self.head if n == 0 else line])
            if text and piece:
                text += _joint(self.lines[n - 1], text)
            text += piece
        return Block(self.kind, _guarded(text), self.level, self.marker)

    def source(self) -> str:
        # Spaces at the end of a block's last line break nothing.
        return "\n".join(self.lines).rstrip(" ")


def _joint(line: str, text: str) -> str:
    """What joins ``text`` (ending with source ``line``) to the next line's words."""
    if not ends_with_break(line):
        return " "
    if line.endswith("  "):
        return f" {HARD_BREAK}" if text.endswith("\\") else HARD_BREAK
    return "\n"  # the line's own backslash is already part of the text


def _guarded(text: str) -> str:
    """Escape a line after a hard break that would start a block of its own once written.

    Lines of a block are joined by single spaces, so two lines "- " (an empty item, which
    cannot interrupt a paragraph) become "- -", which can: written out and read again, the
    paragraph would split.  A backslash before the marker keeps it text, and Markdown shows
    the marker without it.
    """
    lines = text.split("\n")
    for n in range(1, len(lines)):
        item = _ITEM.fullmatch(lines[n])
        if _HEADING.fullmatch(lines[n]) or (item and _may_interrupt(item)):
            lines[n] = _escaped(lines[n])
    return "\n".join(lines)


def _escaped(line: str) -> str:
    """``line`` with its block marker escaped: ``\\- …``, ``\\# …``, ``1\\. …``."""
    if line[:1] in "#-*+":
        return "\\" + line
    digits = len(line) - len(line.lstrip("0123456789"))
    return line[:digits] + "\\" + line[digits:]


def _may_interrupt(match: re.Match[str]) -> bool:
    """Can this item line interrupt a paragraph (CommonMark rule)?"""
    marker, content = match.group(2), match.group(4)
    return bool(content) and (marker in ("-", "*", "+") or int(marker[:-1]) == 1)


def _nest(stack: list[int], match: re.Match[str]) -> int:
    """Nesting level of an item; updates ``stack`` (text columns of open items)."""
    indent, marker, spaces = len(match.group(1)), match.group(2), match.group(3) or ""
    while stack and indent < stack[-1]:
        stack.pop()
    level = len(stack)
    gap = len(spaces) if match.group(4) and 1 <= len(spaces) <= 4 else 1
    stack.append(indent + len(marker) + gap)
    return level


def _parse(source: str) -> list[_Draft]:
    drafts: list[_Draft] = []
    stack: list[int] = []
    current: _Draft | None = None
    for line in clean(source).split("\n"):
        if not line:
            current = None
            continue
        heading = _HEADING.fullmatch(line)
        item = _ITEM.fullmatch(line)
        if heading:
            marker = heading.group(1)
            text = _CLOSING_HASHES.sub("", heading.group(2) or "")
            drafts.append(_Draft("heading", marker, _heading_level(marker), text, [line]))
            stack.clear()
            current = None
        elif item and (current is None or current.kind == "item" or _may_interrupt(item)):
            level = _nest(stack, item)
            current = _Draft("item", item.group(2), level, item.group(4) or "", [line])
            drafts.append(current)
        elif current is None:
            stack.clear()
            current = _Draft("paragraph", "", 0, line, [line])
            drafts.append(current)
        else:
            current.lines.append(line)
    return drafts


def _heading_level(marker: str) -> int:
    # Same clamping as markup.heading_level, kept local so blocks stays import-free.
    return max(2, min(4, len(marker)))


def split_blocks(source: str) -> list[Block]:
    """Parse Markdown source into blocks."""
    return [draft.block() for draft in _parse(source)]


def paragraphs(source: str) -> list[str]:
    """The raw (cleaned) source text of each block, e.g. ``"  - Wahlrecht"``."""
    return [draft.source() for draft in _parse(source)]


def _separator(previous_kind: str, kind: str) -> str:
    return "\n" if previous_kind == kind == "item" else "\n\n"


def _glue(pieces: Sequence[tuple[str, str]]) -> str:
    """Join (kind, source) pieces: items of one list tight, everything else apart."""
    out: list[str] = []
    previous = ""
    for kind, text in pieces:
        if out:
            out.append(_separator(previous, kind))
        out.append(text)
        previous = kind
    return "".join(out)


def canonical_sources(blocks: Sequence[Block]) -> list[str]:
    """The normalised source line of each block, nested items indented."""
    sources: list[str] = []
    columns: list[int] = []  # text column of the latest item on each level
    for block in blocks:
        if block.kind == "item":
            level = min(block.level, len(columns))
            indent = columns[level - 1] if level else 0
            columns = [*columns[:level], indent + len(block.marker) + 1]
            line = " " * indent + block.marker
            text = block.text.replace("\n", "\n" + " " * columns[-1])
        else:
            columns = []
            line = block.marker or ("#" * block.level if block.kind == "heading" else "")
            text = block.text
        sources.append(f"{line} {text}" if line and text else line or text)
    return sources


def join_blocks(blocks: Iterable[Block]) -> str:
    """Write blocks in normalised form (the inverse of :func:`split_blocks`)."""
    blocks = list(blocks)
    return _glue([(b.kind, s) for b, s in zip(blocks, canonical_sources(blocks), strict=True)])


def from_paragraphs(texts: Iterable[str]) -> str:
    """Glue raw block sources (as from :func:`paragraphs`) into one document.

    Each text may hold zero, one or several blocks.  Nothing is re-indented or
    re-wrapped, so ``from_paragraphs(paragraphs(s))`` keeps the author's layout
    (cleaned, with blank lines between blocks and tight lists).
    """
    pieces = [(d.kind, d.source()) for text in texts for d in _parse(text)]
    return _glue(pieces)


def normalise(source: str) -> str:
    """Shorthand for ``join_blocks(split_blocks(source))``."""
    return join_blocks(split_blocks(source))
