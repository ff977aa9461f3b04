"""Every renderer of participation.text must neutralise classic XSS payloads."""

import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from participation.text.diff import DIFF_TAGS, render_diff_html
from participation.text.lines import NUMBERED_TAGS, render_numbered_html
from participation.text.markup import ALLOWED_TAGS, render_inline, render_markdown
from tests.helpers import PAYLOADS

DANGEROUS_TAGS = re.compile(
    r"<\s*/?\s*(script|iframe|svg|img|object|embed|style|math|form|input|base|meta|link|body)\b",
    re.IGNORECASE,
)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_safe(output: str, allowed_tags: frozenset[str]) -> None:
    assert not DANGEROUS_TAGS.search(output), output
    collector = _Collector()
    collector.feed(output)
    collector.close()
    for tag, attrs in collector.tags:
        assert tag in allowed_tags, output
        for name, value in attrs:
            assert not name.startswith("on"), output
            assert name not in ("src", "style", "action", "formaction"), output
            if name == "href":
                assert re.match(r"https?://", value or ""), output
            assert "javascript:" not in (value or "").lower().replace("\t", ""), output


RENDERERS: dict[str, tuple[Callable[[str], str], frozenset[str]]] = {
    "markdown": (render_markdown, ALLOWED_TAGS),
    "inline": (render_inline, ALLOWED_TAGS),
    "numbered": (lambda text: render_numbered_html(text, width=24), NUMBERED_TAGS),
    "numbered_item": (lambda text: render_numbered_html(f"- {text}", width=24), NUMBERED_TAGS),
    "diff_old": (lambda text: render_diff_html(text, "Harmloser Text"), DIFF_TAGS),
    "diff_new": (lambda text: render_diff_html("Harmloser Text", text), DIFF_TAGS),
    "diff_labels": (
        lambda text: render_diff_html(text, text + "!", ins_label=text, del_label=text),
        DIFF_TAGS,
    ),
}


def test_corpus_is_substantial():
    assert len(PAYLOADS) >= 20


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised(payload, renderer):
    render, allowed = RENDERERS[renderer]
    assert_safe(render(payload), allowed)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_neutralised_inside_document(payload):
    document = f"## Titel\n\nVorher {payload} nachher\n\n- Forderung {payload}"
    assert_safe(render_markdown(document), ALLOWED_TAGS)
    assert_safe(render_numbered_html(document, width=30), NUMBERED_TAGS)


def test_numbered_and_diff_escape_every_angle_bracket():
    text = "a <b>fett</b> & <i>kursiv</i>"
    numbered = render_numbered_html(text)
    assert "&lt;b&gt;fett&lt;/b&gt;" in numbered
    assert "&amp;" in numbered
    diff = render_diff_html("", text)
    assert "&lt;b&gt;" in diff
    assert "<b>" not in diff


FRAGMENTS = [p for payload in PAYLOADS for p in re.split(r"(\W)", payload) if p] + [
    "\n",
    "\n\n",
    " ",
    "- ",
    "**",
    "*",
    "[",
    "](",
    ")",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_recombined_fragments_are_safe(text):
    for render, allowed in RENDERERS.values():
        assert_safe(render(text), allowed)
