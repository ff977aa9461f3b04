"""Tests for participation.text.styled (visible tokens and their differences)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from participation.text.styled import (
    CHANGED_SHARE_LIMIT,
    changed_share,
    opcodes,
    readable_opcodes,
    styled_tokens,
)

BOLD = frozenset({"strong"})
PLAIN = frozenset()


def test_tokens_are_visible_text_with_styles():
    assert styled_tokens("Die **erste** Lesung\\\nheute") == [
        ("Die", PLAIN),
        (" ", PLAIN),
        ("erste", BOLD),
        (" ", PLAIN),
        ("Lesung", PLAIN),
        ("\n", PLAIN),
        ("heute", PLAIN),
    ]
    assert styled_tokens("") == []


def test_changes_between_spaces_are_one_change():
    old = styled_tokens("Die Bundesregierung soll prüfen")
    new = styled_tokens("Der Landtag soll prüfen")
    assert opcodes(old, new) == [("replace", 0, 3, 0, 3), ("equal", 3, 7, 3, 7)]


def test_changed_share():
    old = styled_tokens("eins zwei drei vier")
    assert changed_share(opcodes(old, old), old, old) == 0
    new = styled_tokens("fünf sechs sieben vier")
    assert changed_share(opcodes(old, new), old, new) == 0.75 > CHANGED_SHARE_LIMIT
    assert readable_opcodes(old, new) == [("replace", 0, 7, 0, 7)]
    assert readable_opcodes([], []) == []


TEXT = st.lists(
    st.sampled_from(
        ["Wahlrecht", "für", "**alle**", "*jetzt*", "Integrations-Beirat", " ", "\\\n", ".", "ä"]
    ),
    max_size=25,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(TEXT, TEXT)
def test_diff_then_apply_gives_the_new_text_back(old_text, new_text):
    old, new = styled_tokens(old_text), styled_tokens(new_text)
    for ops in (opcodes(old, new), readable_opcodes(old, new)):
        rebuilt_new, rebuilt_old = [], []
        for tag, i1, i2, j1, j2 in ops:
            rebuilt_old += old[i1:i2]
            rebuilt_new += old[i1:i2] if tag == "equal" else new[j1:j2]
            if tag == "equal":
                assert old[i1:i2] == new[j1:j2]
        assert rebuilt_new == new
        assert rebuilt_old == old
