"""What the ballot cryptography costs: the server's verification, the tally, the decryption.

    python -m bench.ballot_crypto --ballots 200
    node bench/ballot_crypto.mjs --ballots 50      # the phone's encryption, in Node

For each kind of secret vote (yes/no/abstain; approval of up to 2 of 5; yes/no/abstain for
each of 4 candidates) it encrypts N ballots under a 2-of-3 trustee key, then measures the mean
time per ``verify_ballot``, the homomorphic weighted tally of all N, two trustees' partial
decryptions with proofs, their combination with the discrete logarithm, and
``verify_result`` over everything. Prints one JSON object; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from typing import Any

from participation.ballots import (
    Dealing,
    KeyShare,
    Question,
    combine_shares,
    deal,
    decrypt_result,
    encrypt_ballot,
    partial_decrypt,
    public_key,
    tally,
    verify_ballot,
    verify_result,
)

POLL = "bench"
KINDS: dict[str, list[Question]] = {
    "yes/no/abstain": [Question.one_of(3)],
    "approval 2 of 5": [Question.up_to(5, 2)],
    "yes/no/abstain x4 candidates": [Question.one_of(3)] * 4,
}


#: The trustees' dealings and their key shares by number.
Trustees = tuple[list[Dealing], dict[int, KeyShare]]


def _marks(questions: list[Question], rng: random.Random) -> list[list[int]]:
    rows = []
    for q in questions:
        chosen = set(rng.sample(range(q.choices), rng.randint(q.min, q.max)))
        rows.append([1 if c in chosen else 0 for c in range(q.choices)])
    return rows


def _seconds(action: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = action(*args, **kwargs)
    return time.perf_counter() - start, value


def _kind(questions: list[Question], ballots: int, trustees: Trustees) -> dict[str, Any]:
    """Every step of one kind of vote, timed."""
    dealings, shares = trustees
    key = public_key(dealings)
    rng = random.Random(1)
    votes = [(f"v{n}", _marks(questions, rng), 1 + n % 3) for n in range(ballots)]
    encrypt_time, cast = _seconds(
        lambda: [
            (encrypt_ballot(key, POLL, voter, questions, marks)[0], weight)
            for voter, marks, weight in votes
        ]
    )
    verify_time, _ = _seconds(
        lambda: [verify_ballot(b, public_key=key, poll=POLL, questions=questions) for b, _ in cast]
    )
    tally_time, totals = _seconds(tally, questions, cast)
    partial_time, partials = _seconds(
        lambda: [partial_decrypt(POLL, shares[j], totals) for j in (1, 2)]
    )
    combine_time, result = _seconds(decrypt_result, POLL, questions, cast, dealings, 2, partials)
    check_time, verdict = _seconds(
        verify_result,
        result,
        poll=POLL,
        questions=questions,
        ballots=cast,
        dealings=dealings,
        threshold=2,
    )
    return {
        "encrypt_ms_per_ballot": round(1000 * encrypt_time / max(ballots, 1), 2),
        "verify_ms_per_ballot": round(1000 * verify_time / max(ballots, 1), 2),
        "tally_ms": round(1000 * tally_time, 1),
        "two_partial_decryptions_ms": round(1000 * partial_time, 1),
        "decrypt_result_ms": round(1000 * combine_time, 1),
        "verify_result_ms": round(1000 * check_time, 1),
        "result_verifies": verdict[0],
    }


def run(ballots: int) -> dict[str, Any]:
    """All kinds of vote under one 2-of-3 trustee key."""
    deals = [deal(POLL, i, 2, 3) for i in (1, 2, 3)]
    dealings = [d for d, _ in deals]
    shares = {j: combine_shares(j, {d.trustee: s[j] for d, s in deals}) for j in (1, 2, 3)}
    report: dict[str, Any] = {"ballots": ballots}
    for kind, questions in KINDS.items():
        report[kind] = _kind(questions, ballots, (dealings, shares))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100)
    print(json.dumps(run(parser.parse_args().ballots), indent=2))


if __name__ == "__main__":
    main()
