"""Small runs of the benchmarks, so that they keep working (timings are not judged)."""

from __future__ import annotations

import json
import os

import pytest

from bench import fanout, hall, hall_table, vote_burst


def test_a_small_vote_burst_stores_every_acknowledged_ballot_once(tmp_path):
    options = vote_burst.Options(
        delegates=30, observers=20, out=tmp_path / "burst.json", quiet=True, timeout=120
    )
    report = vote_burst.run(options)

    written = json.loads(options.out.read_text())
    assert options.out.with_suffix(".png").stat().st_size > 0
    (run,) = written["runs"]
    assert (run["async_mode"], run["database"]) == ("eventlet", "sqlite")
    ours, bare = run["ours"], run["bare"]
    checks = ours["checks"]
    assert checks["nothing_lost_or_doubled"], checks
    assert checks["acknowledged"] == checks["stored_ballots"] == 30
    assert checks["duplicates"] == 0 and checks["audit_ok"]
    assert ours["result_missing_clients"] == 0
    assert ours["open_seconds"] > 0 and ours["ballot_seconds"] > 0
    assert bare["acks"] == 30
    for figure in (ours["burst_seconds"], bare["burst_seconds"], run["ratio"]):
        assert figure > 0
    assert set(ours["latency"]) == {"p50", "p95", "p99", "max"}
    assert ours["peak_memory_mib"] > 0
    assert report["runs"][0]["targets"].keys() == run["targets"].keys()
    vote_burst.print_report(report)


def test_the_command_line_takes_the_options_of_the_readme():
    options = vote_burst.parse(
        [
            "--delegates",
            "1000",
            "--observers",
            "1000",
            "--async-mode",
            "eventlet,gevent,threading",
            "--database",
            "sqlite,postgresql",
            "--one-by-one",
        ]
    )
    assert options.async_modes == ("eventlet", "gevent", "threading")
    assert options.databases == ("sqlite", "postgresql")
    assert options.one_by_one


def test_a_small_encrypted_burst_is_decrypted_and_counted(tmp_path):
    options = vote_burst.Options(
        delegates=12,
        observers=4,
        out=tmp_path / "burst.json",
        chart=False,
        quiet=True,
        timeout=120,
        encrypted=True,
    )
    (run,) = vote_burst.run(options)["runs"]
    ours = run["ours"]
    assert ours["checks"]["nothing_lost_or_doubled"], ours["checks"]
    assert ours["decrypted_seconds"] > 0
    assert run["bare"]["acks"] == 12


def test_a_small_hall_lives_every_moment_with_the_browsers_client(tmp_path):
    """bench/hall.mjs (socket.io-client in Node) against ours and the bare stack."""
    options = hall.Options(
        delegates=20,
        observers=10,
        out=tmp_path / "hall.json",
        quiet=True,
        timeout=120,
        profile=tmp_path / "burst.prof",
        profile_phase="burst",
        client_threads=3,  # 31 clients do not divide evenly
    )
    report = hall.run(options)

    written = json.loads(options.out.read_text())
    assert options.out.with_suffix(".png").stat().st_size > 0
    (run,) = written["runs"]
    ours, bare, table = run["ours"], run["bare"], run["table"]
    assert ours["checks"]["nothing_lost_or_doubled"], ours["checks"]
    assert ours["checks"]["acknowledged"] == ours["checks"]["stored_ballots"] == 20
    clients = 20 + 10 + 1  # and the projector
    for side in (ours, bare):
        assert side["clients"] == clients and side["client_threads"] == 3
        assert all(side["phases"][name]["error"] is None for name in hall.PHASES), side["phases"]
        assert side["phases"]["burst"]["acknowledged"] == 20
        # Every client came back from the storm and was sent its state again.
        assert side["phases"]["storm"]["reconnected"] == clients
        assert side["checks"]["clients_with_state_twice"] == clients
    for name in hall.PHASES:
        assert table[name]["ours"] > 0 and table[name]["bare"] > 0 and table[name]["ratio"] > 0
        assert 0 < table[name]["client_cpu_share"] <= 1
    # The subject, the result and the room come with the events: nobody asks for them.
    for name in ("open", "close", "agenda", "speakers", "storm"):
        assert table[name]["requests"] == 0, name
    assert ours["phases"]["open"]["subject_seconds"] > 0
    assert ours["phases"]["connect"]["state_bytes_median"] > 100
    assert table["memory"]["ratio"] > 0
    # Where the peak builds up: each server's memory and its peak so far, after every moment.
    for side in (ours, bare):
        for name in hall.PHASES:
            figures = side["phases"][name]
            assert 0 < figures["server_memory_mib"] <= figures["server_peak_mib"], name
    assert set(run["targets"]) == set(report["runs"][0]["targets"])
    # Both servers were profiled in the burst, for the report to set side by side.
    for side in (ours, bare):
        assert side["profile"][0]["function"] == "(all)" and side["profile"][0]["seconds"] > 0
    assert (tmp_path / "burst.prof").exists() and (tmp_path / "burst.bare.prof").exists()
    hall.print_report(report)
    # The README's table is made from the same file.
    markdown = hall_table.table(written)
    assert "| reconnect storm |" in markdown and f"×{table['storm']['ratio']:.2f}" in markdown
    assert "| memory after connect, burst, storm: ours / bare (MiB) | " in markdown


def test_a_small_hall_casts_encrypted_ballots_and_shows_the_trustees_are_awaited(tmp_path):
    """With ``encrypted`` every phone encrypts its ballot as ballot.js does; the server checks
    and stores them, and the close leaves the poll waiting for its trustee on every screen."""
    options = hall.Options(
        delegates=12,
        observers=4,
        out=tmp_path / "hall.json",
        chart=False,
        quiet=True,
        timeout=120,
        encrypted=True,
    )
    (run,) = hall.run(options)["runs"]
    ours, bare = run["ours"], run["bare"]
    assert ours["checks"]["nothing_lost_or_doubled"], ours["checks"]
    assert ours["checks"]["acknowledged"] == ours["checks"]["stored_ballots"] == 12
    assert ours["payloads"]["ballot_ready"]["voting"]["poll"]["encryption"]["key"]
    assert ours["phases"]["close"]["reply_state"] == "counting"
    assert ours["payloads"]["poll_closed"]["state"] == "counting"
    # The close waited for the background's proof checks, and at least the settling time.
    assert ours["settled_seconds"] >= hall.ENCRYPTED_SETTLE_SECONDS
    assert bare["phases"]["burst"]["acknowledged"] == 12
    for side in (ours, bare):
        assert all(side["phases"][name]["error"] is None for name in hall.PHASES), side["phases"]


@pytest.mark.skipif(
    not (os.environ.get("TEST_DATABASE_URL") and os.environ.get("TEST_REDIS_URL")),
    reason="needs TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL (Redis); .ci/run sets both",
)
@pytest.mark.xdist_group("redis")  # as tests/test_scale_out.py
def test_a_small_hall_on_two_processes_behind_nginx_reaches_both(tmp_path):
    """Both stacks as two processes sharing Redis behind deploy/'s nginx configuration."""
    options = hall.Options(
        delegates=12,
        observers=4,
        database="postgresql",
        postgres=os.environ["TEST_DATABASE_URL"],
        processes=2,
        redis=os.environ["TEST_REDIS_URL"],
        out=tmp_path / "hall.json",
        chart=False,
        quiet=True,
        timeout=120,
    )
    (run,) = hall.run(options)["runs"]
    ours, bare = run["ours"], run["bare"]
    assert run["processes"] == 2
    assert ours["checks"]["nothing_lost_or_doubled"], ours["checks"]
    for side in (ours, bare):
        assert all(side["phases"][name]["error"] is None for name in hall.PHASES), side["phases"]
        assert side["phases"]["storm"]["reconnected"] == 12 + 4 + 1
        # The phones came from many addresses, so ip_hash sent some to each process: both
        # worked while the hall connected (nothing is broadcast then).
        assert all(cpu > 0 for cpu in side["phases"]["connect"]["server_cpu_seconds_each"])
    for name in ("open", "close", "agenda", "speakers", "storm"):
        assert run["table"][name]["requests"] == 0, name


def test_the_bare_broadcast_is_timed_with_the_clients_in_one_thread_and_in_two(tmp_path, capsys):
    out = tmp_path / "fanout.json"
    argv = ["--clients", "15", "--workers", "1,2", "--rounds", "2", "--out", str(out)]
    assert fanout.main(argv) == 0

    runs = json.loads(out.read_text())["runs"]
    assert [r["workers"] for r in runs] == [1, 2]
    for run in runs:
        assert run["clients"] == 15 and len(run["rounds"]) == 2
        for broadcast in run["rounds"]:
            assert broadcast["seconds"] > 0
            assert len(broadcast["client_busy_each"]) == run["workers"]
            assert broadcast["server_cpu_seconds"] >= 0
    assert "one broadcast to 15 clients" in capsys.readouterr().out
