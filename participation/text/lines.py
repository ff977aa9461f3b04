"""Line numbering of documents, as on a printed motion book.

Every block is wrapped on its *visible* text (Markdown markers such as ``**`` do not
count, since they are not shown) and every wrapped line gets a number; numbers run
on through the whole document, headings and list items included.  Blank lines
between blocks are not numbered.  A hard line break (backslash or two spaces at the
end of a source line) ends a numbered line.  Lines break at spaces and after the
hyphen of a compound word; a word longer than a line is broken with a hyphen mark,
so no line is wider than the width.

List items are laid out with a hanging indent: each nesting level indents by
:data:`ITEM_INDENT` columns and the marker takes at least :data:`ITEM_INDENT`
columns more (``"1.  "``, ``"•   "``; longer numbers take what they need), so
``indent + text`` of every item line fits the width.

The result is meant to be shown in a monospace font, where the screen lines then
match the numbering exactly (characters that are wide or combining in that font
aside: a character counts as one column).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from participation.text.blocks import Block, split_blocks
from participation.text.markup import escape, inline_runs, sanitize_html

ITEM_INDENT = 4
BULLET = "\u2022"
_NBSP = "\u00a0"
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
#: Shown at the end of a line where a word too long for any line was broken.
HYPHEN = "-"
# After a hyphen that joins two parts of a compound word ("Integrations-Beirat").
_HYPHEN_BREAK = re.compile(r"(?<=\w-)(?=\w)")
#: Stands for a hard line break among a block's visible characters.
BREAK = "\n"

Run = tuple[str, frozenset[str]]
_STYLE_ORDER = ("strong", "em")

NUMBERED_TAGS = frozenset({"div", "p", "h2", "h3", "h4", "span", "br", "strong", "em"})
NUMBERED_ATTRIBUTES = {
    "div": {"class", "data-block", "data-level"},
    "p": {"class", "data-block"},
    "h2": {"class", "data-block"},
    "h3": {"class", "data-block"},
    "h4": {"class", "data-block"},
    "span": {"class", "data-line", "aria-hidden"},
}


def words(text: str) -> list[str]:
    """Split text into words at runs of ASCII whitespace (space, tab, CR, LF, FF, VT).

    Other characters, in particular the no-break spaces U+00A0 and U+202F, belong to
    the word (so "§\u00a03" is never broken).
    """
    return [word for word in _WHITESPACE.split(text) if word]


@dataclass(frozen=True)
class Segment:
    """One wrapped line as a slice ``[start, end)`` of the text with single spaces.

    ``hyphen`` says that a word too long for a line was broken here and the line
    shows :data:`HYPHEN` after the slice.
    """

    start: int
    end: int
    hyphen: bool = False


def _pieces(word: str, offset: int) -> list[tuple[int, int]]:
    """Where a word may be broken: after each hyphen between two letters or digits."""
    cuts = [0, *(m.end() for m in _HYPHEN_BREAK.finditer(word)), len(word)]
    return [(offset + a, offset + b) for a, b in pairwise(cuts)]


def _chunks(text: str, start: int, end: int, width: int) -> tuple[list[Segment], int]:
    """Break an over-long piece into full lines with a hyphen mark; returns the rest's start."""
    full: list[Segment] = []
    take_at_most = width - 1 if width > 1 else 1
    while end - start > width:
        take = take_at_most
        # Never separate a combining mark from its letter.
        while take > 1 and unicodedata.combining(text[start + take]):
            take -= 1
        full.append(Segment(start, start + take, hyphen=width > 1))
        start += take
    return full, start


def segments(text: str, width: int) -> list[Segment]:
    """Break text into lines of at most ``width`` characters (code points).

    The slices refer to ``" ".join(words(text))``.  Lines break at spaces and after
    the hyphen of a compound word ("Integrations-" / "Beirat"); a word that fits on
    no line is broken into lines of ``width - 1`` characters plus a hyphen mark.
    Filling is greedy: a line takes every piece that still fits.
    """
    if width < 1:
        raise ValueError(f"line width must be at least 1, not {width}")
    plain = " ".join(words(text))
    lines: list[Segment] = []
    line: list[int] = []  # [start, end] of the line being filled
    offset = 0
    for word in plain.split(" ") if plain else []:
        for n, (start, end) in enumerate(_pieces(word, offset)):
            gap = 1 if n == 0 else 0
            if line and end - line[0] <= width and start - line[1] == gap:
                line[1] = end
                continue
            if line:
                lines.append(Segment(line[0], line[1]))
            full, start = _chunks(plain, start, end, width)
            lines += full
            line = [start, end]
        offset += len(word) + 1
    if line:
        lines.append(Segment(line[0], line[1]))
    return lines


def wrap(text: str, width: int) -> list[str]:
    """The lines of :func:`segments` as text, with the hyphen mark where a word was broken.

    Whitespace is normalised: the words (see :func:`words`) are joined by single
    spaces, leading and trailing whitespace is dropped.  No line is longer than
    ``width``.  Text without words gives ``[]``.
    """
    plain = " ".join(words(text))
    return [
        plain[seg.start : seg.end] + (HYPHEN if seg.hyphen else "") for seg in segments(text, width)
    ]


@dataclass(frozen=True)
class NumberedLine:
    number: int
    text: str  # visible text of the line, without Markdown markers and list marker


@dataclass(frozen=True)
class NumberedBlock:
    index: int  # position of the block in the document (as in split_blocks)
    block: Block
    lines: tuple[NumberedLine, ...]


@dataclass(frozen=True)
class _Layout:
    """A numbered block plus what the HTML needs: gutter and styled lines."""

    numbered: NumberedBlock
    marker: str  # list marker as displayed ("•", "3."), "" for other blocks
    indent: int  # columns before the marker
    text_column: int  # columns before the text
    styled: tuple[tuple[Run, ...], ...]
    spans: tuple[Span, ...]  # each line's slice of the visible characters


def visible_chars(text: str) -> list[tuple[str, frozenset[str]]]:
    """Visible characters with styles, whitespace runs collapsed to one space.

    A hard line break is the character :data:`BREAK`, with no space around it.
    """
    chars: list[tuple[str, frozenset[str]]] = []
    pending = False
    for run, styles in inline_runs(text):
        for char in run:
            if char == BREAK:
                chars.append((BREAK, styles))
                pending = False
            elif _WHITESPACE.fullmatch(char):
                pending = bool(chars) and chars[-1][0] != BREAK
            else:
                if pending:
                    # A space is styled only if both neighbours are, so <em> spans it.
                    chars.append((" ", chars[-1][1] & styles))
                    pending = False
                chars.append((char, styles))
    return chars


def _group(chars: Sequence[tuple[str, frozenset[str]]]) -> tuple[Run, ...]:
    runs: list[Run] = []
    for char, styles in chars:
        if runs and runs[-1][1] == styles:
            runs[-1] = (runs[-1][0] + char, styles)
        else:
            runs.append((char, styles))
    return tuple(runs)


Span = tuple[int, int]


def _spans(chars: Sequence[tuple[str, frozenset[str]]], width: int) -> list[Segment]:
    """The lines of a block as segments of its visible characters (:func:`visible_chars`).

    Every hard line break ends a line; each stretch between breaks has at least one line.
    """
    lines: list[Segment] = []
    start = 0
    breaks = [i for i, (char, _) in enumerate(chars) if char == BREAK]
    for end in [*breaks, len(chars)]:
        plain = "".join(char for char, _ in chars[start:end])
        found = segments(plain, width) or [Segment(0, 0)]
        lines += [Segment(start + s.start, start + s.end, s.hyphen) for s in found]
        start = end + 1
    return lines


def _styled_line(chars: Sequence[tuple[str, frozenset[str]]], segment: Segment) -> tuple[Run, ...]:
    part = list(chars[segment.start : segment.end])
    if segment.hyphen:
        part.append((HYPHEN, part[-1][1]))
    return _group(part)


def _display_markers(blocks: Sequence[Block]) -> list[str]:
    """List markers as a reader sees them: bullets, and running numbers.

    Like Markdown, an ordered list counts on from its first number, whatever the
    later items say; a paragraph, heading, bullet item or other delimiter ends it.
    """
    markers: list[str] = []
    counters: dict[int, tuple[str, int]] = {}  # level -> (delimiter, next number)
    for block in blocks:
        if block.kind != "item":
            counters.clear()
            markers.append("")
            continue
        counters = {level: c for level, c in counters.items() if level <= block.level}
        if block.marker[-1] not in ".)":
            counters.pop(block.level, None)
            markers.append(BULLET)
            continue
        delimiter, number = block.marker[-1], int(block.marker[:-1])
        previous = counters.get(block.level)
        if previous and previous[0] == delimiter:
            number = previous[1]
        counters[block.level] = (delimiter, number + 1)
        markers.append(f"{number}{delimiter}")
    return markers


def _layout(source: str, width: int, first: int) -> list[_Layout]:
    blocks = split_blocks(source)
    laid: list[_Layout] = []
    number = first
    for index, (block, marker) in enumerate(zip(blocks, _display_markers(blocks), strict=True)):
        indent = ITEM_INDENT * block.level if marker else 0
        column = indent + max(ITEM_INDENT, len(marker) + 1) if marker else 0
        chars = visible_chars(block.text)
        found = _spans(chars, max(1, width - column))
        styled = [_styled_line(chars, segment) for segment in found]
        spans = tuple((segment.start, segment.end) for segment in found)
        lines = tuple(
            NumberedLine(number + i, "".join(run for run, _ in line))
            for i, line in enumerate(styled)
        )
        number += len(lines)
        numbered = NumberedBlock(index, block, lines)
        laid.append(_Layout(numbered, marker, indent, column, tuple(styled), spans))
    return laid


def number_lines(source: str, width: int = 80, first: int = 1) -> list[NumberedBlock]:
    """Number the lines of a document, continuously from ``first``.

    Every block gets at least one line (an empty heading or item gets one empty line).
    """
    return [laid.numbered for laid in _layout(source, width, first)]


def line_spans(
    source: str, width: int = 80, first: int = 1
) -> list[tuple[NumberedBlock, tuple[Span, ...]]]:
    """Each numbered block with its lines' slices ``[start, end)`` of its :func:`visible_chars`.

    A line takes no characters a break dropped (the space at a wrap, a hard break).
    """
    return [(laid.numbered, laid.spans) for laid in _layout(source, width, first)]


def line_range(numbered: Sequence[NumberedBlock], block_indices: Iterable[int]) -> tuple[int, int]:
    """First and last line number covered by the blocks with the given indices."""
    wanted = set(block_indices)
    covered = [line.number for nb in numbered if nb.index in wanted for line in nb.lines]
    missing = wanted - {nb.index for nb in numbered}
    if missing or not covered:
        raise ValueError(f"no such blocks in the document: {sorted(missing) or 'none given'}")
    return min(covered), max(covered)


def _render_runs(runs: Iterable[Run]) -> str:
    out: list[str] = []
    for text, styles in runs:
        tags = [tag for tag in _STYLE_ORDER if tag in styles]
        opening = "".join(f"<{tag}>" for tag in tags)
        closing = "".join(f"</{tag}>" for tag in reversed(tags))
        out.append(f"{opening}{escape(text)}{closing}")
    return "".join(out)


def _gutter(laid: _Layout, first_line: bool, label: str | None) -> str:
    if not laid.marker:
        return ""
    if first_line and label is not None:
        padding = max(1, ITEM_INDENT - len(label))
        return f'<span class="marker demand-label">{escape(label + _NBSP * padding)}</span>'
    if first_line:
        padding = laid.text_column - laid.indent - len(laid.marker)
        gutter = _NBSP * laid.indent + laid.marker + _NBSP * padding
        return f'<span class="marker">{escape(gutter)}</span>'
    return f'<span class="indent" aria-hidden="true">{_NBSP * laid.text_column}</span>'


def _label_of(laid: _Layout, labels: Mapping[int, str]) -> str | None:
    """The label shown instead of the marker: top-level list items only."""
    block = laid.numbered.block
    if block.kind != "item" or block.level != 0:
        return None
    return labels.get(laid.numbered.index)


def _render_block(laid: _Layout, labels: Mapping[int, str]) -> str:
    block = laid.numbered.block
    label = _label_of(laid, labels)
    rows = []
    for i, (line, runs) in enumerate(zip(laid.numbered.lines, laid.styled, strict=True)):
        rows.append(
            f'<span class="ln" aria-hidden="true">{line.number}</span>'
            f"{_gutter(laid, i == 0, label)}"
            f'<span class="line" data-line="{line.number}">{_render_runs(runs)}</span>'
        )
    tag = {"heading": f"h{block.level}", "item": "div"}.get(block.kind, "p")
    level = f' data-level="{block.level}"' if block.kind == "item" else ""
    attributes = f'class="block block-{block.kind}" data-block="{laid.numbered.index}"{level}'
    return f"<{tag} {attributes}>{'<br>'.join(rows)}</{tag}>"


def render_numbered_html(
    source: str, width: int = 80, first: int = 1, labels: Mapping[int, str] | None = None
) -> str:
    """Render a document with line numbers; see the module docstring for the layout.

    Structure: ``<div class="numbered-text">`` holding one element per block
    (``<p>``, ``<h2>``..``<h4>`` or, for list items, ``<div data-level>``), each with
    ``class="block block-<kind>"`` and ``data-block="<index>"``.  Lines are separated
    by ``<br>``; each line is ``<span class="ln" aria-hidden="true">N</span>``, for
    list items a gutter span (``marker`` on the first line, ``indent`` after) filled
    with no-break spaces, and ``<span class="line" data-line="N">``.  Emphasis and
    strong are kept, everything else is escaped text.

    ``labels`` (block index → label, such as a catalogue's demand numbers "3.2a") replace the
    list marker of top-level items: ``<span class="marker demand-label">`` holds the label and
    at least one no-break space, up to :data:`ITEM_INDENT` columns. Labels of other blocks are
    ignored.
    """
    body = "\n".join(_render_block(laid, labels or {}) for laid in _layout(source, width, first))
    html = f'<div class="numbered-text">\n{body}\n</div>'
    return sanitize_html(html, tags=NUMBERED_TAGS, attributes=NUMBERED_ATTRIBUTES)
