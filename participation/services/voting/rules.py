"""Ballot shapes, tallies, majority rules, quorum and outcomes: pure functions, no app imports.

Weights are whole numbers (units of 1/weight_scale of a vote); every comparison is done on
integers or :class:`~fractions.Fraction`, so no rounding ever decides a vote. Results are plain
JSON-ready dicts that carry the numbers and the rule, so a screen can always say why.

Majority rules (w = weight):

* ``simple``: yes > no
* ``absolute``: yes > (yes + no + abstain) / 2
* ``two_thirds``: yes ≥ 2/3 · (yes + no), and yes > 0
* ``absolute_eligible``: yes > eligible / 2

In an approval election the same rules apply per candidate to the approvals, measured against
all ballots cast (``simple``: at least one approval).
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

VOTES = ("yes", "no", "abstain")
MAJORITIES = ("simple", "absolute", "two_thirds", "absolute_eligible")
QUORUM_KINDS = ("none", "weight_share", "organisations_count", "organisations_share")


class BadChoice(ValueError):
    """A ballot that does not fit the poll; the message names the problem (in English)."""


# --- ballots ---------------------------------------------------------------------------------


def normalise_choice(method: str, seats: int, candidate_ids: list[int], raw) -> dict:
    """The canonical form of a submitted choice, or :class:`BadChoice`."""
    if method == "yes_no_abstain":
        vote = raw.get("vote") if isinstance(raw, dict) else raw
        if vote not in VOTES:
            raise BadChoice("choose yes, no or abstain")
        return {"vote": vote}
    if method == "approval":
        picked = raw.get("approve") if isinstance(raw, dict) else raw
        if not isinstance(picked, list) or not all(_is_int(c) for c in picked):
            raise BadChoice("list the candidates you approve")
        ids = sorted({int(c) for c in picked})
        if len(ids) != len(picked) or any(c not in candidate_ids for c in ids):
            raise BadChoice("unknown or repeated candidate")
        if len(ids) > seats:
            raise BadChoice("too many candidates approved")
        return {"approve": ids}
    if method == "candidate_yes_no_abstain":
        votes = raw.get("votes") if isinstance(raw, dict) else None
        if not isinstance(votes, dict):
            raise BadChoice("give yes, no or abstain for each candidate")
        cleaned = {}
        for key, vote in votes.items():
            if not _is_int(key) or int(key) not in candidate_ids or vote not in VOTES:
                raise BadChoice("unknown candidate or vote")
            cleaned[str(int(key))] = vote
        if len(cleaned) != len(candidate_ids) or len(votes) != len(candidate_ids):
            raise BadChoice("give yes, no or abstain for each candidate")
        return {"votes": cleaned}
    raise BadChoice("unknown voting method")


def _is_int(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.isdigit() and len(value) < 12


def empty_tally(method: str, candidate_ids: list[int]) -> dict:
    if method == "yes_no_abstain":
        return {"yes": 0, "no": 0, "abstain": 0}
    if method == "approval":
        return {"approvals": {str(c): 0 for c in candidate_ids}, "empty": 0}
    return {"candidates": {str(c): {v: 0 for v in VOTES} for c in candidate_ids}}


def tally(method: str, candidate_ids: list[int], ballots: Iterable[tuple[dict, int]]) -> dict:
    """Sum (choice, weight) pairs: weights and head counts, plus the ballots' total."""
    weights = empty_tally(method, candidate_ids)
    heads = empty_tally(method, candidate_ids)
    total_weight = total_ballots = 0
    for choice, weight in ballots:
        total_weight += weight
        total_ballots += 1
        if method == "yes_no_abstain":
            weights[choice["vote"]] += weight
            heads[choice["vote"]] += 1
        elif method == "approval":
            if not choice["approve"]:
                weights["empty"] += weight
                heads["empty"] += 1
            for c in choice["approve"]:
                weights["approvals"][str(c)] += weight
                heads["approvals"][str(c)] += 1
        else:
            for c, vote in choice["votes"].items():
                weights["candidates"][c][vote] += weight
                heads["candidates"][c][vote] += 1
    return {
        "weights": weights,
        "heads": heads,
        "ballots": total_ballots,
        "weight": total_weight,
    }


# --- rules -----------------------------------------------------------------------------------


def majority_met(rule: str, yes: int, no: int, abstain: int, eligible: int) -> bool:
    if rule == "simple":
        return yes > no
    if rule == "absolute":
        return 2 * yes > yes + no + abstain
    if rule == "two_thirds":
        return yes > 0 and 3 * yes >= 2 * (yes + no)
    if rule == "absolute_eligible":
        return 2 * yes > eligible
    raise ValueError(f"unknown majority rule {rule!r}")


def majority_threshold(rule: str, yes: int, no: int, abstain: int, eligible: int) -> dict:
    """What the yes votes had to beat (``>``) or reach (``>=``), for showing the rule."""
    if rule == "simple":
        return _threshold(">", Fraction(no))
    if rule == "absolute":
        return _threshold(">", Fraction(yes + no + abstain, 2))
    if rule == "two_thirds":
        return _threshold(">=", Fraction(2 * (yes + no), 3))
    if rule == "absolute_eligible":
        return _threshold(">", Fraction(eligible, 2))
    raise ValueError(f"unknown majority rule {rule!r}")


def _threshold(comparison: str, value: Fraction) -> dict:
    return {"comparison": comparison, "value": [value.numerator, value.denominator]}


def approval_qualifies(rule: str, approvals: int, ballots_weight: int, eligible: int) -> bool:
    """Whether a candidate's approvals meet the rule, measured against all ballots cast."""
    if rule == "simple":
        return approvals > 0
    if rule == "absolute":
        return 2 * approvals > ballots_weight
    if rule == "two_thirds":
        return approvals > 0 and 3 * approvals >= 2 * ballots_weight
    if rule == "absolute_eligible":
        return 2 * approvals > eligible
    raise ValueError(f"unknown majority rule {rule!r}")


def parse_share(value) -> Fraction:
    """A share given as "1/2", "0.5", "50%" or a Fraction; 0 < share ≤ 1."""
    text = str(value).strip().replace(",", ".")
    try:
        share = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
    except (ValueError, ZeroDivisionError) as error:
        raise ValueError("not a share") from error
    if not 0 < share <= 1:
        raise ValueError("a share must be more than 0 and at most 1")
    return share


def quorum_check(
    kind: str,
    numerator: int,
    denominator: int,
    *,
    participating_weight: int,
    eligible_weight: int,
    organisations_present: int,
    organisations_total: int,
) -> dict:
    """Whether the poll is quorate, with the required and the actual numbers."""
    if kind == "none":
        return {"kind": kind, "met": True}
    if kind == "weight_share":
        required = Fraction(numerator, denominator) * eligible_weight
        actual = participating_weight
    elif kind == "organisations_count":
        required = Fraction(numerator, denominator)
        actual = organisations_present
    elif kind == "organisations_share":
        required = Fraction(numerator, denominator) * organisations_total
        actual = organisations_present
    else:
        raise ValueError(f"unknown quorum kind {kind!r}")
    return {
        "kind": kind,
        "share": [numerator, denominator],
        "required": [required.numerator, required.denominator],
        "actual": actual,
        "met": actual >= required,
    }


# --- outcomes --------------------------------------------------------------------------------


def decide_motion(counted: dict, *, rule: str, eligible_weight: int, quorum: dict) -> dict:
    """adopted, rejected, tie (rejected: as many yes as no) or not_quorate."""
    w = counted["weights"]
    yes, no, abstain = w["yes"], w["no"], w["abstain"]
    met = majority_met(rule, yes, no, abstain, eligible_weight)
    if not quorum["met"]:
        outcome = "not_quorate"
    elif met:
        outcome = "adopted"
    elif yes == no and yes > 0:
        outcome = "tie"
    else:
        outcome = "rejected"
    return {
        "outcome": outcome,
        "adopted": outcome == "adopted",
        "majority": {
            "rule": rule,
            "met": met,
            **majority_threshold(rule, yes, no, abstain, eligible_weight),
        },
        "quorum": quorum,
    }


def decide_election(
    counted: dict,
    *,
    method: str,
    seats: int,
    candidate_ids: list[int],
    rule: str,
    eligible_weight: int,
    quorum: dict,
) -> dict:
    """elected, tie (for the last seat), none_elected or not_quorate; who and why."""
    w = counted["weights"]
    rows = []
    for c in candidate_ids:
        if method == "approval":
            score = w["approvals"][str(c)]
            qualified = approval_qualifies(rule, score, counted["weight"], eligible_weight)
        else:
            votes = w["candidates"][str(c)]
            score = votes["yes"]
            qualified = majority_met(
                rule, votes["yes"], votes["no"], votes["abstain"], eligible_weight
            )
        rows.append({"id": c, "score": score, "qualified": qualified})
    elected, tied = rank(rows, seats)
    if not quorum["met"]:
        outcome, elected, tied = "not_quorate", [], []
    elif tied:
        outcome = "tie"
    elif elected:
        outcome = "elected"
    else:
        outcome = "none_elected"
    return {
        "outcome": outcome,
        "adopted": None,
        "elected": elected,
        "tied": tied,
        "candidates": rows,
        "majority": {"rule": rule},
        "quorum": quorum,
    }


def rank(rows: list[dict], seats: int) -> tuple[list[int], list[int]]:
    """The qualified candidates with the most votes take the seats; a tie at the last seat
    elects those above it and leaves the tied ones to be decided (a run-off or a draw)."""
    qualified = sorted((r for r in rows if r["qualified"]), key=lambda r: -r["score"])
    if len(qualified) <= seats:
        return [r["id"] for r in qualified], []
    boundary = qualified[seats - 1]["score"]
    if qualified[seats]["score"] != boundary:
        return [r["id"] for r in qualified[:seats]], []
    return (
        [r["id"] for r in qualified if r["score"] > boundary],
        [r["id"] for r in qualified if r["score"] == boundary],
    )


def decide(
    counted: dict,
    *,
    method: str,
    seats: int,
    candidate_ids: list[int],
    rule: str,
    quorum_kind: str,
    quorum_numerator: int,
    quorum_denominator: int,
    eligible_weight: int,
    organisations_present: int,
    organisations_total: int,
) -> dict:
    """The whole result of a poll from its tally: outcome, numbers, rule and quorum."""
    quorum = quorum_check(
        quorum_kind,
        quorum_numerator,
        quorum_denominator,
        participating_weight=counted["weight"],
        eligible_weight=eligible_weight,
        organisations_present=organisations_present,
        organisations_total=organisations_total,
    )
    if method == "yes_no_abstain":
        decision = decide_motion(counted, rule=rule, eligible_weight=eligible_weight, quorum=quorum)
    else:
        decision = decide_election(
            counted,
            method=method,
            seats=seats,
            candidate_ids=candidate_ids,
            rule=rule,
            eligible_weight=eligible_weight,
            quorum=quorum,
        )
    return {**decision, "tally": counted, "eligible_weight": eligible_weight}
