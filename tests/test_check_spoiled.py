"""Benaloh's check from the command line: a ballot opened for checking is recomputed from its
marks and randomness without the app, and any other content is refused."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from participation.ballots import KeyPair, Question, encrypt_ballot, reveal_spoiled, tracker
from tests.helpers import ROOT

QUESTIONS = [Question.one_of(3)]


def _reveal(key, marks):
    ballot, randomness = encrypt_ballot(key.public, "c1.p2", "v1", QUESTIONS, marks)
    return {
        "format": "participation/spoiled/v1",
        "poll": "c1.p2",
        "key": key.public.hex(),
        "questions": [q.to_json() for q in QUESTIONS],
        "labels": [["Ja", "Nein", "Enthaltung"]],
        "tracker": tracker(ballot),
        **reveal_spoiled(ballot, marks, randomness),
    }


def _check(tmp_path, reveal, *args):
    path = tmp_path / "check.json"
    path.write_text(json.dumps(reveal))
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "check_spoiled.py"), str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def key():
    return KeyPair.generate()


def test_an_honest_encryption_opens_to_the_choice(tmp_path, key):
    done = _check(tmp_path, _reveal(key, [[0, 1, 0]]), "--key", key.public.hex())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "question 1: Nein" in done.stdout


def test_a_phone_that_encrypted_another_choice_is_caught(tmp_path, key):
    reveal = _reveal(key, [[1, 0, 0]])
    reveal["marks"] = [[0, 1, 0]]  # it shows "no" but encrypted "yes"
    done = _check(tmp_path, reveal)
    assert done.returncode == 1
    assert "not the mark shown" in done.stdout


def test_another_key_or_tracker_is_caught(tmp_path, key):
    done = _check(tmp_path, _reveal(key, [[0, 0, 1]]), "--key", KeyPair.generate().public.hex())
    assert done.returncode == 1 and "another key" in done.stdout
    reveal = _reveal(key, [[0, 0, 1]])
    reveal["tracker"] = "0" * 64
    done = _check(tmp_path, reveal)
    assert done.returncode == 1 and "tracker" in done.stdout


def test_unreadable_input_exits_2(tmp_path, key):
    assert _check(tmp_path, {"format": "something else"}).returncode == 2
    assert _check(tmp_path, {**_reveal(key, [[1, 0, 0]]), "key": "zz"}).returncode == 2
