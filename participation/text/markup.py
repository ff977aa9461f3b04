"""Safe Markdown for user-written texts.

Supported: paragraphs, bullet and ordered lists, headings, emphasis, strong and
``http(s)`` links.  Everything else Markdown knows (raw HTML, images, code
blocks, block quotes, tables, reference definitions, ...) is switched off in
the parser, so it shows up as the literal text the author typed.

Headings are clamped to ``h2``..``h4``: ``#`` and ``##`` give ``h2`` (the page
title is the ``h1``), ``###`` gives ``h3``, ``####`` and deeper give ``h4``.

Whatever the parser produces is passed through ``nh3`` with an allow-list as a
second, independent line of defence.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

ALLOWED_TAGS: frozenset[str] = frozenset(
    {"p", "h2", "h3", "h4", "ul", "ol", "li", "em", "strong", "a", "br"}
)
ALLOWED_ATTRIBUTES: Mapping[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "ol": frozenset({"start"}),
}
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https"})
#: nh3 adds this ``rel`` to every link; authors cannot set their own.
LINK_REL = "noopener nofollow"
INLINE_TAGS: frozenset[str] = frozenset({"em", "strong", "a", "br"})

_SAFE_URL = re.compile(r"https?://[^\s/?#]", re.IGNORECASE)

MIN_HEADING_LEVEL = 2
MAX_HEADING_LEVEL = 4

_DISABLED_RULES = [
    "code",
    "fence",
    "blockquote",
    "hr",
    "lheading",
    "html_block",
    "reference",
    "table",
    "image",
    "html_inline",
    "backticks",
    "strikethrough",
    "linkify",
]

# Inline styles reported by inline_runs(), keyed by the markdown-it token prefix.
_STYLE_TOKENS = {"em": "em", "strong": "strong"}


def heading_level(hashes: int) -> int:
    """Map the number of ``#`` of a Markdown heading to the HTML level (2..4)."""
    return max(MIN_HEADING_LEVEL, min(MAX_HEADING_LEVEL, hashes))


def is_safe_url(url: str) -> bool:
    """Accept only absolute ``http``/``https`` URLs (no relative, no other schemes)."""
    return _SAFE_URL.match(url.strip()) is not None


def escape(text: str) -> str:
    """Escape plain text for use in HTML text and attribute values."""
    return html.escape(text, quote=True)


@functools.cache
def _parser() -> MarkdownIt:
    """The parser, built when text is first rendered: markdown-it and nh3 cost a serving
    process about 4 MiB, which a hall that only votes never needs."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.disable(_DISABLED_RULES, ignoreInvalid=True)
    # The parser treats a link whose URL fails validation as plain text.
    parser.validateLink = is_safe_url  # type: ignore[method-assign]
    return parser


def _drop_unsafe_links(children: list[Token]) -> list[Token]:
    """Remove link tokens without a safe href, keeping the link text."""
    kept: list[Token] = []
    open_links: list[bool] = []
    for token in children:
        if token.type == "link_open":
            safe = is_safe_url(str(token.attrGet("href") or ""))
            open_links.append(safe)
            if safe:
                kept.append(token)
        elif token.type == "link_close":
            if open_links.pop() if open_links else False:
                kept.append(token)
        else:
            kept.append(token)
    return kept


def _restrict(tokens: list[Token]) -> list[Token]:
    """Clamp heading levels and strip unsafe links in a token stream (in place)."""
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{heading_level(int(token.tag[1:]))}"
        if token.children:
            token.children = _drop_unsafe_links(token.children)
    return tokens


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute in ("href", "src") and not is_safe_url(value):
        return None
    return value


def sanitize_html(
    markup: str,
    tags: Iterable[str] = ALLOWED_TAGS,
    attributes: Mapping[str, Iterable[str]] = ALLOWED_ATTRIBUTES,
) -> str:
    """Run HTML through nh3, keeping only the given tags and attributes.

    Links may only point to http(s) URLs and always get ``rel="noopener nofollow"``.
    """
    import nh3

    return nh3.clean(
        markup,
        tags=set(tags),
        attributes={tag: set(names) for tag, names in attributes.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        attribute_filter=_filter_attribute,
        strip_comments=True,
    )


def render_markdown(source: str) -> str:
    """Render Markdown source to sanitised HTML."""
    parser = _parser()
    tokens = _restrict(parser.parse(source))
    return sanitize_html(parser.renderer.render(tokens, parser.options, {}))


def render_inline(text: str) -> str:
    """Render one line of inline Markdown (emphasis, strong, links) to sanitised HTML."""
    parser = _parser()
    tokens = _restrict(parser.parseInline(text))
    rendered = parser.renderer.render(tokens, parser.options, {})
    return sanitize_html(rendered, tags=INLINE_TAGS, attributes={"a": {"href"}})


def render_document(source: str) -> str:
    """Render a block document in its normalised form.

    This renders exactly the structure that :mod:`participation.text.blocks` and the
    line numbering see, which for odd inputs (e.g. indented paragraphs after a list
    item) can differ from rendering the raw source.
    """
    from participation.text.blocks import join_blocks, split_blocks

    return render_markdown(join_blocks(split_blocks(source)))


def inline_runs(text: str) -> list[tuple[str, frozenset[str]]]:
    """Split inline Markdown into runs of visible text with their styles.

    Styles are ``"em"`` and ``"strong"``.  Markup characters disappear, escapes and
    entities are resolved, links keep only their text; a soft line break becomes a
    space, a hard line break (backslash or two spaces at the end of a line) ``"\\n"``.
    """
    runs: list[tuple[str, frozenset[str]]] = []
    depth = {"em": 0, "strong": 0}
    tokens = _restrict(_parser().parseInline(text))
    for token in (tokens[0].children or []) if tokens else []:
        kind, _, edge = token.type.rpartition("_")
        if kind in _STYLE_TOKENS and edge in ("open", "close"):
            depth[_STYLE_TOKENS[kind]] += 1 if edge == "open" else -1
        elif token.type == "softbreak":
            runs.append((" ", _active(depth)))
        elif token.type == "hardbreak":
            runs.append(("\n", _active(depth)))
        elif token.type == "text" and token.content:
            runs.append((token.content, _active(depth)))
    return runs


def _active(depth: Mapping[str, int]) -> frozenset[str]:
    return frozenset(style for style, count in depth.items() if count > 0)


def plain_text(text: str) -> str:
    """The visible text of inline Markdown, without any markup."""
    return "".join(run for run, _ in inline_runs(text))
