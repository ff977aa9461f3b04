"""The encrypted ballot: its format, how the phone makes it, how the server checks it.

A poll asks one or more questions; each question offers ``choices`` marks, each 0 or 1, whose
sum lies in [min, max]:

* yes / no / abstain: 3 choices, exactly one (min = max = 1);
* approval of up to N of k candidates: k choices, min 0, max N;
* yes / no / abstain for each of k candidates: k such questions.

A ballot (JSON, Belenios "ballot" and "answer" structures, without the credential signature)::

    {"poll": "…", "voter": "…",
     "answers": [{"choices": [{"alpha": hex, "beta": hex}, …],
                  "individual_proofs": [proof in [0, 1] per choice],
                  "overall_proof": proof that the sum is in [min, max]}, …]}

``voter`` is the voter's pseudonym in this poll (a label the server gives, never the person's
id): the proofs hash it, so a ballot cannot be cast again under another pseudonym. Points and
scalars are 64 hex digits (see :mod:`.group`). The tracker is SHA-256 of the canonical JSON
(keys sorted, no spaces, ASCII) as hex: the voter can find it among the published ballots,
and it reveals nothing about the marks.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from participation.ballots.elgamal import Ciphertext, encrypt
from participation.ballots.group import (
    EncodingError,
    Item,
    Point,
    base,
    scalar_from_hex,
    scalar_hex,
)
from participation.ballots.proofs import prove_interval, verify_interval

#: Poll ids and pseudonyms: short ASCII labels, so the canonical JSON is the same everywhere.
LABEL = re.compile(r"[A-Za-z0-9._:-]{1,64}")
BALLOT_TAG = "participation/ballot/v1"


@dataclass(frozen=True)
class Question:
    """How many marks a question has, and how many of them may be 1."""

    choices: int
    min: int
    max: int

    def __post_init__(self) -> None:
        if not (self.choices >= 1 and 0 <= self.min <= self.max <= self.choices):
            raise ValueError("a question needs 0 ≤ min ≤ max ≤ choices and at least one choice")

    @classmethod
    def one_of(cls, choices: int) -> Question:
        """Exactly one mark, e.g. yes / no / abstain."""
        return cls(choices, 1, 1)

    @classmethod
    def up_to(cls, choices: int, most: int) -> Question:
        """Approval: any number of marks from none to ``most``."""
        return cls(choices, 0, most)

    def to_json(self) -> dict[str, int]:
        return {"choices": self.choices, "min": self.min, "max": self.max}


def canonical_json(data: Any) -> bytes:
    """The one spelling of a ballot that its tracker hashes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def tracker(ballot: dict[str, Any]) -> str:
    """The ballot's tracker: SHA-256 of its canonical JSON, 64 hex digits."""
    return hashlib.sha256(canonical_json(ballot)).hexdigest()


def ballot_context(
    poll: str, voter: str, public_key: Point, ciphertexts: Sequence[Sequence[Ciphertext]]
) -> tuple[Item, ...]:
    """What every proof of one ballot hashes: poll, pseudonym, key and all its ciphertexts."""
    items: list[Item] = [BALLOT_TAG, poll, voter, public_key, len(ciphertexts)]
    for row in ciphertexts:
        items.append(len(row))
        for ct in row:
            items += [ct.alpha, ct.beta]
    return tuple(items)


def _check_label(name: str, value: object) -> str:
    if not isinstance(value, str) or not LABEL.fullmatch(value):
        raise ValueError(f"the {name} is 1 to 64 letters, digits or . _ : -")
    return value


def encrypt_ballot(
    public_key: Point,
    poll: str,
    voter: str,
    questions: Sequence[Question],
    marks: Sequence[Sequence[int]],
) -> tuple[dict[str, Any], list[list[int]]]:
    """Encrypt a voter's marks with their proofs, as the phone does (in a poll the marks never
    reach the server; this twin serves tests, benchmarks and the cross-check with the phone).
    Returns the ballot and the randomness of every mark, which the voter may reveal to check
    a spoiled ballot (:func:`reveal_spoiled`)."""
    _check_label("poll", poll)
    _check_label("voter", voter)
    if len(marks) != len(questions):
        raise ValueError("one list of marks per question")
    rows: list[list[Ciphertext]] = []
    randomness: list[list[int]] = []
    for question, row in zip(questions, marks, strict=True):
        if len(row) != question.choices or any(m not in (0, 1) for m in row):
            raise ValueError("each choice is marked 0 or 1")
        if not question.min <= sum(row) <= question.max:
            raise ValueError("too few or too many marks for this question")
        pairs = [encrypt(public_key, m) for m in row]
        rows.append([ct for ct, _ in pairs])
        randomness.append([r for _, r in pairs])
    context = ballot_context(poll, voter, public_key, rows)
    answers = []
    for q, (question, row, cts, rs) in enumerate(
        zip(questions, marks, rows, randomness, strict=True)
    ):
        individual = [
            prove_interval((*context, "choice", q, c), public_key, ct, m, r, 0, 1)
            for c, (ct, m, r) in enumerate(zip(cts, row, rs, strict=True))
        ]
        overall = prove_interval(
            (*context, "overall", q),
            public_key,
            _sum(cts),
            sum(row),
            sum(rs),
            question.min,
            question.max,
        )
        answers.append(
            {
                "choices": [ct.to_json() for ct in cts],
                "individual_proofs": individual,
                "overall_proof": overall,
            }
        )
    return {"poll": poll, "voter": voter, "answers": answers}, randomness


def _sum(cts: Sequence[Ciphertext]) -> Ciphertext:
    total = cts[0]
    for ct in cts[1:]:
        total = total + ct
    return total


def read_ciphertexts(ballot: object, questions: Sequence[Question]) -> list[list[Ciphertext]]:
    """The ciphertexts of a ballot of the right shape, or EncodingError saying what is wrong."""
    return [[Ciphertext.from_json(ct) for ct in row] for row in check_layout(ballot, questions)]


def check_layout(ballot: object, questions: Sequence[Question]) -> list[list[dict]]:
    """A ballot's ciphertexts as JSON, once its shape and its points' spelling are right; else
    EncodingError saying what is wrong.

    Whether each point is in the group is not checked here (libsodium takes about 10 µs a
    point): :func:`read_ciphertexts` checks it, as every proof check does.
    """
    if not isinstance(ballot, dict) or set(ballot) != {"poll", "voter", "answers"}:
        raise EncodingError("a ballot has exactly poll, voter and answers")
    answers = ballot["answers"]
    if not isinstance(answers, list) or len(answers) != len(questions):
        raise EncodingError("a ballot answers every question once")
    rows = []
    for answer, question in zip(answers, questions, strict=True):
        keys = {"choices", "individual_proofs", "overall_proof"}
        if not isinstance(answer, dict) or set(answer) != keys:
            raise EncodingError("an answer has exactly choices, individual_proofs, overall_proof")
        choices = answer["choices"]
        if not isinstance(choices, list) or len(choices) != question.choices:
            raise EncodingError("an answer has one ciphertext per choice")
        proofs = answer["individual_proofs"]
        if not isinstance(proofs, list) or len(proofs) != question.choices:
            raise EncodingError("an answer has one proof per choice")
        rows.append([Ciphertext.check_spelling(ct) for ct in choices])
    return rows


def verify_ballot(
    ballot: object,
    *,
    public_key: Point,
    poll: str,
    questions: Sequence[Question],
    voter: str | None = None,
) -> tuple[bool, str]:
    """Check a cast ballot: shape, canonical encodings, poll and pseudonym, every proof.

    Returns (True, "") or (False, reason). The reason is for logs and the audit trail, not for
    display. Nothing here raises on bad input: a ballot is data from outside.
    """
    try:
        rows = read_ciphertexts(ballot, questions)
    except EncodingError as error:
        return False, str(error)
    assert isinstance(ballot, dict)
    if ballot["poll"] != poll:
        return False, "the ballot was made for another poll"
    if not isinstance(ballot["voter"], str) or not LABEL.fullmatch(ballot["voter"]):
        return False, "the ballot's pseudonym is malformed"
    if voter is not None and ballot["voter"] != voter:
        return False, "the ballot was made for another voter"
    context = ballot_context(poll, ballot["voter"], public_key, rows)
    try:
        for q, (answer, question, cts) in enumerate(
            zip(ballot["answers"], questions, rows, strict=True)
        ):
            for c, (ct, proof) in enumerate(zip(cts, answer["individual_proofs"], strict=True)):
                if not verify_interval((*context, "choice", q, c), public_key, ct, proof, 0, 1):
                    return False, f"question {q + 1}, choice {c + 1}: the mark is not 0 or 1"
            overall_context = (*context, "overall", q)
            proof = answer["overall_proof"]
            if not verify_interval(
                overall_context, public_key, _sum(cts), proof, question.min, question.max
            ):
                return False, f"question {q + 1}: the number of marks is out of range"
    except EncodingError as error:
        return False, str(error)
    return True, ""


def reveal_spoiled(
    ballot: dict[str, Any], marks: Sequence[Sequence[int]], randomness: Sequence[Sequence[int]]
) -> dict[str, Any]:
    """Benaloh's challenge: a ballot the voter will not cast, opened for another device.

    The revealed randomness lets anyone recompute every ciphertext from the claimed marks;
    a phone that encrypted something else is caught. A spoiled ballot is never cast.
    """
    return {
        "ballot": ballot,
        "marks": [list(row) for row in marks],
        "randomness": [[scalar_hex(r) for r in row] for row in randomness],
    }


def check_spoiled(
    reveal: object, *, public_key: Point, questions: Sequence[Question]
) -> tuple[bool, str]:
    """Recompute a spoiled ballot's ciphertexts from its marks and randomness."""
    if not isinstance(reveal, dict) or set(reveal) != {"ballot", "marks", "randomness"}:
        return False, "a revealed ballot has exactly ballot, marks and randomness"
    try:
        rows = read_ciphertexts(reveal["ballot"], questions)
        marks, randomness = reveal["marks"], reveal["randomness"]
        if not isinstance(marks, list) or not isinstance(randomness, list):
            raise EncodingError("marks and randomness are lists")
        if len(marks) != len(rows) or len(randomness) != len(rows):
            raise EncodingError("marks and randomness for every question")
        for cts, ms, rs in zip(rows, marks, randomness, strict=True):
            if len(ms) != len(cts) or len(rs) != len(cts):
                raise EncodingError("a mark and a randomness for every choice")
            for ct, m, r_hex in zip(cts, ms, rs, strict=True):
                if not isinstance(m, int) or isinstance(m, bool) or m not in (0, 1):
                    return False, "a revealed mark is not 0 or 1"
                r = scalar_from_hex(r_hex)
                if ct.alpha != base(r) or ct.beta != r * public_key + base(m):
                    return False, "the ballot does not encrypt the marks shown"
    except EncodingError as error:
        return False, str(error)
    return True, ""
