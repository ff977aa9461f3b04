#!/usr/bin/env python3
"""Open a ballot a phone encrypted only for checking (Benaloh's challenge), independently.

    python tools/check_spoiled.py ballot-check.json [--key HEX]

Before casting, the phone can encrypt the voter's choice once and reveal the randomness of
every encryption instead of sending it ("Check the encryption first"); the voter saves that
text. This command encrypts the revealed marks again with that randomness and compares them
with the ciphertexts, checks the tracker (SHA-256 of the ballot's canonical JSON), and prints
which answers are marked. With ``--key``, it also checks that the ballot was encrypted for
the trustees' key (shown on the trustees' page and in every poll's board). Exit 0 when the
encryption opens to the marks shown, 1 when not, 2 when the file cannot be read.

It shares only the group arithmetic of ``verify_board.py`` beside it, nothing of the app.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

from verify_board import Malformed, canonical, g_times, plus, point, scalar, times


def opened(reveal: dict) -> list[str]:
    """Every difference between the ciphertexts and the marks shown; empty when none."""
    key = point(reveal["key"])
    ballot, marks, randomness = reveal["ballot"], reveal["marks"], reveal["randomness"]
    problems = []
    if hashlib.sha256(canonical(ballot, escaped=True)).hexdigest() != reveal.get("tracker"):
        problems.append("the tracker is not the ballot's hash")
    answers = ballot["answers"]
    if not len(answers) == len(marks) == len(randomness) == len(reveal["questions"]):
        return [*problems, "marks and randomness are not given for every question"]
    for q, (answer, row, noise) in enumerate(zip(answers, marks, randomness, strict=True)):
        if not len(answer["choices"]) == len(row) == len(noise):
            problems.append(f"question {q + 1}: a mark and a randomness for every choice")
            continue
        for c, (pair, mark, r_hex) in enumerate(zip(answer["choices"], row, noise, strict=True)):
            if mark not in (0, 1) or isinstance(mark, bool):
                problems.append(f"question {q + 1}, choice {c + 1}: a mark is 0 or 1")
                continue
            r = scalar(r_hex)
            alpha, beta = point(pair["alpha"]), point(pair["beta"])
            if alpha != g_times(r) or beta != plus(times(r, key), g_times(mark)):
                problems.append(f"question {q + 1}, choice {c + 1}: not the mark shown")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reveal", help="the text the phone showed, saved as a file")
    parser.add_argument("--key", help="the trustees' public key the ballot must be for")
    args = parser.parse_args(argv)
    try:
        with open(args.reveal, encoding="utf-8") as handle:
            reveal = json.load(handle)
        if not isinstance(reveal, dict) or reveal.get("format") != "participation/spoiled/v1":
            raise Malformed("not a ballot opened for checking")
        problems = opened(reveal)
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"cannot read the input: {error}", file=sys.stderr)
        return 2
    if args.key and args.key != reveal["key"]:
        problems.append("the ballot was encrypted for another key")
    if problems:
        print("\n".join(f"FAIL {p}" for p in problems))
        return 1
    labels = reveal.get("labels") or []
    for q, row in enumerate(reveal["marks"]):
        names = labels[q] if q < len(labels) else []
        marked = [names[c] if c < len(names) else str(c + 1) for c, m in enumerate(row) if m]
        print(f"question {q + 1}: {', '.join(marked) or '(nothing)'}")
    print("the encryption opens to exactly these marks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
