"""Small runs of the ballot benchmarks, so that they keep working (timings are not judged)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench import ballot_crypto, phone_encryption

ROOT = Path(__file__).resolve().parent.parent


def test_the_python_benchmark_verifies_every_kind_of_result():
    report = ballot_crypto.run(ballots=2)
    assert report["ballots"] == 2
    assert set(report) - {"ballots"} == set(ballot_crypto.KINDS)
    for kind in ballot_crypto.KINDS:
        assert report[kind]["result_verifies"] is True
        assert report[kind]["verify_ms_per_ballot"] > 0


def test_the_phone_benchmark_runs_in_node():
    done = subprocess.run(
        ["node", str(ROOT / "bench/ballot_crypto.mjs"), "--ballots", "1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report = json.loads(done.stdout)
    assert report["ballots"] == 1
    assert set(report) - {"ballots"} == set(ballot_crypto.KINDS)
    for kind in ballot_crypto.KINDS:
        assert report[kind]["encrypt_ms_per_ballot"] > 0


def _bench(module: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(done.stdout)


def test_the_phone_encryption_benchmark_runs_in_chromium():
    report = _bench("bench.phone_encryption", "--ballots", "1")
    assert report["cpu_slowdown"] == 4
    assert all(report[kind]["mean_ms"] > 0 for kind in phone_encryption.KINDS)


def test_the_trustee_count_benchmark_reaches_a_result():
    report = _bench("bench.trustee_count", "--rounds", "1")
    assert report["trustees_online"] == 3
    assert len(report["close_to_result_s"]) == 1
