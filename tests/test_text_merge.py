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
    assert collisions(amendments) == [("Ä1", "Ä3"), ("Ä2", "Ä3")]
    assert conflicting_blocks(amendments.values()) == {2, 3}
    assert collisions({}) == []


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


@settings(max_examples=60, deadline=None)
@given(two_amendments(), st.data())
def test_overlapping_amendments_conflict(case, data):
    base, merged, open_ = case
    if not merged:
        return
    shared = data.draw(st.sampled_from(sorted(merged)))
    open_ = {**open_, shared: "anders"}
    rebased = rebase(open_, merged, base)
    assert rebased.changes is None
    assert rebased.conflicts == sorted(set(open_) & set(merged))
    assert collisions({"offen": open_, "angenommen": merged}) == [("offen", "angenommen")]
