"""The order of a speakers list: pure rules, no database.

* Points of order come first, in the order they were asked for.
* Then speeches by position, which is the order of asking unless a moderator reordered.
* With an alternating list (for example women and diverse people, and everyone else), speeches
  alternate between the priority side and the others, starting with the side that did not
  speak last; when one side runs out the other continues.
* With a preferring list (for example people who have not spoken yet), the priority side goes
  before everyone else.
* A hand-made order (after a moderator reordered) is kept as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Waiting:
    id: int
    kind: str  # "speech" or "point_of_order"
    priority: bool
    position: int


def speaking_order(
    waiting: Iterable[Waiting],
    *,
    alternate: bool = False,
    prefer: bool = False,
    manual: bool = False,
    last_was_priority: bool | None = None,
) -> list[Waiting]:
    """Who speaks next, first to last."""
    entries = sorted(waiting, key=lambda w: (w.position, w.id))
    points = [w for w in entries if w.kind == "point_of_order"]
    speeches = [w for w in entries if w.kind != "point_of_order"]
    if manual:
        return points + speeches
    if prefer:
        speeches = [w for w in speeches if w.priority] + [w for w in speeches if not w.priority]
    elif alternate:
        speeches = _alternated(speeches, priority_first=last_was_priority is not True)
    return points + speeches


def _alternated(speeches: list[Waiting], *, priority_first: bool) -> list[Waiting]:
    sides = {
        True: [w for w in speeches if w.priority],
        False: [w for w in speeches if not w.priority],
    }
    turn = priority_first
    result: list[Waiting] = []
    while sides[True] or sides[False]:
        if not sides[turn]:
            turn = not turn
        result.append(sides[turn].pop(0))
        turn = not turn
    return result
