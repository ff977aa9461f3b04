"""The vote burst: every delegate of a large conference votes at once.

    python -m bench.vote_burst --delegates 1000 --observers 1000 \\
        --async-mode eventlet --database sqlite

For each configuration it builds a conference through the services, starts the server as in
production (``python wsgi.py``, one process), signs N delegates, M observers and a moderator in
with their join codes (``POST /api/v1/auth/join``), connects them all as Socket.IO clients
(python-socketio's ``AsyncClient``, WebSocket) that follow the conference, opens a poll, lets
every delegate call ``cast_ballot`` at the same moment, closes the poll and measures

- the time until every ballot is acknowledged, and the acknowledgement latencies;
- the time from the close request until the result (``poll_closed``) reached every client;
- the server's peak resident memory;
- that the ballots stored equal the acknowledgements, with no duplicates, and that the audit
  chain verifies.

In the same run the bare stack (``bench/bare_app.py``: a Flask-SocketIO app on the same server
whose handler only acknowledges) takes the same calls from the same number of clients; the
ratio of the two times says what our work costs on top of Flask-SocketIO itself.

``--async-mode`` and ``--database`` take comma-separated lists to compare eventlet, gevent and
threading, and SQLite with PostgreSQL (``--postgres``, default ``$TEST_DATABASE_URL`` or the
local server). Results go to a JSON file and a PNG chart (``--out``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench import encrypted
from bench import server as servers
from bench.swarm import Swarm, percentile

#: The targets of the issue, for N = M = 1,000 on two cores (checked in the report).
TARGET_RATIO = 1.5
TARGET_P99 = 1.5
TARGET_RESULT = 0.5
#: As static/js/ballot.js: without an answer in 8 s, or told "busy", a phone waits 2 s and
#: sends the ballot again with the same submission id.
ACK_TIMEOUT = 8.0
RETRY_DELAY = 2.0
ATTEMPTS = 5


@dataclass
class Options:
    delegates: int = 1000
    observers: int = 1000
    async_modes: tuple[str, ...] = ("eventlet",)
    databases: tuple[str, ...] = ("sqlite",)
    postgres: str = servers.DEFAULT_POSTGRES
    out: Path = Path("bench/results/vote_burst.json")
    chart: bool = True
    #: Seconds any one phase may take before the run gives up.
    timeout: float = 240
    workdir: Path | None = None
    quiet: bool = False
    #: Store every ballot in a transaction of its own (GROUP_COMMIT=0), for comparison.
    one_by_one: bool = False
    #: Encrypted ballots: trustees hold the key, phones encrypt (before the burst here).
    encrypted: bool = False
    #: Seconds between the last acknowledgement and the close (a hall takes a moment).
    settle: float = 0.0


def log(options: Options, message: str) -> None:
    if not options.quiet:
        print(message, flush=True)


# --- signing in ---------------------------------------------------------------------------------


async def join_all(url: str, codes: list[str], concurrency: int = 20) -> list[str]:
    """Exchange each join code for a bearer token, as a phone scanning its slip does."""
    gate = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as http:

        async def one(code: str) -> str:
            async with gate:
                for _attempt in range(ATTEMPTS):
                    async with http.post(url + "/api/v1/auth/join", json={"code": code}) as r:
                        if r.status == 201:
                            return (await r.json())["token"]
                        if r.status != 503:
                            raise RuntimeError(f"join failed: {r.status} {await r.text()}")
                    await asyncio.sleep(0.2)
                raise RuntimeError("join failed: the server stayed busy")

        return list(await asyncio.gather(*(one(code) for code in codes)))


async def api(http: aiohttp.ClientSession, method: str, url: str, token: str, body=None) -> dict:
    async with http.request(
        method, url, json=body, headers={"Authorization": f"Bearer {token}"}
    ) as response:
        data = await response.json()
        if response.status >= 400:
            raise RuntimeError(f"{method} {url}: {response.status} {data}")
        return data


# --- one side of the comparison -----------------------------------------------------------------


def summary(values: list[float]) -> dict:
    return {
        "p50": percentile(values, 0.50),
        "p95": percentile(values, 0.95),
        "p99": percentile(values, 0.99),
        "max": max(values) if values else None,
    }


async def cast_all(swarm: Swarm, delegates: list[int], payload_of) -> dict:
    """Every delegate votes at once, retrying as the phones' ballot card does.

    Returns each acknowledged ballot's latency (from its first attempt to the acknowledgement
    of its last), the time until the last acknowledgement, and each delegate's final reply.
    """
    start = time.perf_counter()
    calls = await swarm.burst(
        delegates,
        "cast_ballot",
        payload_of,
        timeout=ACK_TIMEOUT,
        attempts=ATTEMPTS,
        retry_delay=RETRY_DELAY,
    )
    done = max((c.acked for c in calls if c.acked is not None), default=None)
    return {
        "start": start,
        #: Until the last acknowledgement (None: not one came).
        "seconds": None if done is None else done - start,
        "latencies": [c.latency for c in calls if c.latency is not None],
        "final": {call.member: call for call in calls},
        "retries": sum(c.attempts - 1 for c in calls),
    }


async def measure_bare(
    options: Options, async_mode: str, workdir: Path, result: dict, payloads: list[dict]
) -> dict:
    """The same calls against the bare stack, from the same number of clients and with the
    same payloads (an encrypted ballot's 2 KB cost the socket layer to read, too); then the
    same result payload broadcast to all of them."""
    n, m = options.delegates, options.observers
    port = servers.free_port()
    env = servers.server_env(workdir, port=port, async_mode=async_mode)
    bare = servers.start_bare(env, log=workdir / "bare.log")
    try:
        async with Swarm(bare.url, [None] * (n + m)) as swarm:
            await swarm.connect(watch={"conference_id": 1}, timeout=options.timeout)
            cpu = bare.cpu_seconds()
            burst = await cast_all(swarm, list(range(n)), lambda i: payloads[i])
            cpu = bare.cpu_seconds() - cpu
            sent = time.perf_counter()
            async with (
                aiohttp.ClientSession() as http,
                http.post(bare.url + "/broadcast", json=result) as r,
            ):
                r.raise_for_status()
            last = await swarm.wait_for("poll_closed", timeout=options.timeout)
            acks = sum(1 for c in burst["final"].values() if c.acked is not None)
        return {
            "burst_seconds": burst["seconds"],
            "burst_server_cpu_seconds": cpu,
            "latency": summary(burst["latencies"]),
            "latencies": burst["latencies"],
            "result_seconds": None if last is None else last - sent,
            "acks": acks,
            "peak_memory_mib": bare.peak_memory_mib(),
        }
    finally:
        bare.stop()


async def measure_ours(options: Options, async_mode: str, database, workdir: Path) -> dict:
    """The real server: join, connect, open, vote, close, count."""
    n, m = options.delegates, options.observers
    codes = database.codes
    conference_id = codes["conference_id"]
    port = servers.free_port()
    env = database.env(port, async_mode=async_mode)
    if options.one_by_one:
        env = {**env, "GROUP_COMMIT": "0"}
    app = servers.start_app(env, log=workdir / "server.log")
    try:
        started = time.perf_counter()
        people = codes["delegates"][:n] + codes["observers"][:m]
        tokens = await join_all(app.url, [codes["moderator"]["code"]] + [p["code"] for p in people])
        moderator, tokens = tokens[0], tokens[1:]
        join_seconds = time.perf_counter() - started
        log(options, f"  joined {len(tokens) + 1} in {join_seconds:.1f} s")
        started = time.perf_counter()
        async with Swarm(app.url, tokens) as swarm, aiohttp.ClientSession() as http:
            await swarm.connect(watch={"conference_id": conference_id}, timeout=options.timeout)
            connect_seconds = time.perf_counter() - started
            log(options, f"  connected {len(tokens)} in {connect_seconds:.1f} s")
            base = app.url + "/api/v1/polls"
            poll = (
                await api(
                    http,
                    "POST",
                    base,
                    moderator,
                    {"conference_id": conference_id, "title": "Lastprobe", "secret": True},
                )
            )["poll"]
            sent = time.perf_counter()
            await api(http, "POST", f"{base}/{poll['id']}/open", moderator)
            opened = await swarm.wait_for("poll_opened", timeout=options.timeout)
            # The delegates (the first n clients) get their ballots with the opening.
            ballots_shown = await swarm.wait_for(
                "ballot_ready", timeout=options.timeout, members=list(range(n))
            )
            choices = ["yes", "no", "abstain"]
            runs = {i: random.getrandbits(64) for i in range(n)}
            sealed = {}
            if options.encrypted:  # the phones' work, done before the burst
                ready = {i: swarm.members[i].payloads["ballot_ready"] for i in range(n)}
                sealed = encrypted.ballots(ready, lambda i: [[int(i % 3 == k) for k in range(3)]])

            def payload_of(i: int) -> dict:
                return {
                    "conference_id": conference_id,
                    "poll_id": poll["id"],
                    "choice": sealed.get(i) or {"vote": choices[i % 3]},
                    "submission_id": f"bench-{i}-{runs[i]:x}",
                }

            cpu = app.cpu_seconds()
            burst = await cast_all(swarm, list(range(n)), payload_of)
            cpu = app.cpu_seconds() - cpu
            log(options, f"  {n} ballots: last acknowledged after {_s(burst['seconds'])}")
            await asyncio.sleep(options.settle)
            closing = time.perf_counter()
            await api(http, "POST", f"{base}/{poll['id']}/close", moderator)
            closed_reply = time.perf_counter()
            last = await swarm.wait_for("poll_closed", timeout=options.timeout)
            missing_result = swarm.missing("poll_closed")
            lost_connections = swarm.disconnected()
            result_payload = next(
                (m.payloads["poll_closed"] for m in swarm.members if "poll_closed" in m.payloads),
                {},
            )
            decrypted = None
            if options.encrypted:  # the trustee's page decrypts the totals
                done = await encrypted.decrypt(
                    app.url, moderator, conference_id, codes["trustee_share"]
                )
                decrypted = time.perf_counter() - closing if done.get("ok") else None
            published = await api(http, "GET", f"{base}/{poll['id']}/ballots", moderator)
        peak = app.peak_memory_mib()
    finally:
        app.stop()
    receipts = [
        c.reply["receipt"]
        for c in burst["final"].values()
        if isinstance(c.reply, dict) and c.reply.get("ok")
    ]
    failed = [
        c for c in burst["final"].values() if not (isinstance(c.reply, dict) and c.reply.get("ok"))
    ]
    stored = servers.check_poll(env, poll["id"])
    acked = {r["tracker"] for r in receipts}
    checks = {
        "acknowledged": len(receipts),
        "acknowledged_distinct": len(acked),
        "stored_ballots": stored["ballots"],
        "stored_participations": stored["participations"],
        "cast_count": stored["cast_count"],
        "duplicates": stored["duplicate_voters"] + stored["duplicate_trackers"],
        "trackers_match": set(stored["trackers"]) == acked,
        #: Durability: acknowledged, yet not in the database (must always be 0).
        "acknowledged_not_stored": len(acked - set(stored["trackers"])),
        "published_ballots": len(published["ballots"]),
        "audit_ok": stored["audit_ok"],
        "audit_ballot_entries": stored["audit_ballot_entries"],
        "failed": len(failed),
        "failures": sorted({c.error or str(c.reply) for c in failed})[:5],
    }
    checks["nothing_lost_or_doubled"] = (
        checks["acknowledged"] == n
        and checks["acknowledged_distinct"] == n
        and checks["stored_ballots"] == n
        and checks["stored_participations"] == n
        and checks["cast_count"] == n
        and checks["audit_ballot_entries"] == n
        and checks["duplicates"] == 0
        and checks["trackers_match"]
        and checks["published_ballots"] == n
        and checks["audit_ok"]
    )
    return {
        "burst_seconds": burst["seconds"],
        "burst_server_cpu_seconds": cpu,
        "latency": summary(burst["latencies"]),
        "latencies": burst["latencies"],
        "retries": burst["retries"],
        "join_seconds": join_seconds,
        "connect_seconds": connect_seconds,
        "open_seconds": None if opened is None else opened - sent,
        "ballot_seconds": None if ballots_shown is None else ballots_shown - sent,
        "close_request_seconds": closed_reply - closing,
        "result_seconds": None if last is None else last - closing,
        #: Encrypted: from the close request until the trustee's decryption made the result.
        "decrypted_seconds": decrypted,
        "result_missing_clients": missing_result,
        "lost_connections": lost_connections,
        "result_payload_bytes": len(json.dumps(result_payload)),
        "result_payload": result_payload,
        "payloads": [payload_of(i) for i in range(n)],
        "peak_memory_mib": peak,
        "checks": checks,
    }


# --- a configuration, the whole run -------------------------------------------------------------


def run_config(options: Options, template, async_mode: str, kind: str, workdir: Path) -> dict:
    workdir.mkdir(parents=True)
    database = servers.clone(template, workdir / "ours")
    try:
        log(options, f"{async_mode} + {kind}: participation …")
        ours = asyncio.run(measure_ours(options, async_mode, database, workdir))
    finally:
        servers.drop(database)
    log(options, f"{async_mode} + {kind}: bare stack …")
    bare = asyncio.run(
        measure_bare(options, async_mode, workdir, ours.pop("result_payload"), ours.pop("payloads"))
    )
    log(options, f"  bare: {_s(bare['burst_seconds'])}")
    ratio = ratio_of(ours["burst_seconds"], bare["burst_seconds"])
    cpu_ratio = ratio_of(ours["burst_server_cpu_seconds"], bare["burst_server_cpu_seconds"])
    everyone = ours["checks"]["failed"] == 0
    targets = {
        "all_stored_within_1.5x_bare": everyone and ratio is not None and ratio <= TARGET_RATIO,
        "p99_ack_at_most_1.5s": everyone and (ours["latency"]["p99"] or 1e9) <= TARGET_P99,
        "result_on_all_clients_within_0.5s": (ours["result_seconds"] or 1e9) <= TARGET_RESULT,
        "nothing_lost_or_doubled": ours["checks"]["nothing_lost_or_doubled"],
    }
    return {
        "async_mode": async_mode,
        "database": kind,
        "group_commit": not options.one_by_one,
        "delegates": options.delegates,
        "observers": options.observers,
        "ours": ours,
        "bare": bare,
        "ratio": ratio,
        "server_cpu_ratio": cpu_ratio,
        "targets": targets,
    }


def run(options: Options) -> dict:
    """Run every configuration; returns (and writes) the results."""
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="vote-burst-", dir=options.workdir) as tmp:
        root = Path(tmp)
        templates = {}
        results = []
        try:
            for kind in options.databases:
                started = time.perf_counter()
                templates[kind] = servers.build(
                    root / f"template-{kind}",
                    options.delegates,
                    options.observers,
                    options.postgres if kind == "postgresql" else None,
                    encrypted=options.encrypted,
                )
                log(
                    options, f"built the {kind} conference in {time.perf_counter() - started:.0f} s"
                )
            for kind in options.databases:
                for mode in options.async_modes:
                    results.append(
                        run_config(options, templates[kind], mode, kind, root / f"{mode}-{kind}")
                    )
        finally:
            for template in templates.values():
                servers.drop(template)
    report = {
        "command": "python -m bench.vote_burst " + " ".join(sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": load,
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "targets": {
            "ratio": TARGET_RATIO,
            "p99_seconds": TARGET_P99,
            "result_seconds": TARGET_RESULT,
        },
        "runs": results,
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(rounded_floats(report), indent=1))
    if options.chart:
        from bench.chart import draw

        draw(report, options.out.with_suffix(".png"))
    return report


def rounded_floats(value):
    """``value`` with every float rounded to 4 places, for the JSON report."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: rounded_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded_floats(v) for v in value]
    return value


def print_report(report: dict) -> None:
    for r in report["runs"]:
        ours, bare = r["ours"], r["bare"]
        lat = ours["latency"]
        checks = ours["checks"]
        cpu = ours["burst_server_cpu_seconds"]
        print(
            f"\n{r['async_mode']} + {r['database']}: {r['delegates']} delegates, "
            f"{r['observers']} observers"
            + ("" if r["group_commit"] else ", one commit per ballot")
            + f"\n  every ballot acknowledged     {_s(ours['burst_seconds'])} "
            f"(bare stack {_s(bare['burst_seconds'])}, ratio {_n(r['ratio'])})\n"
            f"  acknowledgement latency       p50 {_s(lat['p50'])}  p95 {_s(lat['p95'])}  "
            f"p99 {_s(lat['p99'])}  max {_s(lat['max'])}\n"
            f"  result on every client        {_s(ours['result_seconds'])} after close "
            f"(bare broadcast {_s(bare['result_seconds'])})\n"
            f"  server CPU during the burst   {_n(cpu)} s, {_n(1000 * cpu / r['delegates'])} ms "
            f"per ballot (bare {_n(bare['burst_server_cpu_seconds'])} s)\n"
            f"  sign-in / connect + state     {_n(ours['join_seconds'])} s / "
            f"{_n(ours['connect_seconds'])} s for {r['delegates'] + r['observers']} clients\n"
            f"  poll opened on every client   {_s(ours['open_seconds'])}, ballot on every "
            f"delegate's phone {_s(ours['ballot_seconds'])}\n"
            f"  server peak memory            {_n(ours['peak_memory_mib'], 0)} MiB "
            f"(bare {_n(bare['peak_memory_mib'], 0)} MiB)\n"
            f"  stored = acknowledged         {checks['stored_ballots']} = "
            f"{checks['acknowledged']}, acknowledged but not stored "
            f"{checks['acknowledged_not_stored']}, duplicates {checks['duplicates']}, "
            f"audit {'ok' if checks['audit_ok'] else 'BROKEN'}, retries {ours['retries']}, "
            f"connections lost {ours['lost_connections']}"
        )
        for name, met in r["targets"].items():
            print(f"  {'met   ' if met else 'MISSED'} {name}")


def ratio_of(ours, bare) -> float | None:
    return ours / bare if ours is not None and bare else None


def _s(value) -> str:
    return "—" if value is None else f"{value:.3f} s"


def _n(value, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.vote_burst",
        description="Every delegate votes at once; compare with the bare Flask-SocketIO stack.",
    )
    parser.add_argument("--delegates", type=int, default=1000)
    parser.add_argument("--observers", type=int, default=1000)
    parser.add_argument(
        "--async-mode", default="eventlet", help="eventlet, gevent, threading (comma-separated)"
    )
    parser.add_argument("--database", default="sqlite", help="sqlite, postgresql (comma-separated)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_DATABASE_URL") or servers.DEFAULT_POSTGRES,
        help="PostgreSQL server to create the benchmark databases on",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/vote_burst.json"))
    parser.add_argument("--no-chart", action="store_true")
    parser.add_argument(
        "--one-by-one",
        action="store_true",
        help="store every ballot in a transaction of its own (GROUP_COMMIT=0), for comparison",
    )
    parser.add_argument(
        "--encrypted",
        action="store_true",
        help="encrypted ballots (a trustee holds the key; ballots encrypted before the burst)",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=0.0,
        help="seconds between the last acknowledgement and the close (default 0)",
    )
    parser.add_argument("--timeout", type=float, default=240)
    args = parser.parse_args(argv)
    modes = tuple(m.strip() for m in args.async_mode.split(",") if m.strip())
    kinds = tuple(k.strip() for k in args.database.split(",") if k.strip())
    for mode in modes:
        if mode not in ("eventlet", "gevent", "threading"):
            parser.error(f"unknown async mode {mode!r}")
    for kind in kinds:
        if kind not in ("sqlite", "postgresql"):
            parser.error(f"unknown database {kind!r}")
    return Options(
        delegates=args.delegates,
        observers=args.observers,
        async_modes=modes,
        databases=kinds,
        postgres=args.postgres,
        out=args.out,
        chart=not args.no_chart,
        timeout=args.timeout,
        one_by_one=args.one_by_one,
        encrypted=args.encrypted,
        settle=args.settle,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    report = run(options)
    print_report(report)
    print(
        f"\nwritten: {options.out}"
        + (f", {options.out.with_suffix('.png')}" if options.chart else "")
    )
    ok = all(r["ours"]["checks"]["nothing_lost_or_doubled"] for r in report["runs"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
