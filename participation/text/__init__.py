"""Pure functions on texts: Markdown rendering, blocks, line numbers, diffs, amendments.

Nothing here knows about the app; only the standard library, markdown-it-py and
nh3 are used.  Submodules:

* :mod:`.markup` - safe Markdown to HTML
* :mod:`.blocks` - a document as paragraphs, headings and list items
* :mod:`.lines` - wrapping and line numbering
* :mod:`.diff` - word and block differences
* :mod:`.styled` - visible tokens with their styles, and their differences
* :mod:`.ranges` - the numbered lines an amendment changes
* :mod:`.merge` - applying, rebasing and comparing amendments
"""

from participation.text.blocks import (
    Block,
    from_paragraphs,
    join_blocks,
    normalise,
    paragraphs,
    split_blocks,
)
from participation.text.diff import BlockDiff, diff_blocks, render_diff_html, word_diff
from participation.text.lines import (
    NumberedBlock,
    NumberedLine,
    line_range,
    line_spans,
    number_lines,
    render_numbered_html,
    wrap,
)
from participation.text.markup import render_document, render_inline, render_markdown
from participation.text.merge import Rebased, apply_changes, collisions, index_map, rebase

__all__ = [
    "Block",
    "BlockDiff",
    "NumberedBlock",
    "NumberedLine",
    "Rebased",
    "apply_changes",
    "collisions",
    "diff_blocks",
    "from_paragraphs",
    "index_map",
    "join_blocks",
    "line_range",
    "line_spans",
    "normalise",
    "number_lines",
    "paragraphs",
    "rebase",
    "render_diff_html",
    "render_document",
    "render_inline",
    "render_markdown",
    "render_numbered_html",
    "split_blocks",
    "word_diff",
    "wrap",
]
