"""Ill-formed ballots are refused, by the server's verifier and by the phone's module alike.

A cheating phone encrypts 2 or −1, or marks two choices where one is allowed, and attaches
the best proofs it can (for the value it claims). Every such ballot, and every ballot changed
after it was made, is refused with a reason and without an exception.
"""

import copy
import json
import subprocess
from pathlib import Path

import pytest

from participation.ballots import KeyPair, Question, encrypt_ballot, verify_ballot
from participation.ballots.ballot import ballot_context
from participation.ballots.elgamal import Ciphertext
from participation.ballots.group import ORDER, base, random_scalar, scalar_hex
from participation.ballots.proofs import prove_interval

ROOT = Path(__file__).resolve().parent.parent
POLL = "poll-3"
KEYS = KeyPair.generate()
YES_NO_ABSTAIN = [Question.one_of(3)]


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


def cheating_ballot(marks, questions=YES_NO_ABSTAIN, voter="v1"):
    """Encrypt any whole numbers; prove the nearest allowed values instead."""
    rows, randomness = [], []
    for row in marks:
        rs = [random_scalar() for _ in row]
        rows.append(
            [Ciphertext(base(r), r * KEYS.public + base(m)) for m, r in zip(row, rs, strict=True)]
        )
        randomness.append(rs)
    context = ballot_context(POLL, voter, KEYS.public, rows)
    answers = []
    for q, (question, row, cts, rs) in enumerate(
        zip(questions, marks, rows, randomness, strict=True)
    ):
        claimed = [min(max(m, 0), 1) for m in row]
        total = cts[0]
        for ct in cts[1:]:
            total = total + ct
        overall = min(max(sum(row), question.min), question.max)
        answers.append(
            {
                "choices": [ct.to_json() for ct in cts],
                "individual_proofs": [
                    prove_interval((*context, "choice", q, c), KEYS.public, ct, m, r, 0, 1)
                    for c, (ct, m, r) in enumerate(zip(cts, claimed, rs, strict=True))
                ],
                "overall_proof": prove_interval(
                    (*context, "overall", q),
                    KEYS.public,
                    total,
                    overall,
                    sum(rs),
                    question.min,
                    question.max,
                ),
            }
        )
    return {"poll": POLL, "voter": voter, "answers": answers}


def both_verdicts(ballot, questions=YES_NO_ABSTAIN, voter=None, poll=POLL):
    """(Python's verdict, the phone module's verdict) on one ballot."""
    python = verify_ballot(
        ballot, public_key=KEYS.public, poll=poll, questions=questions, voter=voter
    )
    (js,) = run_js(
        [
            {
                "do": "verify",
                "ballot": ballot,
                "publicKey": KEYS.public.hex(),
                "poll": poll,
                "questions": [q.to_json() for q in questions],
                "voter": voter,
            }
        ]
    )
    return python, (js["ok"], js["reason"])


def test_an_honest_ballot_is_accepted():
    ballot, _ = encrypt_ballot(KEYS.public, POLL, "v1", YES_NO_ABSTAIN, [[0, 0, 1]])
    assert both_verdicts(ballot, voter="v1") == ((True, ""), (True, ""))
    # The cheater's builder itself makes valid ballots from allowed marks.
    assert both_verdicts(cheating_ballot([[1, 0, 0]])) == ((True, ""), (True, ""))


@pytest.mark.parametrize(
    ("marks", "reason"),
    [
        ([[2, 0, 0]], "question 1, choice 1: the mark is not 0 or 1"),
        ([[-1, 1, 1]], "question 1, choice 1: the mark is not 0 or 1"),
        ([[0, 2, -1]], "question 1, choice 2: the mark is not 0 or 1"),
        ([[1, 1, 0]], "question 1: the number of marks is out of range"),
        ([[0, 0, 0]], "question 1: the number of marks is out of range"),
    ],
)
def test_a_cheating_phone_is_caught(marks, reason):
    python, js = both_verdicts(cheating_ballot(marks))
    assert python == (False, reason)
    assert js == (False, reason)


def test_approval_beyond_its_limit_is_caught():
    questions = [Question.up_to(4, 2)]
    assert both_verdicts(cheating_ballot([[1, 1, 0, 0]], questions), questions)[0][0] is True
    python, js = both_verdicts(cheating_ballot([[1, 1, 1, 0]], questions), questions)
    assert python == js == (False, "question 1: the number of marks is out of range")


def test_a_ballot_cannot_move_to_another_poll_or_voter():
    ballot, _ = encrypt_ballot(KEYS.public, POLL, "v1", YES_NO_ABSTAIN, [[1, 0, 0]])
    python, js = both_verdicts(ballot, voter="v2")
    assert python == js == (False, "the ballot was made for another voter")
    assert both_verdicts(ballot, poll="poll-4")[0] == (
        False,
        "the ballot was made for another poll",
    )
    # Relabelled as another pseudonym or poll, the proofs no longer hold.
    for field, value in (("voter", "v2"), ("poll", "poll-4")):
        moved = {**ballot, field: value}
        python, js = both_verdicts(moved, poll=moved["poll"])
        assert python[0] is False and js[0] is False
        assert python == js


def _tampered():
    """(description, ballot) pairs: one change each to an honest ballot."""
    ballot, _ = encrypt_ballot(KEYS.public, POLL, "v1", YES_NO_ABSTAIN, [[1, 0, 0]])
    answer = ballot["answers"][0]
    other, _ = encrypt_ballot(KEYS.public, POLL, "v1", YES_NO_ABSTAIN, [[0, 1, 0]])

    def edit(change):
        copied = copy.deepcopy(ballot)
        change(copied["answers"][0])
        return copied

    response = answer["individual_proofs"][0][0]["response"]
    bumped = int.from_bytes(bytes.fromhex(response), "little") + 1
    overlong = int.from_bytes(bytes.fromhex(response), "little") + ORDER
    return [
        ("beta replaced", edit(lambda a: a["choices"][0].__setitem__("beta", base(1).hex()))),
        ("choices swapped", edit(lambda a: a["choices"].reverse())),
        ("proofs swapped", edit(lambda a: a["individual_proofs"].reverse())),
        (
            "response changed",
            edit(
                lambda a: a["individual_proofs"][0][0].__setitem__("response", scalar_hex(bumped))
            ),
        ),
        (
            "response spelled with the order added",
            edit(
                lambda a: a["individual_proofs"][0][0].__setitem__(
                    "response", overlong.to_bytes(32, "little").hex()
                )
            ),
        ),
        (
            "overall proof of another ballot",
            edit(lambda a: a.__setitem__("overall_proof", other["answers"][0]["overall_proof"])),
        ),
        ("a choice missing", edit(lambda a: a["choices"].pop())),
        ("a proof missing", edit(lambda a: a["individual_proofs"].pop())),
        ("a proof part missing", edit(lambda a: a["overall_proof"].pop())),
        ("an extra field", edit(lambda a: a.__setitem__("note", "x"))),
        ("not hex", edit(lambda a: a["choices"][0].__setitem__("alpha", "g" * 64))),
        ("not a point", edit(lambda a: a["choices"][0].__setitem__("alpha", "ff" * 32))),
        ("a number for a point", edit(lambda a: a["choices"][0].__setitem__("alpha", 5))),
        ("answers missing", {"poll": POLL, "voter": "v1"}),
        ("not an object", ["poll", POLL]),
        ("a pseudonym that is no label", {**ballot, "voter": "v 1"}),
    ]


def test_every_change_to_a_ballot_is_refused_by_both():
    cases = _tampered()
    python = [
        verify_ballot(b, public_key=KEYS.public, poll=POLL, questions=YES_NO_ABSTAIN)
        for _, b in cases
    ]
    js = run_js(
        [
            {
                "do": "verify",
                "ballot": b,
                "publicKey": KEYS.public.hex(),
                "poll": POLL,
                "questions": [q.to_json() for q in YES_NO_ABSTAIN],
            }
            for _, b in cases
        ]
    )
    for (name, _), verdict, js_verdict in zip(cases, python, js, strict=True):
        assert verdict[0] is False, name
        assert verdict[1], name
        assert js_verdict["ok"] is False, name
        assert js_verdict["reason"] == verdict[1], name


def test_the_phone_refuses_to_encrypt_what_the_question_does_not_allow():
    base_request = {
        "do": "refuse",
        "publicKey": KEYS.public.hex(),
        "poll": POLL,
        "voter": "v1",
        "questions": [q.to_json() for q in YES_NO_ABSTAIN],
    }
    answers = run_js(
        [
            {**base_request, "marks": marks}
            for marks in ([[2, 0, 0]], [[-1, 1, 1]], [[1, 1, 0]], [[1, 0]], [[1, 0, 0]])
        ]
    )
    assert answers == [
        "each choice is marked 0 or 1",
        "each choice is marked 0 or 1",
        "too few or too many marks for this question",
        "each choice is marked 0 or 1",
        "accepted",
    ]
    for marks in ([[2, 0, 0]], [[1, 1, 0]], [[1, 0]]):
        with pytest.raises(ValueError):
            encrypt_ballot(KEYS.public, POLL, "v1", YES_NO_ABSTAIN, marks)
