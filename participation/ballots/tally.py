"""The homomorphic tally and the result that anyone can check from the published data.

The encrypted total of each choice is Σ w_b·(alpha_b, beta_b) over the accepted ballots b with
their voters' weights w_b (Belenios "Tally", with the weight as exponent). Only these totals
are ever decrypted, by t trustees (:mod:`.trustees`). A result (JSON)::

    {"poll": "…", "weight": W, "totals": [[ciphertext, …], …],
     "partial_decryptions": [{"trustee": j, "factors": [[hex]], "proofs": [[proof]]}, …],
     "counts": [[int, …], …]}

:func:`verify_result` recomputes everything from the ballots, their weights, the trustees'
dealings and the result alone: every ballot's proofs, the totals, every decryption proof and
the counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from participation.ballots.ballot import Question, read_ciphertexts, verify_ballot
from participation.ballots.elgamal import ZERO, Ciphertext, discrete_log
from participation.ballots.group import EncodingError, Point, base
from participation.ballots.trustees import (
    Dealing,
    combine,
    dealing_is_valid,
    public_key,
    read_partial,
)

#: A ballot (JSON) and its voter's weight (a whole number ≥ 1, in the poll's weight scale).
Weighted = tuple[dict[str, Any], int]


#: Running sums of verified ballots by their weight: weight -> one ciphertext per choice.
Sums = dict[int, list[list[Ciphertext]]]


def add_to_sums(
    sums: Sums, questions: Sequence[Question], ballot: dict[str, Any], weight: int
) -> None:
    """Add one already verified ballot to the sum of the ballots of its weight."""
    if not isinstance(weight, int) or isinstance(weight, bool) or weight < 1:
        raise ValueError("a weight is a whole number of at least 1")
    rows = read_ciphertexts(ballot, questions)
    current = sums.get(weight) or [[ZERO] * q.choices for q in questions]
    sums[weight] = [
        [total + ct for total, ct in zip(current[q], row, strict=True)]
        for q, row in enumerate(rows)
    ]


def tally(
    questions: Sequence[Question], ballots: Sequence[Weighted], *, sums: Sums | None = None
) -> list[list[Ciphertext]]:
    """The encrypted weighted totals of already verified ballots, one per choice.

    Ballots of equal weight are added first and multiplied by their weight once:
    Σ_w w·(Σ_b ct_b) is the same total with one multiplication per weight, not per ballot.
    ``sums`` are those of further ballots, added before (:func:`add_to_sums`); they are
    counted too and not changed.
    """
    by_weight: Sums = dict(sums or {})
    for ballot, weight in ballots:
        add_to_sums(by_weight, questions, ballot, weight)
    totals = [[ZERO] * question.choices for question in questions]
    for weight, rows in sorted(by_weight.items()):
        for q, row in enumerate(rows):
            totals[q] = [total + weight * ct for total, ct in zip(totals[q], row, strict=True)]
    return totals


def decrypt_result(
    poll: str,
    questions: Sequence[Question],
    ballots: Sequence[Weighted],
    dealings: Sequence[Dealing],
    threshold: int,
    partials: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """Combine the trustees' partial decryptions into the published result.

    Partial decryptions whose proofs fail are left out; ValueError when fewer than
    ``threshold`` distinct trustees remain.
    """
    totals = tally(questions, ballots)
    factors: dict[int, list[list[Point]]] = {}
    accepted = []
    for partial in partials:
        try:
            trustee, points = read_partial(poll, partial, totals, dealings)
        except EncodingError:
            continue
        if trustee not in factors:
            factors[trustee] = points
            accepted.append(partial)
    if len(factors) < threshold:
        raise ValueError(f"{threshold} trustees must decrypt; {len(factors)} did")
    # The first t valid ones decide, and exactly these are published.
    accepted = accepted[:threshold]
    factors = {partial["trustee"]: factors[partial["trustee"]] for partial in accepted}
    weight = sum(w for _, w in ballots)
    counts = [[discrete_log(p, weight) for p in row] for row in combine(totals, factors)]
    return {
        "poll": poll,
        "weight": weight,
        "totals": [[ct.to_json() for ct in row] for row in totals],
        "partial_decryptions": accepted,
        "counts": counts,
    }


def verify_result(
    result: object,
    *,
    poll: str,
    questions: Sequence[Question],
    ballots: Sequence[Weighted],
    dealings: Sequence[Dealing],
    threshold: int,
) -> tuple[bool, str]:
    """Check a published result from the ballots, weights and dealings alone.

    Returns (True, "") or (False, reason): the dealings are a valid key ceremony of trustees
    1…n, every ballot verifies and each pseudonym votes once, the totals are the weighted
    sums, t distinct trustees' decryption proofs hold, and each count decrypts its total.
    """
    keys = {"poll", "weight", "totals", "partial_decryptions", "counts"}
    if not isinstance(result, dict) or set(result) != keys:
        return False, "a result has exactly " + ", ".join(sorted(keys))
    if result["poll"] != poll:
        return False, "the result belongs to another poll"
    numbers = sorted(d.trustee for d in dealings)
    if numbers != list(range(1, len(dealings) + 1)) or not all(
        dealing_is_valid(poll, d, threshold, len(dealings)) for d in dealings
    ):
        return False, "the trustees' dealings are not a valid key ceremony"
    key = public_key(dealings)
    pseudonyms = set()
    for number, (ballot, _) in enumerate(ballots, start=1):
        ok, reason = verify_ballot(ballot, public_key=key, poll=poll, questions=questions)
        if not ok:
            return False, f"ballot {number}: {reason}"
        pseudonyms.add(ballot["voter"])
    if len(pseudonyms) != len(ballots):
        return False, "a pseudonym cast more than one ballot"
    try:
        totals = tally(questions, ballots)
    except ValueError as error:
        return False, str(error)
    if result["weight"] != sum(w for _, w in ballots):
        return False, "the weight is not the sum of the ballots' weights"
    if result["totals"] != [[ct.to_json() for ct in row] for row in totals]:
        return False, "the totals are not the weighted sums of the ballots"
    partials = result["partial_decryptions"]
    if not isinstance(partials, list):
        return False, "the partial decryptions are a list"
    factors: dict[int, list[list[Point]]] = {}
    try:
        for partial in partials:
            trustee, points = read_partial(poll, partial, totals, dealings)
            if trustee in factors:
                return False, f"trustee {trustee} decrypted twice"
            factors[trustee] = points
    except EncodingError as error:
        return False, str(error)
    if len(factors) < threshold:
        return False, f"{threshold} trustees must decrypt; {len(factors)} did"
    return _counts_match(result["counts"], combine(totals, factors), result["weight"])


def _counts_match(counts: object, points: list[list[Point]], weight: int) -> tuple[bool, str]:
    if not isinstance(counts, list) or [len(r) for r in counts] != [len(r) for r in points]:
        return False, "a count for every choice"
    for row, row_points in zip(counts, points, strict=True):
        for count, point in zip(row, row_points, strict=True):
            if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= weight:
                return False, "a count is a whole number up to the weight cast"
            if base(count) != point:
                return False, "a count is not what its total decrypts to"
    return True, ""
