"""Tests for participation.text.lines (wrapping and line numbering)."""

import re
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from participation.text.lines import (
    ITEM_INDENT,
    Segment,
    line_range,
    number_lines,
    render_numbered_html,
    segments,
    words,
    wrap,
)

LONG_WORD = "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz"

ANTRAG = f"""## Forderungen

Die Mitgliederversammlung möge beschließen, dass sich der Dachverband für die \
folgenden Punkte einsetzt:

1. Abschaffung der Vorrangprüfung und des {LONG_WORD}es
2. Einbürgerung nach drei Jahren
   - ohne *Verlust* der bisherigen Staatsangehörigkeit
3. **Kommunales Wahlrecht** für alle, die seit mindestens fünf Jahren hier leben

Begründung folgt mündlich."""


def test_wrap_german_text():
    text = "Die Delegierten fordern die Gleichstellung ausländischer Berufsabschlüsse."
    assert wrap(text, 30) == [
        "Die Delegierten fordern die",
        "Gleichstellung ausländischer",
        "Berufsabschlüsse.",
    ]


def test_wrap_breaks_long_words_with_a_hyphen_mark():
    assert wrap(f"Das {LONG_WORD} gilt.", 20) == [
        "Das",
        "Rindfleischetiketti-",
        "erungsüberwachungsa-",
        "ufgabenübertragungs-",
        "gesetz gilt.",
    ]
    assert wrap("abc", 1) == ["a", "b", "c"]  # no room for a mark at width 1


def test_wrap_breaks_compound_words_after_their_hyphen():
    assert wrap("Der Integrations-Beirat tagt heute", 17) == [
        "Der Integrations-",
        "Beirat tagt heute",
    ]
    assert wrap("Der Integrations-Beirat", 23) == ["Der Integrations-Beirat"]
    # a dash that does not join two parts is no break point
    assert wrap("Kosten -5 % bis 2030-", 8) == ["Kosten", "-5 % bis", "2030-"]
    assert segments("Integrations-Beirat", 14) == [Segment(0, 13), Segment(13, 19)]


def test_wrap_keeps_combining_marks_with_their_letter():
    word = "Grü̈ße"  # two combining marks, left alone by wrap
    assert wrap(word, 4) == ["Gr-", "ü̈-", "ße"]


def test_hard_line_breaks_end_numbered_lines():
    for source in ("Erste Zeile\\\nZweite Zeile", "Erste Zeile  \nZweite Zeile"):
        numbered = number_lines(source, width=40, first=3)
        assert [(ln.number, ln.text) for ln in numbered[0].lines] == [
            (3, "Erste Zeile"),
            (4, "Zweite Zeile"),
        ]
        html = render_numbered_html(source, width=40, first=3)
        assert "\\" not in html
        assert '<span class="line" data-line="3">Erste Zeile</span><br>' in html
    # in a list item, and an escaped backslash is no break
    numbered = number_lines("- Kita\\\n  Hort\n- a\\\\\nb", width=40)
    assert [[ln.text for ln in nb.lines] for nb in numbered] == [["Kita", "Hort"], ["a\\ b"]]


def test_broken_word_keeps_its_style_and_mark():
    html = render_numbered_html("**Integrationsbeiratsvorsitz**", width=10)
    assert "<strong>Integrati-</strong>" in html
    assert [ln.text for ln in number_lines("**Integrationsbeiratsvorsitz**", 10)[0].lines] == [
        "Integrati-",
        "onsbeirat-",
        "svorsitz",
    ]


def test_wrap_normalises_whitespace_but_not_no_break_space():
    assert wrap("  §\u00a03   Absatz\t2\n\nSatz\r\n1  ", 80) == ["§\u00a03 Absatz 2 Satz 1"]
    assert wrap("§\u00a03 Absatz", 6) == ["§\u00a03", "Absatz"]
    assert wrap(" \n\t ", 10) == []


def test_wrap_rejects_bad_width():
    with pytest.raises(ValueError, match="width"):
        wrap("Text", 0)


def test_number_lines_resolution():
    numbered = number_lines(ANTRAG, width=40)
    flat = [(nb.index, line.number, line.text) for nb in numbered for line in nb.lines]
    assert flat[0] == (0, 1, "Forderungen")
    assert [n for _, n, _ in flat] == list(range(1, len(flat) + 1))
    # list items wrap at width minus the hanging indent
    for nb in numbered:
        if nb.block.kind == "item":
            limit = 40 - ITEM_INDENT * (nb.block.level + 1)
            assert all(len(line.text) <= limit or " " not in line.text for line in nb.lines)
    texts = [text for _, _, text in flat]
    assert all(len(text) <= 40 for text in texts)
    assert "Rindfleischetikettierungsüberwachun-" in texts  # an over-long word is broken
    assert "ohne Verlust der bisherigen" in texts  # emphasis markers are not counted
    assert "Kommunales Wahlrecht für alle, die" in texts


def test_number_lines_first_and_empty():
    numbered = number_lines("Eins\n\n-\n\n##", width=20, first=17)
    assert [[(ln.number, ln.text) for ln in nb.lines] for nb in numbered] == [
        [(17, "Eins")],
        [(18, "")],
        [(19, "")],
    ]
    assert number_lines("") == []


def test_line_range():
    numbered = number_lines(ANTRAG, width=40)
    first, last = line_range(numbered, [2])
    assert first == numbered[2].lines[0].number
    assert last == numbered[2].lines[-1].number
    assert line_range(numbered, {3, 1}) == (
        numbered[1].lines[0].number,
        numbered[3].lines[-1].number,
    )
    with pytest.raises(ValueError, match="99"):
        line_range(numbered, [99])
    with pytest.raises(ValueError, match="none given"):
        line_range(numbered, [])


def test_render_numbered_html_structure():
    html = render_numbered_html(ANTRAG, width=40)
    numbered = number_lines(ANTRAG, width=40)
    total = sum(len(nb.lines) for nb in numbered)
    assert html.startswith('<div class="numbered-text">')
    assert re.findall(r'data-line="(\d+)"', html) == [str(n) for n in range(1, total + 1)]
    assert re.findall(r'<span class="ln" aria-hidden="true">(\d+)</span>', html) == [
        str(n) for n in range(1, total + 1)
    ]
    assert re.findall(r'data-block="(\d+)"', html) == [str(i) for i in range(len(numbered))]
    assert '<h2 class="block block-heading" data-block="0">' in html
    assert '<div class="block block-item" data-block="4" data-level="1">' in html
    assert "<em>Verlust</em>" in html
    assert "<strong>Kommunales Wahlrecht</strong>" in html
    assert '<span class="marker">1.&nbsp;&nbsp;</span>' in html


def test_render_numbered_counts_on_like_markdown():
    html = render_numbered_html("1. eins\n1. zwei\n1. drei\n- Punkt\n1. neu")
    markers = re.findall(r'<span class="marker">([^<]*)</span>', html)
    assert [m.replace("&nbsp;", "") for m in markers] == ["1.", "2.", "3.", "\u2022", "1."]


def test_render_numbered_labels_replace_top_level_markers():
    source = "## Bildung\n\n- Kita\n  - Hort\n- Schule für alle und noch viel mehr\n\nAbsatz"
    plain = render_numbered_html(source, width=20)
    html = render_numbered_html(
        source, width=20, labels={1: "1.1", 2: "9.9", 3: "1.10", 4: "0", 9: "7"}
    )
    labels = re.findall(r'<span class="marker demand-label">([^<]*)</span>', html)
    assert labels == ["1.1&nbsp;", "1.10&nbsp;"]
    # Only the first line of an item carries the label; nested items and paragraphs keep theirs.
    assert html.count('<span class="indent" aria-hidden="true">') == plain.count(
        '<span class="indent" aria-hidden="true">'
    )
    assert '<span class="marker">&nbsp;&nbsp;&nbsp;&nbsp;\u2022&nbsp;&nbsp;&nbsp;</span>' in html
    assert render_numbered_html(source, width=20, labels={}) == plain


def test_render_numbered_escapes_everything():
    html = render_numbered_html('Tom & Jerry <b>"Zitat"</b> \\*kein Stern\\*')
    assert "Tom &amp; Jerry &lt;b&gt;" in html
    assert "*kein Stern*" in html
    assert "<b>" not in html


# --- properties -----------------------------------------------------------

TEXT = st.one_of(
    st.text(),
    st.lists(
        st.one_of(
            st.sampled_from(["Wahlrecht", "für", "alle", LONG_WORD, "ä", "ß", "§\u00a01"]),
            st.sampled_from([" ", "  ", "\n", "\t", "\r\n"]),
        ),
        max_size=40,
    ).map("".join),
)
WIDTH = st.integers(min_value=1, max_value=60)


@settings(max_examples=200, deadline=None)
@given(TEXT, WIDTH)
def test_wrap_properties(text, width):
    plain = " ".join(words(text))
    found = segments(text, width)
    lines = wrap(text, width)
    assert len(lines) == len(found)
    for line, segment in zip(lines, found, strict=True):
        assert line
        assert len(line) <= width  # no line is wider than the width, whatever the words
        assert line == plain[segment.start : segment.end] + ("-" if segment.hyphen else "")
    # the lines are the text in order; only spaces are dropped at a break
    rebuilt = ""
    for segment in found:
        gap = plain[len(rebuilt) : segment.start]
        assert gap in ("", " ")
        rebuilt += gap + plain[segment.start : segment.end]
    assert rebuilt == plain
    # greedy: the next line's first piece would not have fitted
    for segment, following in pairwise(found):
        if not segment.hyphen:
            piece = re.match(r"[^ ]*?(?:\w-(?=\w)|$| )", plain[following.start :]).group()
            assert following.start + len(piece.rstrip(" ")) - segment.start > width


MARKDOWN_DOC = st.lists(
    st.one_of(
        st.sampled_from(
            ["Wahlrecht", "**fett**", "*kursiv*", LONG_WORD, "Straße", "ü", "Integrations-Beirat"]
        ),
        st.sampled_from(["\n- ", "\n  - ", "\n1. ", "\n## ", "\n\n", " ", "\n", "\\\n", "  \n"]),
        st.text(max_size=3),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(MARKDOWN_DOC, st.integers(min_value=10, max_value=80), st.integers(1, 1000))
def test_numbering_is_stable_and_continuous(source, width, first):
    numbered = number_lines(source, width, first)
    assert numbered == number_lines(source, width, first)
    numbers = [line.number for nb in numbered for line in nb.lines]
    assert numbers == list(range(first, first + len(numbers)))
    assert [nb.index for nb in numbered] == list(range(len(numbered)))
    for nb in numbered:
        assert nb.lines
        limit = width - ITEM_INDENT * (nb.block.level + 1) if nb.block.kind == "item" else width
        for line in nb.lines:
            assert len(line.text) <= max(1, limit)
    html = render_numbered_html(source, width, first)
    assert re.findall(r'data-line="(\d+)"', html) == [str(n) for n in numbers]
