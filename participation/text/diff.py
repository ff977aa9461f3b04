"""Differences between texts: word by word, rendered as formatted text, and block by block."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from participation.text.blocks import Block, canonical_sources, split_blocks
from participation.text.lines import BREAK
from participation.text.markup import escape, sanitize_html
from participation.text.styled import Token, readable_opcodes, styled_tokens

# Words (letters, digits, underscore; Unicode-aware), whitespace runs, and every
# other character on its own.  Together they cover every character, so joining
# the tokens gives the text back exactly.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")

#: Minimum similarity (difflib ratio on tokens) for two blocks to count as one changed block.
SIMILARITY_THRESHOLD = 0.4
# Above this many block pairs, replaced ranges are not aligned pairwise (cost is quadratic).
_MAX_ALIGN_PAIRS = 2500

DIFF_TAGS = frozenset(
    {"ins", "del", "span", "p", "h2", "h3", "h4", "ul", "ol", "li", "em", "strong", "br"}
)
DIFF_ATTRIBUTES = {
    "ins": {"class"},
    "del": {"class"},
    "span": {"class"},
    "ul": {"class"},
    "ol": {"class", "start"},
}
_STYLE_ORDER = ("strong", "em")

Op = tuple[str, str]


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _raw_ops(old: Sequence[str], new: Sequence[str]) -> list[Op]:
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    ops: list[Op] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.append(("equal", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            ops.append(("delete", "".join(old[i1:i2])))
        if j2 > j1:
            ops.append(("insert", "".join(new[j1:j2])))
    return ops


def _absorb_spaces(ops: list[Op]) -> list[Op]:
    """Treat a bare space between two changes as changed, so "a b" -> "c d" is one change."""
    out: list[Op] = []
    for i, (op, text) in enumerate(ops):
        between = 0 < i < len(ops) - 1 and ops[i - 1][0] != "equal" != ops[i + 1][0]
        if op == "equal" and between and not text.strip():
            out += [("delete", text), ("insert", text)]
        else:
            out.append((op, text))
    return out


def _coalesce(ops: list[Op]) -> list[Op]:
    """Merge each run of changes into at most one deletion followed by one insertion."""
    out: list[Op] = []
    deleted: list[str] = []
    inserted: list[str] = []
    for op, text in [*ops, ("equal", "")]:
        if op == "delete":
            deleted.append(text)
        elif op == "insert":
            inserted.append(text)
        else:
            out += [
                (kind, "".join(parts))
                for kind, parts in (("delete", deleted), ("insert", inserted))
                if parts
            ]
            deleted, inserted = [], []
            if text:
                out.append(("equal", text))
    return out


def word_diff(old: str, new: str) -> list[Op]:
    """Differences between two texts as ``(op, text)`` with op equal/insert/delete.

    Joining the equal and insert texts gives ``new``; joining equal and delete texts
    gives ``old`` (exactly, whitespace included).  No text is empty.
    """
    return _coalesce(_absorb_spaces(_raw_ops(tokenize(old), tokenize(new))))


def _hidden(label: str | None) -> str:
    return f'<span class="visually-hidden">{escape(label)} </span>' if label else ""


def _render_tokens(tokens: Sequence[Token]) -> str:
    out: list[str] = []
    for text, styles in tokens:
        tags = [tag for tag in _STYLE_ORDER if tag in styles]
        body = "<br>".join(escape(part) for part in text.split(BREAK))
        opening = "".join(f"<{tag}>" for tag in tags)
        closing = "".join(f"</{tag}>" for tag in reversed(tags))
        out.append(f"{opening}{body}{closing}")
    return "".join(out)


@dataclass(frozen=True)
class _Labels:
    inserted: str | None
    deleted: str | None

    def wrap(self, op: str, tokens: Sequence[Token]) -> str:
        if not tokens:
            return ""
        if op == "insert":
            return f'<ins class="diff-ins">{_hidden(self.inserted)}{_render_tokens(tokens)}</ins>'
        return f'<del class="diff-del">{_hidden(self.deleted)}{_render_tokens(tokens)}</del>'


def _element(block: Block, body: str) -> str:
    """A block as the element a reader knows: paragraph, heading or list item."""
    if block.kind == "heading":
        return f"<h{block.level}>{body}</h{block.level}>"
    if block.kind != "item":
        return f"<p>{body}</p>"
    nesting = f' class="diff-level-{block.level}"' if block.level else ""
    if block.marker[-1] in ".)":
        return f'<ol{nesting} start="{int(block.marker[:-1])}"><li>{body}</li></ol>'
    return f"<ul{nesting}><li>{body}</li></ul>"


def _same_shape(old: Block, new: Block) -> bool:
    ordered = old.marker[-1:] in (".", ")"), new.marker[-1:] in (".", ")")
    return (old.kind, old.level, ordered[0]) == (new.kind, new.level, ordered[1])


def _render_pair(old: Block | None, new: Block | None, labels: _Labels) -> str:
    if old is not None and new is not None and _same_shape(old, new):
        before, after = styled_tokens(old.text), styled_tokens(new.text)
        parts = []
        for tag, i1, i2, j1, j2 in readable_opcodes(before, after):
            if tag == "equal":
                parts.append(_render_tokens(before[i1:i2]))
            else:
                parts.append(labels.wrap("delete", before[i1:i2]))
                parts.append(labels.wrap("insert", after[j1:j2]))
        return _element(new, "".join(parts))
    html = ""
    if old is not None:
        html += _element(old, labels.wrap("delete", styled_tokens(old.text)))
    if new is not None:
        html += _element(new, labels.wrap("insert", styled_tokens(new.text)))
    return html


def render_diff_html(
    old: str, new: str, *, ins_label: str | None = None, del_label: str | None = None
) -> str:
    """The difference of two Markdown texts as formatted, sanitised HTML.

    Both are split into blocks; similar blocks are paired and compared word by word on
    their visible text, so formatting shows as formatting (``<strong>``, list items,
    headings) and a changed style is a changed word.  Removed text is in
    ``<del class="diff-del">``, added text in ``<ins class="diff-ins">``.  A block of
    which most words changed shows as one deletion and one insertion.

    ``ins_label``/``del_label`` (e.g. translated "eingefügt:"/"gestrichen:") are
    added as visually hidden text, for screen readers that do not announce ins/del.
    """
    labels = _Labels(ins_label, del_label)
    before, after = split_blocks(old), split_blocks(new)
    # One block against one is always the same block, however much of it changed.
    single = len(before) == len(after) == 1
    pairs = [(0, 0)] if single else _align(canonical_sources(before), canonical_sources(after))
    html = "".join(
        _render_pair(
            before[i] if i is not None else None, after[j] if j is not None else None, labels
        )
        for i, j in pairs
    )
    return sanitize_html(html, tags=DIFF_TAGS, attributes=DIFF_ATTRIBUTES)


@dataclass(frozen=True)
class BlockDiff:
    """One entry of a document comparison.

    ``status`` is "equal", "changed", "inserted" or "deleted"; the indices refer to
    ``split_blocks`` of the old and new document; texts are normalised block sources
    (Markdown, e.g. ``"- Wahlrecht für alle"``); ``html`` is the rendered word diff.
    """

    status: str
    old_index: int | None
    new_index: int | None
    old_text: str
    new_text: str
    html: str


def similarity(old: str, new: str) -> float:
    """Share of common words and punctuation (whitespace ignored), 0..1."""
    old_tokens = [token for token in tokenize(old) if not token.isspace()]
    new_tokens = [token for token in tokenize(new) if not token.isspace()]
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    if matcher.real_quick_ratio() < SIMILARITY_THRESHOLD:
        return 0.0
    return matcher.ratio()


Pair = tuple[int | None, int | None]


def _align(old: Sequence[str], new: Sequence[str]) -> list[Pair]:
    """Pair up similar blocks of a replaced range, keeping order (weighted LCS)."""
    if len(old) * len(new) > _MAX_ALIGN_PAIRS:
        return [(i, None) for i in range(len(old))] + [(None, j) for j in range(len(new))]
    score = [[0.0] * (len(new) + 1) for _ in range(len(old) + 1)]
    sims = [[similarity(a, b) for b in new] for a in old]
    for i in range(len(old) - 1, -1, -1):
        for j in range(len(new) - 1, -1, -1):
            paired = sims[i][j] + score[i + 1][j + 1] if sims[i][j] >= SIMILARITY_THRESHOLD else -1
            score[i][j] = max(score[i + 1][j], score[i][j + 1], paired)
    return _backtrack(score, sims, len(old), len(new))


def _backtrack(score: list[list[float]], sims: list[list[float]], n: int, m: int) -> list[Pair]:
    pairs: list[Pair] = []
    i = j = 0
    while i < n and j < m:
        if sims[i][j] >= SIMILARITY_THRESHOLD and score[i][j] == sims[i][j] + score[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            pairs.append((i, None))
            i += 1
        else:
            pairs.append((None, j))
            j += 1
    return pairs + [(k, None) for k in range(i, n)] + [(None, k) for k in range(j, m)]


def _entry(pair: Pair, old: Sequence[str], new: Sequence[str]) -> BlockDiff:
    i, j = pair
    old_text = old[i] if i is not None else ""
    new_text = new[j] if j is not None else ""
    if i is None:
        status = "inserted"
    elif j is None:
        status = "deleted"
    else:
        status = "equal" if old_text == new_text else "changed"
    return BlockDiff(status, i, j, old_text, new_text, render_diff_html(old_text, new_text))


def diff_blocks(old_source: str, new_source: str) -> list[BlockDiff]:
    """Compare two documents block by block, in document order.

    Blocks are compared in normalised form, so re-wrapping a paragraph is no change.
    Between two matched blocks, deleted blocks come before inserted ones.
    """
    old = canonical_sources(split_blocks(old_source))
    new = canonical_sources(split_blocks(new_source))
    pairs: list[Pair] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            pairs += [(i1 + k, j1 + k) for k in range(i2 - i1)]
        else:
            aligned = _align(old[i1:i2], new[j1:j2])
            pairs += [_offset(pair, i1, j1) for pair in aligned]
    return [_entry(pair, old, new) for pair in pairs]


def _offset(pair: Pair, i1: int, j1: int) -> Pair:
    i, j = pair
    return (None if i is None else i + i1, None if j is None else j + j1)
