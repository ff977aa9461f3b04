"""Rules of the speakers list order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from participation.services.speaking_order import Waiting, speaking_order


def w(id, kind="speech", priority=False, position=None):
    return Waiting(id, kind, priority, id if position is None else position)


def ids(entries):
    return [e.id for e in entries]


def test_first_come_first_served():
    assert ids(speaking_order([w(3), w(1), w(2)])) == [1, 2, 3]


def test_points_of_order_jump_the_queue():
    order = speaking_order([w(1), w(2), w(3, "point_of_order"), w(4, "point_of_order")])
    assert ids(order) == [3, 4, 1, 2]


def test_alternating_list_starts_with_the_priority_side():
    entries = [w(1), w(2), w(3, priority=True), w(4), w(5, priority=True)]
    assert ids(speaking_order(entries, alternate=True)) == [3, 1, 5, 2, 4]


def test_alternating_list_continues_with_the_side_that_did_not_speak_last():
    entries = [w(1), w(2, priority=True)]
    assert ids(speaking_order(entries, alternate=True, last_was_priority=True)) == [1, 2]
    assert ids(speaking_order(entries, alternate=True, last_was_priority=False)) == [2, 1]


def test_when_one_side_runs_out_the_other_continues():
    entries = [w(1), w(2), w(3), w(4, priority=True)]
    assert ids(speaking_order(entries, alternate=True)) == [4, 1, 2, 3]


def test_a_hand_made_order_is_kept():
    entries = [w(1, position=3), w(2, priority=True, position=1), w(3, priority=True, position=2)]
    assert ids(speaking_order(entries, alternate=True, manual=True)) == [2, 3, 1]


def test_a_preferring_list_puts_the_priority_side_first():
    entries = [w(1), w(2, priority=True), w(3), w(4, priority=True)]
    assert ids(speaking_order(entries, prefer=True)) == [2, 4, 1, 3]


def test_points_of_order_first_even_in_alternating_lists():
    entries = [w(1, priority=True), w(2), w(3, "point_of_order")]
    assert ids(speaking_order(entries, alternate=True))[0] == 3


entries_strategy = st.lists(
    st.builds(
        Waiting,
        id=st.integers(1, 10_000),
        kind=st.sampled_from(["speech", "point_of_order"]),
        priority=st.booleans(),
        position=st.integers(0, 50),
    ),
    unique_by=lambda e: e.id,
    max_size=25,
)


@given(entries_strategy, st.booleans(), st.booleans(), st.sampled_from([None, True, False]))
def test_everyone_waiting_appears_exactly_once(entries, alternate, manual, last):
    order = speaking_order(entries, alternate=alternate, manual=manual, last_was_priority=last)
    assert sorted(ids(order)) == sorted(ids(entries))
    kinds = [e.kind for e in order]
    assert kinds == sorted(kinds, key=lambda k: k != "point_of_order")


@given(entries_strategy)
def test_alternation_keeps_each_sides_own_order(entries):
    order = speaking_order(entries, alternate=True)
    for side in (True, False):
        mine = [e for e in order if e.kind == "speech" and e.priority is side]
        assert mine == sorted(mine, key=lambda e: (e.position, e.id))


@given(entries_strategy)
def test_alternation_never_puts_two_of_a_side_together_while_the_other_waits(entries):
    speeches = [e for e in speaking_order(entries, alternate=True) if e.kind == "speech"]
    for i in range(1, len(speeches)):
        if speeches[i].priority == speeches[i - 1].priority:
            rest = speeches[i:]
            assert all(e.priority == speeches[i].priority for e in rest)
