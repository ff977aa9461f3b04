"""Tests for participation.text.merge (amendments at block level)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from participation.text.blocks import normalise, paragraphs, split_blocks
from participation.text.merge import (
    Rebased,
    apply_changes,
    collisions,
    conflicting_blocks,
    index_map,
    merge_block,
    rebase,
)

BASE = """## Forderungen

Die Konferenz fordert:

- ein Bleiberecht für langjährig Geduldete
- das kommunale Wahlrecht
- die Anerkennung ausländischer Abschlüsse

Begründung: Teilhabe braucht Rechte."""
# blocks: 0 heading, 1 paragraph, 2-4 items, 5 paragraph


def test_replace_delete_insert_split():
    changes = {
        2: "- ein Bleiberecht für alle Geduldeten",
        3: "",
        4: "- die Anerkennung ausländischer Abschlüsse\n\n- gebührenfreie Sprachkurse",
        5: "Begründung:\n\nTeilhabe braucht Rechte.",
    }
    assert apply_changes(BASE, changes) == (
        "## Forderungen\n\n"
        "Die Konferenz fordert:\n\n"
        "- ein Bleiberecht für alle Geduldeten\n"
        "- die Anerkennung ausländischer Abschlüsse\n"
        "- gebührenfreie Sprachkurse\n\n"
        "Begründung:\n\n"
        "Teilhabe braucht Rechte."
    )


def test_untouched_blocks_keep_their_layout():
    base = "Ein langer Absatz,\nvon Hand umbrochen.\n\nZweiter Absatz."
    assert apply_changes(base, {1: "Neuer zweiter Absatz."}) == (
        "Ein langer Absatz,\nvon Hand umbrochen.\n\nNeuer zweiter Absatz."
    )


def test_out_of_range_index_is_a_readable_error():
    with pytest.raises(
        ValueError, match=r"block 6, but the text has 6 blocks \(valid are 0 to 5\)"
    ):
        apply_changes(BASE, {6: "zu weit"})
    with pytest.raises(ValueError, match="block -1"):
        apply_changes(BASE, {-1: "negativ"})
    with pytest.raises(ValueError, match="no blocks"):
        apply_changes("", {0: "neu"})
    with pytest.raises(TypeError):
        apply_changes(BASE, {"1": "kein int"})


def test_index_map():
    changes = {1: "", 3: "- a\n\n- b\n\n- c"}
    assert index_map(BASE, changes) == {0: 0, 1: None, 2: 1, 3: None, 4: 5, 5: 6}
    result = paragraphs(apply_changes(BASE, changes))
    for old, new in index_map(BASE, changes).items():
        if new is not None:
            assert result[new] == paragraphs(BASE)[old]


def test_rebase_disjoint():
    merged = {1: "Die Konferenz fordert die Landesregierung auf:", 2: ""}
    open_amendment = {4: "- die schnelle Anerkennung ausländischer Abschlüsse"}
    rebased = rebase(open_amendment, merged, BASE)
    assert rebased == Rebased({3: "- die schnelle Anerkennung ausländischer Abschlüsse"}, [])
    assert rebased.ok
    new_version = apply_changes(BASE, merged)
    assert apply_changes(new_version, rebased.changes) == apply_changes(
        BASE, {**merged, **open_amendment}
    )


def test_rebase_conflict():
    rebased = rebase({2: "- x", 3: "- y", 5: ""}, {3: "", 5: "Andere Begründung."}, BASE)
    assert rebased == Rebased(None, [3, 5])
    assert not rebased.ok


def test_collisions():
    amendments = {
        "Ä1": {2: "- neu"},
        "Ä2": {3: ""},
        "Ä3": {2: "", 3: "- anders"},
        "Ä4": {5: "Neue Begründung"},
    }
    assert collisions(amendments, BASE) == [("Ä1", "Ä3"), ("Ä2", "Ä3")]
    assert conflicting_blocks(amendments.values(), BASE) == {2, 3}
    assert collisions({}, BASE) == []


def test_different_words_of_one_paragraph_merge_in_either_order():
    base = paragraphs(BASE)[5]
    first = "Begründung: Teilhabe braucht gleiche Rechte."
    second = "Begründung: Gesellschaftliche Teilhabe braucht Rechte."
    both = "Begründung: Gesellschaftliche Teilhabe braucht gleiche Rechte."
    assert merge_block(base, first, second) == both
    assert merge_block(base, second, first) == both
    assert collisions({"Ä1": {5: first}, "Ä2": {5: second}}, BASE) == []


def test_overlapping_or_touching_changes_collide():
    base = paragraphs(BASE)[5]
    first = "Begründung: Teilhabe braucht gleiche Rechte."
    assert merge_block(base, first, "Begründung: Teilhabe verlangt Pflichten.") is None
    # inserting right before a word another amendment replaces is a collision too
    assert merge_block(base, first, "Begründung: Teilhabe braucht Pflichten.") is None
    assert merge_block(base, "Begründung: Teilhabe braucht Pflichten.", first) is None
    assert merge_block(base, first, "") is None  # deleting the paragraph
    assert collisions({"Ä1": {5: first}, "Ä2": {5: ""}}, BASE) == [("Ä1", "Ä2")]


def test_formatting_and_new_words_in_one_paragraph_merge():
    base = "Wir fordern ein sicheres Aufenthaltsrecht."
    assert (
        merge_block(
            base, "Wir fordern ein **sicheres** Aufenthaltsrecht.", base.replace(".", " für alle.")
        )
        == "Wir fordern ein **sicheres** Aufenthaltsrecht für alle."
    )


def test_new_items_after_the_same_item_do_not_collide():
    item = "- das kommunale Wahlrecht"
    first = f"{item}\n- gebührenfreie Sprachkurse"
    second = f"{item}\n\n- mehrsprachige Behörden"
    assert merge_block(item, first, second) == (
        "- das kommunale Wahlrecht\n- gebührenfreie Sprachkurse\n\n- mehrsprachige Behörden"
    )
    assert collisions({"Ä1": {3: first}, "Ä2": {3: second}}, BASE) == []
    rebased = rebase({3: second}, {3: first}, BASE)
    new_version = apply_changes(BASE, {3: first})
    assert rebased.changes == {4: "- gebührenfreie Sprachkurse\n\n- mehrsprachige Behörden"}
    assert paragraphs(apply_changes(new_version, rebased.changes))[2:6] == [
        "- ein Bleiberecht für langjährig Geduldete",
        "- das kommunale Wahlrecht",
        "- gebührenfreie Sprachkurse",
        "- mehrsprachige Behörden",
    ]
    # a new item and a change of the item's own words do not collide either
    assert merge_block(item, first, "- das volle kommunale Wahlrecht") == (
        "- das volle kommunale Wahlrecht\n- gebührenfreie Sprachkurse"
    )


def test_rebase_onto_a_change_of_the_same_paragraph():
    adopted = {5: "Begründung: Teilhabe braucht gleiche Rechte."}
    open_amendment = {5: "Begründung: Teilhabe braucht Rechte und Mut.", 1: "Wir fordern:"}
    rebased = rebase(open_amendment, adopted, BASE)
    assert rebased.changes == {
        1: "Wir fordern:",
        5: "Begründung: Teilhabe braucht gleiche Rechte und Mut.",
    }
    assert rebase({5: "Begründung: Teilhabe braucht Pflichten."}, adopted, BASE) == Rebased(
        None, [5]
    )


# --- properties -----------------------------------------------------------

PIECE = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "Wahlrecht",
                "für",
                "alle",
                "Geflüchtete",
                "**jetzt**",
                "ü",
                "ß",
                "#",
                "-",
                "1.",
                "10.",
            ]
        ),
        st.sampled_from([" ", "\n", "\n\n", "\n- ", "\n  - ", "\n   ", "\n    - ", "\n## "]),
    ),
    max_size=12,
).map("".join)
DOCUMENT = st.lists(PIECE, min_size=1, max_size=8).map("\n\n".join)


@settings(max_examples=100, deadline=None)
@given(DOCUMENT)
def test_apply_nothing_is_identity(source):
    assert apply_changes(normalise(source), {}) == normalise(source)
    once = apply_changes(source, {})
    assert apply_changes(once, {}) == once
    assert split_blocks(once) == split_blocks(source)


@st.composite
def two_amendments(draw):
    base = draw(DOCUMENT)
    count = len(paragraphs(base))
    indices = draw(st.lists(st.integers(0, max(count - 1, 0)), unique=True)) if count else []
    owners = draw(st.lists(st.booleans(), min_size=len(indices), max_size=len(indices)))
    texts = draw(st.lists(PIECE, min_size=len(indices), max_size=len(indices)))
    merged = {i: t for i, t, mine in zip(indices, texts, owners, strict=True) if mine}
    open_ = {i: t for i, t, mine in zip(indices, texts, owners, strict=True) if not mine}
    return base, merged, open_


@settings(max_examples=150, deadline=None)
@given(two_amendments())
def test_rebase_then_apply_equals_applying_both(case):
    base, merged, open_ = case
    rebased = rebase(open_, merged, base)
    assert rebased.ok
    assert rebased.conflicts == []
    new_version = apply_changes(base, merged)
    assert apply_changes(new_version, rebased.changes) == apply_changes(base, {**merged, **open_})


@settings(max_examples=100, deadline=None)
@given(two_amendments(), st.data())
def test_rebase_of_the_same_block_applies_the_merge(case, data):
    base, merged, open_ = case
    if not merged:
        return
    shared = data.draw(st.sampled_from(sorted(merged)))
    open_ = {**open_, shared: data.draw(PIECE)}
    rebased = rebase(open_, merged, base)
    text = merge_block(paragraphs(base)[shared], merged[shared], open_[shared])
    if text is None:
        assert rebased.changes is None
        assert rebased.conflicts == [shared]
        assert collisions({"offen": open_, "angenommen": merged}, base) == [("offen", "angenommen")]
    else:
        assert collisions({"offen": open_, "angenommen": merged}, base) == []
        expected = apply_changes(base, {**merged, **open_, shared: text})
        assert apply_changes(apply_changes(base, merged), rebased.changes) == expected


WORDS = st.lists(
    st.sampled_from(["Wahlrecht", "für", "alle", "Geflüchtete", "jetzt", "ü", "und", ","]),
    min_size=3,
    max_size=15,
)
EDIT = st.sampled_from(["neu", "**fett**", "", "gleiche Rechte", "und"])


@st.composite
def separate_edits(draw):
    """A paragraph and two amendments that change words at least two words apart."""
    words = draw(WORDS)
    first, second = sorted(
        draw(st.lists(st.integers(0, len(words) - 1), min_size=2, max_size=2, unique=True))
    )
    if second - first < 2:
        second = first + 2
    words += ["Ende"] * max(0, second + 1 - len(words))
    a, b = list(words), list(words)
    a[first] = draw(EDIT) or "ersetzt"
    b[second] = draw(EDIT) or "anders"
    return " ".join(words), " ".join(a), " ".join(b)


@settings(max_examples=200, deadline=None)
@given(separate_edits())
def test_merging_separate_changes_commutes(case):
    base, first, second = case
    one_way = merge_block(base, first, second)
    other_way = merge_block(base, second, first)
    assert (one_way is None) == (other_way is None)
    if one_way is not None:
        assert normalise(one_way) == normalise(other_way)
        # each amendment's own change is in the result
        assert merge_block(base, first, base) == first
