"""Tests for participation.text.diff (word diff and document comparison)."""

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
    assert html == 'Wir fordern <ins class="diff-ins">gleiche </ins>Rechte.'
    html = render_diff_html("a <b>", "a <i>", ins_label="eingefügt:", del_label="gestrichen:")
    assert html == (
        'a &lt;<del class="diff-del"><span class="visually-hidden">gestrichen: </span>b</del>'
        '<ins class="diff-ins"><span class="visually-hidden">eingefügt: </span>i</ins>&gt;'
    )


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
        '- ein sicheres <ins class="diff-ins">und dauerhaftes </ins>Aufenthaltsrecht'
    )
    assert entries[3].html == '<del class="diff-del">- das kommunale Wahlrecht</del>'
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
    stripped = html
    for tag in ('<ins class="diff-ins">', "</ins>", '<del class="diff-del">', "</del>"):
        stripped = stripped.replace(tag, "")
    assert "<" not in stripped


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
