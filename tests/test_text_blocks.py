"""Tests for participation.text.blocks (documents as blocks)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from participation.text.blocks import (
    Block,
    clean,
    from_paragraphs,
    join_blocks,
    normalise,
    paragraphs,
    split_blocks,
)

RESOLUTION = """## Präambel\r
\r
Die Delegierten der Föderation fordern\r
die Bundesregierung auf,\r
folgende Maßnahmen umzusetzen:   \r
\r
\r
\r
1. Ein sicheres Aufenthaltsrecht
   für alle Geflüchteten
2. Das kommunale Wahlrecht
   - für Drittstaatsangehörige
   - ab 16 Jahren

     * auch in Stadtstaaten
3. Die Anerkennung ausländischer Berufsabschlüsse

Am
3. Oktober 2025 beschlossen. ##
"""


def test_split_resolution():
    assert split_blocks(RESOLUTION) == [
        Block("heading", "Präambel", 2, "##"),
        Block(
            "paragraph",
            "Die Delegierten der Föderation fordern die Bundesregierung auf, "
            "folgende Maßnahmen umzusetzen:",
        ),
        Block("item", "Ein sicheres Aufenthaltsrecht für alle Geflüchteten", 0, "1."),
        Block("item", "Das kommunale Wahlrecht", 0, "2."),
        Block("item", "für Drittstaatsangehörige", 1, "-"),
        Block("item", "ab 16 Jahren", 1, "-"),
        Block("item", "auch in Stadtstaaten", 2, "*"),
        Block("item", "Die Anerkennung ausländischer Berufsabschlüsse", 0, "3."),
        Block("paragraph", "Am 3. Oktober 2025 beschlossen. ##"),
    ]


def test_normalised_form():
    assert normalise(RESOLUTION) == (
        "## Präambel\n\n"
        "Die Delegierten der Föderation fordern die Bundesregierung auf, "
        "folgende Maßnahmen umzusetzen:\n\n"
        "1. Ein sicheres Aufenthaltsrecht für alle Geflüchteten\n"
        "2. Das kommunale Wahlrecht\n"
        "   - für Drittstaatsangehörige\n"
        "   - ab 16 Jahren\n"
        "     * auch in Stadtstaaten\n"
        "3. Die Anerkennung ausländischer Berufsabschlüsse\n\n"
        "Am 3. Oktober 2025 beschlossen. ##"
    )


def test_paragraphs_keep_raw_source():
    parts = paragraphs(RESOLUTION)
    assert len(parts) == len(split_blocks(RESOLUTION))
    assert parts[1] == (
        "Die Delegierten der Föderation fordern\ndie Bundesregierung auf,\n"
        "folgende Maßnahmen umzusetzen:"
    )
    assert parts[2] == "1. Ein sicheres Aufenthaltsrecht\n   für alle Geflüchteten"
    assert parts[4] == "   - für Drittstaatsangehörige"


def test_from_paragraphs_glues_lists_tightly():
    text = from_paragraphs(["Wir fordern:", "- Bildung", "- Wohnraum", "", "Ende."])
    assert text == "Wir fordern:\n\n- Bildung\n- Wohnraum\n\nEnde."


def test_headings():
    blocks = split_blocks("# Eins\n\n#### Vier ####\n\n####### sieben\n\n#Hashtag\n\n##")
    assert blocks == [
        Block("heading", "Eins", 2, "#"),
        Block("heading", "Vier", 4, "####"),
        Block("paragraph", "####### sieben"),
        Block("paragraph", "#Hashtag"),
        Block("heading", "", 2, "##"),
    ]


def test_ordered_item_interrupts_paragraph_only_with_one():
    assert [b.kind for b in split_blocks("Wir fordern\n1. Bildung")] == ["paragraph", "item"]
    assert [b.kind for b in split_blocks("Wir fordern\n- Bildung")] == ["paragraph", "item"]
    assert [b.kind for b in split_blocks("Bis zum\n2. Mai")] == ["paragraph"]


def test_heading_ends_list_nesting():
    blocks = split_blocks("- a\n  - b\n\n## Titel\n\n  - c")
    assert [(b.kind, b.level) for b in blocks] == [
        ("item", 0),
        ("item", 1),
        ("heading", 2),
        ("item", 0),
    ]


def test_wide_ordered_markers_nest_by_text_column():
    blocks = split_blocks("10. Zehn\n   - zu wenig eingerückt\n10. Zehn\n    - genug")
    assert [b.level for b in blocks] == [0, 0, 0, 1]
    assert normalise("10. Zehn\n    - genug") == "10. Zehn\n    - genug"


def test_clean():
    assert clean("a\r\nb\rc\t|\x00\x07 \n\f") == "a\nb\nc   |\n"
    assert clean("Gru\u0308\u00dfe") == "Grüße"
    assert clean("geschu\u0308tzt  ") == "geschützt"


def test_empty_documents():
    assert split_blocks("") == []
    assert split_blocks(" \n\n\t\n") == []
    assert join_blocks([]) == ""
    assert from_paragraphs([]) == ""


MARKDOWNISH = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "Aufenthaltsrecht",
                "für",
                "Migrant*innen",
                "Selbstorganisationen",
                "Donaudampfschifffahrtsgesellschaft",
                "**fett**",
                "*",
                "-",
                "+",
                "#",
                "##",
                "1.",
                "3)",
                "10.",
                "\\",
                "ü",
                "u\u0308",
                "\u00a0",
                "`",
            ]
        ),
        st.sampled_from([" ", "  ", "\n", "\n\n", "\n  ", "\n   ", "\n    ", "\t", "\r\n"]),
        st.text(max_size=4),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.one_of(MARKDOWNISH, st.text()))
def test_split_join_round_trip(source):
    blocks = split_blocks(source)
    assert split_blocks(join_blocks(blocks)) == blocks
    assert normalise(normalise(source)) == normalise(source)


@settings(max_examples=150, deadline=None)
@given(st.one_of(MARKDOWNISH, st.text()))
def test_paragraphs_round_trip(source):
    parts = paragraphs(source)
    assert len(parts) == len(split_blocks(source))
    glued = from_paragraphs(parts)
    assert split_blocks(glued) == split_blocks(source)
    assert paragraphs(glued) == parts
    assert from_paragraphs(paragraphs(glued)) == glued


def test_hard_line_breaks_survive_normalising():
    assert split_blocks("Erste Zeile  \nZweite Zeile") == [
        Block("paragraph", "Erste Zeile\\\nZweite Zeile")
    ]
    backslash, spaces = "Erste Zeile\\\nZweite Zeile", "Erste Zeile  \nZweite Zeile"
    assert split_blocks(backslash) == split_blocks(spaces)
    # trailing spaces before a blank line or at the end mean nothing
    assert clean("Ende  \n\nNeu  ") == "Ende\n\nNeu"
    assert clean("Zeile   \nweiter") == "Zeile  \nweiter"
    # continuation lines of an item are indented to its text
    assert normalise("1. Kita\\\nund Hort\n2. Schule") == "1. Kita\\\n   und Hort\n2. Schule"
    assert split_blocks(normalise("- a  \n  b")) == [Block("item", "a\\\nb", 0, "-")]


def test_a_hard_break_before_what_looks_like_an_item_keeps_the_paragraph_whole():
    # Two empty items cannot interrupt a paragraph; joined to "- -" they could, unless escaped.
    source = "Wahlrecht  \n- \n- "
    once = normalise(source)
    assert len(split_blocks(source)) == 1
    assert split_blocks(once) == split_blocks(source)
    assert normalise(once) == once
