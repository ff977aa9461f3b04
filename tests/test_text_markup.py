"""Tests for participation.text.markup (safe Markdown subset)."""

import pytest

from participation.text.markup import (
    heading_level,
    inline_runs,
    is_safe_url,
    plain_text,
    render_document,
    render_inline,
    render_markdown,
)

FORDERUNGEN = """# Unsere Forderungen

Die **Föderation** der *Migrant\\*innenorganisationen* fordert:

- ein sicheres Aufenthaltsrecht
- das kommunale Wahlrecht für Drittstaatsangehörige

1. Anerkennung ausländischer Berufsabschlüsse
2. Mehrsprachige Beratungsstellen
"""


def test_renders_supported_subset():
    html = render_markdown(FORDERUNGEN)
    assert "<h2>Unsere Forderungen</h2>" in html
    assert "<strong>Föderation</strong>" in html
    assert "<em>Migrant*innenorganisationen</em>" in html
    assert "<ul>\n<li>ein sicheres Aufenthaltsrecht</li>" in html
    assert "<ol>\n<li>Anerkennung ausländischer Berufsabschlüsse</li>" in html


@pytest.mark.parametrize(
    ("source", "tag"),
    [
        ("# Titel", "h2"),
        ("## Titel", "h2"),
        ("### Titel", "h3"),
        ("#### T", "h4"),
        ("###### T", "h4"),
    ],
)
def test_heading_levels_are_clamped(source, tag):
    assert render_markdown(source).startswith(f"<{tag}>")


def test_heading_level_function():
    assert [heading_level(n) for n in range(1, 7)] == [2, 2, 3, 4, 4, 4]


def test_ordered_list_start_is_kept():
    assert '<ol start="3">' in render_markdown("3. Drittens\n4. Viertens")


@pytest.mark.parametrize(
    "source",
    [
        "    eingerückter Text",
        "```\nCode\n```",
        "> Zitat",
        "---",
        "Titel\n=====",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "![Bild](https://example.org/bild.png)",
        "`Code`",
    ],
)
def test_unsupported_markdown_stays_text(source):
    html = render_markdown(source)
    for tag in ("<pre", "<code", "<blockquote", "<hr", "<h1", "<table", "<img"):
        assert tag not in html


def test_raw_html_is_escaped():
    html = render_markdown("Ein <b>fetter</b> Satz & mehr")
    assert html == "<p>Ein &lt;b&gt;fetter&lt;/b&gt; Satz &amp; mehr</p>\n"


def test_http_links_get_rel():
    html = render_markdown("[Satzung](https://example.org/satzung)")
    assert 'href="https://example.org/satzung"' in html
    assert 'rel="noopener nofollow"' in html


@pytest.mark.parametrize(
    "source",
    ["[x](/intern)", "[x](mailto:a@example.org)", "[x](ftp://example.org)", "[x](#anker)"],
)
def test_other_links_are_not_links(source):
    assert "<a" not in render_markdown(source)


def test_is_safe_url():
    assert is_safe_url("https://example.org")
    assert is_safe_url("HTTP://example.org")
    assert is_safe_url("http://x")
    assert not is_safe_url("https://")
    assert not is_safe_url("https:///pfad")
    assert not is_safe_url("javascript:alert(1)")
    assert not is_safe_url("//example.org")


def test_render_inline_has_no_paragraph():
    assert render_inline("**Wahlrecht** für *alle*") == (
        "<strong>Wahlrecht</strong> für <em>alle</em>"
    )


def test_inline_runs_and_plain_text():
    runs = inline_runs("Wir **fordern *gleiche* Rechte** &amp; \\*Sternchen\\*")
    assert runs[0] == ("Wir ", frozenset())
    assert ("gleiche", frozenset({"em", "strong"})) in runs
    assert plain_text("Wir **fordern *gleiche* Rechte** &amp; \\*x\\*") == (
        "Wir fordern gleiche Rechte & *x*"
    )
    assert plain_text("[Satzung](https://example.org) und [böse](javascript:x)") == (
        "Satzung und [böse](javascript:x)"
    )


def test_render_document_uses_block_structure():
    source = "- Punkt eins\n\n  Absatz, der zum Punkt gehören würde\n\n# Titel"
    html = render_document(source)
    assert "<li>Punkt eins</li>" in html
    assert "<p>Absatz, der zum Punkt gehören würde</p>" in html
    assert "<h2>Titel</h2>" in html


def test_empty_input():
    assert render_markdown("") == ""
    assert render_inline("") == ""
    assert inline_runs("") == []
