"""The phone (static/js/ballot_crypto.js under Node) and the server (participation.ballots)
speak the same protocol: ballots, trackers and spoiled-ballot openings made by one are
accepted by the other, and a weighted tally of phone-made ballots decrypts right."""

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from participation.ballots import (
    Question,
    check_spoiled,
    combine_shares,
    deal,
    decrypt_result,
    encrypt_ballot,
    partial_decrypt,
    public_key,
    reveal_spoiled,
    tally,
    tracker,
    verify_ballot,
    verify_result,
)
from participation.ballots.ballot import canonical_json

ROOT = Path(__file__).resolve().parent.parent
POLL = "poll-42"

#: The three kinds of secret vote, with one allowed set of marks each.
KINDS = {
    "yes/no/abstain": ([Question.one_of(3)], [[0, 0, 1]]),
    "approval of up to 2 of 5": ([Question.up_to(5, 2)], [[0, 1, 0, 0, 1]]),
    "yes/no/abstain per candidate": (
        [Question.one_of(3)] * 4,
        [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]],
    ),
}


def run_js(requests):
    """Answers of static/js/ballot_crypto.js (under Node) to a list of requests."""
    done = subprocess.run(
        ["node", str(ROOT / "tests/js/ballot_crypto_cli.mjs")],
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def trustees():
    deals = [deal(POLL, i, 2, 3) for i in (1, 2, 3)]
    dealings = [dealing for dealing, _ in deals]
    shares = {j: combine_shares(j, {d.trustee: sent[j] for d, sent in deals}) for j in (1, 2, 3)}
    return dealings, shares


def _js_encrypt(key, questions, marks, voter):
    return {
        "do": "encrypt",
        "publicKey": key.hex(),
        "poll": POLL,
        "voter": voter,
        "questions": [q.to_json() for q in questions],
        "marks": marks,
    }


@pytest.mark.parametrize("kind", KINDS)
def test_phone_ballots_verify_on_the_server(kind, trustees):
    key = public_key(trustees[0])
    questions, marks = KINDS[kind]
    (made,) = run_js([_js_encrypt(key, questions, marks, "v9")])
    ballot = made["ballot"]
    assert verify_ballot(ballot, public_key=key, poll=POLL, questions=questions, voter="v9") == (
        True,
        "",
    )
    assert made["tracker"] == tracker(ballot)
    # The spoiled ballot's opening, checked on "a second device".
    assert check_spoiled(made["reveal"], public_key=key, questions=questions) == (True, "")
    lied = {**made["reveal"], "marks": [row[::-1] for row in marks]}
    assert check_spoiled(lied, public_key=key, questions=questions) == (
        False,
        "the ballot does not encrypt the marks shown",
    )


@pytest.mark.parametrize("kind", KINDS)
def test_server_ballots_verify_on_the_phone(kind, trustees):
    key = public_key(trustees[0])
    questions, marks = KINDS[kind]
    ballot, randomness = encrypt_ballot(key, POLL, "v8", questions, marks)
    reveal = reveal_spoiled(ballot, marks, randomness)
    lied = {**reveal, "marks": [row[::-1] for row in marks]}
    shape = {"publicKey": key.hex(), "questions": [q.to_json() for q in questions]}
    answers = run_js(
        [
            {"do": "verify", "ballot": ballot, "poll": POLL, "voter": "v8", **shape},
            {"do": "verify", "ballot": ballot, "poll": "poll-43", **shape},
            {"do": "tracker", "ballot": ballot},
            {"do": "check_spoiled", "reveal": reveal, **shape},
            {"do": "check_spoiled", "reveal": lied, **shape},
        ]
    )
    assert answers == [
        {"ok": True, "reason": ""},
        {"ok": False, "reason": "the ballot was made for another poll"},
        tracker(ballot),
        {"ok": True, "reason": ""},
        {"ok": False, "reason": "the ballot does not encrypt the marks shown"},
    ]


def test_both_spell_json_the_same_way():
    value = {"b": [1, -2, {"z": 'ü\n"€', "a": ""}], "a": "x/y", "ä": 0}
    (js,) = run_js([{"do": "tracker", "ballot": value}])
    assert js == hashlib.sha256(canonical_json(value)).hexdigest()


def test_a_weighted_tally_of_phone_ballots_decrypts_right(trustees):
    dealings, shares = trustees
    key = public_key(dealings)
    questions = [Question.one_of(3)]
    votes = [([[1, 0, 0]], 3), ([[0, 1, 0]], 2), ([[1, 0, 0]], 1), ([[0, 0, 1]], 5)]
    made = run_js(
        [_js_encrypt(key, questions, marks, f"v{n}") for n, (marks, _) in enumerate(votes)]
    )
    ballots = [(m["ballot"], weight) for m, (_, weight) in zip(made, votes, strict=True)]
    for ballot, _ in ballots:
        assert verify_ballot(ballot, public_key=key, poll=POLL, questions=questions)[0]
    totals = tally(questions, ballots)
    partials = [partial_decrypt(POLL, shares[j], totals) for j in (3, 1)]
    result = decrypt_result(POLL, questions, ballots, dealings, 2, partials)
    assert result["counts"] == [[4, 2, 5]]
    assert verify_result(
        result, poll=POLL, questions=questions, ballots=ballots, dealings=dealings, threshold=2
    ) == (True, "")
