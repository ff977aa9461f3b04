"""Tests for participation.text.diff (word diff and document comparison)."""

import re
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from participation.text.blocks import canonical_sources, split_blocks
from participation.text.diff import diff_blocks, render_diff_html, tokenize, word_diff


def rebuild(ops, keep):
    return "".join(text for op, text in ops if op in ("equal", keep))


def test_word_diff_german_sentence():
    old = "Wir fordern das Wahlrecht für Ausländer*innen."
    new = "Wir fordern das kommunale Wahlrecht für alle Migrant*innen!"
    assert word_diff(old, new) == [
        ("equal", "Wir fordern das "),
        ("insert", "kommunale "),
        ("equal", "Wahlrecht für "),
        ("delete", "Ausländer"),
        ("insert", "alle Migrant"),
        ("equal", "*innen"),
        ("delete", "."),
        ("insert", "!"),
    ]


def test_adjacent_word_changes_are_one_change():
    ops = word_diff("Die Bundesregierung soll prüfen", "Der Landtag soll prüfen")
    assert ops == [
        ("delete", "Die Bundesregierung"),
        ("insert", "Der Landtag"),
        ("equal", " soll prüfen"),
    ]


def test_compound_words_are_single_tokens():
    assert tokenize("Aufenthaltsgesetz-Novelle, §\u00a03") == [
        "Aufenthaltsgesetz",
        "-",
        "Novelle",
        ",",
        " ",
        "§",
        "\u00a0",
        "3",
    ]


def test_identical_and_empty():
    assert word_diff("Gleich bleibt gleich.", "Gleich bleibt gleich.") == [
        ("equal", "Gleich bleibt gleich.")
    ]
    assert word_diff("", "") == []
    assert word_diff("", "neu") == [("insert", "neu")]
    assert word_diff("alt", "") == [("delete", "alt")]


def test_render_diff_html():
    html = render_diff_html("Wir fordern Rechte.", "Wir fordern gleiche Rechte.")
    assert html == '<p>Wir fordern <ins class="diff-ins">gleiche </ins>Rechte.</p>'
    html = render_diff_html("a <b>", "a <i>", ins_label="eingefügt:", del_label="gestrichen:")
    assert html == (
        '<p>a &lt;<del class="diff-del"><span class="visually-hidden">gestrichen: </span>b</del>'
        '<ins class="diff-ins"><span class="visually-hidden">eingefügt: </span>i</ins>&gt;</p>'
    )


def test_diff_shows_formatting_not_markdown():
    html = render_diff_html("Die erste Lesung", "Die **erste** Lesung")
    assert html == (
        '<p>Die <del class="diff-del">erste</del>'
        '<ins class="diff-ins"><strong>erste</strong></ins> Lesung</p>'
    )
    html = render_diff_html("Die Lesung", "Die *zweite* Lesung")
    assert html == '<p>Die <ins class="diff-ins"><em>zweite</em> </ins>Lesung</p>'
    assert "*" not in html


def test_diff_keeps_list_items_and_headings():
    html = render_diff_html("- Sprachkurse für alle", "- kostenlose Sprachkurse für alle")
    assert html == '<ul><li><ins class="diff-ins">kostenlose </ins>Sprachkurse für alle</li></ul>'
    html = render_diff_html("3. Beratung", "3. Beratung\n4. Beschluss")
    assert html == (
        '<ol start="3"><li>Beratung</li></ol>'
        '<ol start="4"><li><ins class="diff-ins">Beschluss</ins></li></ol>'
    )
    html = render_diff_html("## Ziele", "## Unsere Ziele")
    assert html == '<h2><ins class="diff-ins">Unsere </ins>Ziele</h2>'
    assert "##" not in html and "- " not in html
    # a paragraph that becomes a heading is removed and added whole
    html = render_diff_html("Ziele", "## Ziele")
    assert (
        html == '<p><del class="diff-del">Ziele</del></p><h2><ins class="diff-ins">Ziele</ins></h2>'
    )
    html = render_diff_html("- Kita\n  - Hort", "- Kita\n  - Hort am Nachmittag")
    assert '<ul class="diff-level-1"><li>Hort<ins class="diff-ins"> am Nachmittag' in html


def test_diff_of_hard_line_breaks():
    html = render_diff_html("Erste Zeile\\\nzweite Zeile", "Erste Zeile\\\ndritte Zeile")
    assert html == (
        '<p>Erste Zeile<br><del class="diff-del">zweite</del>'
        '<ins class="diff-ins">dritte</ins> Zeile</p>'
    )


def test_mostly_changed_paragraph_is_one_deletion_and_one_insertion():
    old = "Der Vorstand legt der Versammlung jedes Jahr einen Bericht über die Finanzen vor."
    new = "Die Kassenprüfung berichtet der Versammlung vierteljährlich über ihre Lage."
    html = render_diff_html(old, new)
    assert html == (f'<p><del class="diff-del">{old}</del><ins class="diff-ins">{new}</ins></p>')
    # a few words in a long sentence stay a word diff
    html = render_diff_html(old, old.replace("jedes Jahr", "jährlich"))
    assert html.count("<del") == 1 and html.count("<ins") == 1
    assert html.startswith("<p>Der Vorstand legt der Versammlung <del")


OLD_DOC = """## Forderungen

Wir fordern:

- ein sicheres Aufenthaltsrecht
- das kommunale Wahlrecht
- mehrsprachige Behörden

Beschlossen in Köln."""

NEW_DOC = """## Forderungen

Wir fordern:

- ein sicheres und dauerhaftes Aufenthaltsrecht
- gebührenfreie Sprachkurse
- mehrsprachige Behörden

Beschlossen in
Köln."""


def test_diff_blocks():
    entries = diff_blocks(OLD_DOC, NEW_DOC)
    summary = [(e.status, e.old_index, e.new_index) for e in entries]
    assert summary == [
        ("equal", 0, 0),
        ("equal", 1, 1),
        ("changed", 2, 2),
        ("deleted", 3, None),
        ("inserted", None, 3),
        ("equal", 4, 4),
        ("equal", 5, 5),  # re-wrapping is no change
    ]
    assert entries[2].html == (
        '<ul><li>ein sicheres <ins class="diff-ins">und dauerhaftes </ins>'
        "Aufenthaltsrecht</li></ul>"
    )
    assert (
        entries[3].html == '<ul><li><del class="diff-del">das kommunale Wahlrecht</del></li></ul>'
    )
    assert entries[4].new_text == "- gebührenfreie Sprachkurse"


def test_diff_blocks_whole_documents():
    assert diff_blocks("", "") == []
    assert [e.status for e in diff_blocks("", "Neu\n\n- a")] == ["inserted", "inserted"]
    assert [e.status for e in diff_blocks("Alt", "")] == ["deleted"]


TEXT = st.one_of(
    st.text(),
    st.lists(
        st.sampled_from(
            ["Wahlrecht", "für", "alle", "Migrant*innen", "ä", "ß", " ", "  ", "\n", ".", ","]
        ),
        max_size=30,
    ).map("".join),
)


@settings(max_examples=200, deadline=None)
@given(TEXT, TEXT)
def test_word_diff_reconstructs_both_texts(old, new):
    ops = word_diff(old, new)
    assert rebuild(ops, "insert") == new
    assert rebuild(ops, "delete") == old
    assert all(text for _, text in ops)
    assert all(op in ("equal", "insert", "delete") for op, _ in ops)
    assert all(a[0] != b[0] for a, b in pairwise(ops))


@settings(max_examples=100, deadline=None)
@given(TEXT, TEXT)
def test_diff_html_text_content_is_escaped(old, new):
    html = render_diff_html(old, new)
    assert not re.search(r"<(?!/?(?:p|h[234]|ul|ol|li|em|strong|br|ins|del)\b)", html)
    assert "<script" not in html and "<b>" not in html


DOC = st.lists(
    st.sampled_from(["Absatz eins", "Absatz zwei", "- Punkt", "- Punkt neu", "## Titel", "Ende"]),
    max_size=8,
).map("\n\n".join)


@settings(max_examples=100, deadline=None)
@given(DOC, DOC)
def test_diff_blocks_covers_both_documents(old, new):
    entries = diff_blocks(old, new)
    assert [e.old_text for e in entries if e.old_index is not None] == canonical_sources(
        split_blocks(old)
    )
    assert [e.new_text for e in entries if e.new_index is not None] == canonical_sources(
        split_blocks(new)
    )
    for entry in entries:
        both = entry.old_index is not None and entry.new_index is not None
        if entry.status == "inserted":
            assert entry.old_index is None
            assert entry.new_index is not None
        elif entry.status == "deleted":
            assert entry.new_index is None
            assert entry.old_index is not None
        else:
            assert both
            assert (entry.status == "equal") == (entry.old_text == entry.new_text)
