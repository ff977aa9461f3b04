"""A hall's moments, measured with the browsers' own Socket.IO client.

    python -m bench.hall --delegates 1000 --observers 1000 [--sizes 250,500,1000,2000]
        [--async-mode eventlet,gevent] [--rounds 3]
        [--database postgresql [--processes 1,2]]

For each configuration it builds a conference through the services (``bench.setup``), starts
the server as ``make run`` does (``python wsgi.py``, one process), signs a moderator, N
delegates, M observers and the projector in by their join codes and hands the hall to
``bench/hall.mjs``: Node with socket.io-client (the browsers' library, from npm), one client per
phone, doing what the pages do. It measures connect with the full state, open until every
ballot shows, the burst, close until the result is drawn on every phone and the projector
(counting what the pages fetch over HTTP at that moment), an agenda change, a speakers-list
change and a reconnect storm. Then the bare stack (``bench/bare_app.py`` on the same server:
handlers that only acknowledge) takes the same connections, calls and broadcasts of the same
payloads, in the same run.

With ``--processes 2`` (PostgreSQL only; ``1,2`` runs both) both stacks run as two processes
sharing a Redis message queue behind nginx with the sample configuration of ``deploy/``; the
phones then come from many loopback addresses, so that nginx's ``ip_hash`` spreads them as it
would a hall's.

Results go to a JSON file and PNG charts (``--out``); ``--sizes`` adds the growth table: each
ratio against the hall's size.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bench import server as servers
from bench.vote_burst import join_all, ratio_of, rounded_floats

ROOT = Path(__file__).resolve().parents[1]
#: The targets of the issue, for 1,000 delegates and 1,000 observers on two cores.
TARGETS = {
    "burst_ratio": 1.2,
    "burst_p99_seconds": 1.0,
    "result_seconds": 0.3,
    "connect_ratio": 1.5,
    "storm_ratio": 1.5,
    "broadcast_seconds": 0.3,
    "memory_ratio": 1.3,
}
#: Seconds at least between the last acknowledgement and the close, with encrypted ballots
#: (then the client waits until the server is quiet, see ``settle`` in hall.mjs).
ENCRYPTED_SETTLE_SECONDS = 3.0
#: The phases, in the order the hall lives them.
PHASES = ("connect", "open", "burst", "close", "agenda", "speakers", "storm")


@dataclass
class Options:
    delegates: int = 1000
    observers: int = 1000
    #: Hall sizes (delegates; as many observers) for the growth table; empty: just the one.
    sizes: tuple[int, ...] = ()
    async_modes: tuple[str, ...] = ("eventlet",)
    #: "sqlite", or "postgresql" on the server ``postgres`` names (a database per run).
    database: str = "sqlite"
    postgres: str = servers.DEFAULT_POSTGRES
    #: Server processes of each stack; more than one share ``redis`` behind nginx.
    processes: int = 1
    #: Process counts to run in turn (``--processes 1,2``); empty: just ``processes``.
    process_counts: tuple[int, ...] = ()
    redis: str = servers.DEFAULT_REDIS
    rounds: int = 1
    out: Path = Path("bench/results/hall.json")
    chart: bool = True
    timeout: float = 240
    #: Connections opened at a time when the hall arrives.
    concurrency: int = 100
    #: Node worker threads the phones are dealt over (the main thread holds the moderator).
    client_threads: int = 2
    quiet: bool = False
    workdir: Path | None = None
    #: Run our server under cProfile and write its statistics here (slower: not for ratios).
    profile: Path | None = None
    #: Profile only this phase (see PHASES); None: the server's whole life.
    profile_phase: str | None = None
    #: Encrypted ballots: the moderator is the conference's single trustee, each phone
    #: encrypts its ballot before the burst, and the close shows "waiting for the trustees".
    encrypted: bool = False


def log(options: Options, message: str) -> None:
    if not options.quiet:
        print(message, flush=True)


def node() -> str:
    found = shutil.which("node")
    if not found:
        raise RuntimeError("the hall benchmark needs Node.js (node) on the PATH")
    return found


def run_hall(config: dict, workdir: Path, name: str, options: Options) -> dict:
    """Run ``bench/hall.mjs`` with ``config``; its report."""
    config = {
        **config,
        "timeout": options.timeout,
        "quiet": options.quiet,
        "threads": options.client_threads,
    }
    config_path, out_path = workdir / f"{name}.config.json", workdir / f"{name}.json"
    config_path.write_text(json.dumps(config))
    done = subprocess.run(
        [node(), str(ROOT / "bench" / "hall.mjs"), str(config_path), str(out_path)],
        cwd=ROOT,
        timeout=options.timeout * len(PHASES) + 60,
        stdout=subprocess.PIPE,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench/hall.mjs failed ({done.returncode}): {done.stdout[-2000:]}")
    return json.loads(out_path.read_text())


def _api(url: str, token: str, body: dict | None = None) -> dict:
    return {"url": url, "headers": {"Authorization": f"Bearer {token}"}, "body": body or {}}


def measure_ours(options: Options, async_mode: str, database, workdir: Path) -> dict:
    n, m = options.delegates, options.observers
    codes = database.codes
    conference_id = codes["conference_id"]
    profiles = Profiles(options, "")
    stack = servers.start_stack(
        options.processes,
        options.redis,
        workdir / "server",
        lambda port: database.env(port, async_mode=async_mode),
        lambda env, log: servers.start_app(
            env,
            log=log,
            profile=profiles.next(),
            profile_on_signal=options.profile_phase is not None,
        ),
    )
    try:
        people = codes["delegates"][:n] + codes["observers"][: m + 1]
        tokens = asyncio.run(
            join_all(stack.url, [codes["moderator"]["code"]] + [p["code"] for p in people])
        )
        moderator, tokens, screen = tokens[0], tokens[1:-1], tokens[-1]
        polls = stack.url + "/api/v1/polls"
        poll = asyncio.run(_create_poll(polls, moderator, conference_id))
        runs = {i: random.getrandbits(64) for i in range(n)}
        agenda = codes["agenda"]
        config = {
            **stack.client_config(),
            "tokens": tokens,
            "delegates": n,
            "conferenceId": conference_id,
            "moderatorToken": moderator,
            "projectorToken": screen,
            "projectorEvent": "watch_projector",
            "concurrency": options.concurrency,
            "profilePhase": options.profile_phase if options.profile else None,
            "pollId": poll,
            "subjectPath": f"/c/{conference_id}/polls/{{poll}}/subject",
            "ballots": [_ballot(options, conference_id, poll, i, runs[i]) for i in range(n)],
            **_encryption(options),
            "actions": {
                "open": _api(f"{polls}/{poll}/open", moderator),
                "close": _api(f"{polls}/{poll}/close", moderator),
                "agenda": {
                    "event": "set_current_item",
                    "payload": {"conference_id": conference_id, "agenda_item_id": agenda[3]},
                },
                "speakers": {
                    "event": "speakers_add",
                    "payload": {
                        "conference_id": conference_id,
                        "agenda_item_id": agenda[3],
                        "accreditation_id": codes["delegates"][0]["accreditation_id"],
                    },
                },
            },
        }
        hall = run_hall(config, workdir, "ours", options)
        hall["peak_memory_mib"] = stack.peak_memory_mib()
    finally:
        stack.stop()
    if profiles.files:
        hall["profile"] = heaviest(profiles.files)
    stored = servers.check_poll(stack.envs[0], poll)
    acked = set(hall.pop("receipts"))
    hall["checks"].update(
        {
            "acknowledged": len(acked),
            "stored_ballots": stored["ballots"],
            "acknowledged_not_stored": len(acked - set(stored["trackers"])),
            "duplicates": stored["duplicate_voters"] + stored["duplicate_trackers"],
            "audit_ok": stored["audit_ok"],
        }
    )
    hall["checks"]["nothing_lost_or_doubled"] = (
        len(acked) == n == stored["ballots"]
        and hall["checks"]["acknowledged_not_stored"] == 0
        and hall["checks"]["duplicates"] == 0
        and stored["audit_ok"]
    )
    hall["ballots"] = config["ballots"]
    return hall


def heaviest(paths: list[Path], count: int = 40) -> list[dict]:
    """The functions the server processes spent most time in themselves (cProfile's tottime,
    summed over the processes), the first row being the whole profile's."""
    import pstats

    stats = pstats.Stats(*map(str, paths)).stats  # type: ignore[attr-defined]
    rows = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:count]
    total = sum(own for _primitive, _calls, own, _cumulative, _callers in stats.values())
    calls = sum(calls for _primitive, calls, _own, _cumulative, _callers in stats.values())
    return [{"function": "(all)", "calls": calls, "seconds": total}] + [
        {"function": f"{Path(file).name}:{line}({name})", "calls": calls, "seconds": own}
        for (file, line, name), (_primitive, calls, own, _cumulative, _callers) in rows
    ]


async def _create_poll(polls: str, moderator: str, conference_id: int) -> int:
    import aiohttp

    from bench.vote_burst import api

    async with aiohttp.ClientSession() as http:
        body = {"conference_id": conference_id, "title": "Lastprobe", "secret": True}
        return (await api(http, "POST", polls, moderator, body))["poll"]["id"]


def _ballot(options: Options, conference_id: int, poll: int, i: int, run: int) -> dict:
    """Delegate ``i``'s ballot: its choice, or with ``encrypted`` the marks its phone encrypts."""
    ballot: dict = {
        "conference_id": conference_id,
        "poll_id": poll,
        "choice": {"vote": ("yes", "no", "abstain")[i % 3]},
        "submission_id": f"hall-{i}-{run:x}",
    }
    if options.encrypted:
        ballot["marks"] = [[int(i % 3 == k) for k in range(3)]]
    return ballot


def _encryption(options: Options) -> dict:
    """With encrypted ballots, the phones encrypt before the burst; the moderator closes at
    least 3 s after the last acknowledgement, once the server is quiet: it has checked every
    ballot's proofs in the background (closed at once, the close would check them itself)."""
    return {"encrypted": True, "settle": ENCRYPTED_SETTLE_SECONDS} if options.encrypted else {}


def measure_bare(options: Options, async_mode: str, workdir: Path, ours: dict) -> dict:
    """The same hall against handlers that only acknowledge, broadcasting our payloads."""
    n, m = options.delegates, options.observers
    profiles = Profiles(options, ".bare")
    bare = servers.start_stack(
        options.processes,
        options.redis,
        workdir / "bare",
        lambda port: servers.server_env(workdir, port=port, async_mode=async_mode),
        lambda env, log: servers.start_bare(
            env,
            log=log,
            profile=profiles.next(),
            profile_on_signal=options.profile_phase is not None,
        ),
    )
    sent = ours["payloads"]

    def broadcast(*names: str) -> dict:
        return {"url": bare.url + "/broadcast", "body": {"events": [[k, sent[k]] for k in names]}}

    try:
        config = {
            **bare.client_config(),
            "tokens": [None] * (n + m),
            "delegates": n,
            "conferenceId": 1,
            "projectorEvent": "watch_projector",
            "concurrency": options.concurrency,
            "profilePhase": options.profile_phase if options.profile else None,
            "ballots": ours["ballots"],
            **_encryption(options),
            "actions": {
                "open": broadcast("ballot_ready", "poll_opened"),
                "close": broadcast("poll_closed"),
                "agenda": broadcast("room", "speakers"),
                "speakers": broadcast("speakers"),
            },
        }
        hall = run_hall(config, workdir, "bare", options)
        hall["peak_memory_mib"] = bare.peak_memory_mib()
    finally:
        bare.stop()
    if profiles.files:
        hall["profile"] = heaviest(profiles.files)
    return hall


class Profiles:
    """The profile files of one stack's server processes, beside ``--profile``: ours in
    ``x.prof`` (``x.2.prof`` … for more processes), the bare stack's in ``x.bare.prof``."""

    def __init__(self, options: Options, kind: str) -> None:
        self.base, self.kind = options.profile, kind
        self.files: list[Path] = []

    def next(self) -> Path | None:
        """The file of the next process started; None without ``--profile``."""
        if self.base is None:
            return None
        number = f".{len(self.files) + 1}" if self.files else ""
        path = self.base.with_suffix(f"{self.kind}{number}.prof")
        self.files.append(path)
        return path


# --- comparing ------------------------------------------------------------------------------------


def compare(ours: dict, bare: dict) -> dict:
    """Each phase's seconds beside the bare stack's, and the ratio."""
    table = {}
    for name in PHASES:
        mine, theirs = ours["phases"].get(name, {}), bare["phases"].get(name, {})
        table[name] = {
            "ours": mine.get("seconds"),
            "bare": theirs.get("seconds"),
            "ratio": ratio_of(mine.get("seconds"), theirs.get("seconds")),
            "requests": mine.get("requests"),
            "bare_requests": theirs.get("requests"),
            "server_cpu_seconds": mine.get("server_cpu_seconds"),
            "bare_server_cpu_seconds": theirs.get("server_cpu_seconds"),
            "client_cpu_share": mine.get("client_cpu_share"),
            "bare_client_cpu_share": theirs.get("client_cpu_share"),
        }
    table["memory"] = {
        "ours": ours.get("peak_memory_mib"),
        "bare": bare.get("peak_memory_mib"),
        "ratio": ratio_of(ours.get("peak_memory_mib"), bare.get("peak_memory_mib")),
    }
    return table


def targets(table: dict, ours: dict) -> dict:
    burst = ours["phases"].get("burst", {})
    broadcast = max(
        (table[name]["ours"] or 1e9) for name in ("agenda", "speakers") if name in table
    )
    below = lambda value, limit: value is not None and value <= limit  # noqa: E731
    return {
        "burst ≤ 1.2 × bare": below(table["burst"]["ratio"], TARGETS["burst_ratio"]),
        "burst p99 ≤ 1 s": below(burst.get("p99"), TARGETS["burst_p99_seconds"]),
        "result on every screen ≤ 0.3 s, no HTTP": below(
            table["close"]["ours"], TARGETS["result_seconds"]
        )
        and table["close"]["requests"] == 0,
        "connect + full state ≤ 1.5 × bare": below(
            table["connect"]["ratio"], TARGETS["connect_ratio"]
        ),
        "reconnect storm ≤ 1.5 × bare, all back": below(
            table["storm"]["ratio"], TARGETS["storm_ratio"]
        )
        and ours["phases"]["storm"].get("reconnected") == ours["clients"],
        "agenda/speakers on every screen ≤ 0.3 s, no refetch": below(
            broadcast, TARGETS["broadcast_seconds"]
        )
        and not table["agenda"]["requests"]
        and not table["speakers"]["requests"],
        "peak memory ≤ 1.3 × bare": below(table["memory"]["ratio"], TARGETS["memory_ratio"]),
        "nothing lost or doubled": ours["checks"]["nothing_lost_or_doubled"],
    }


def run_config(options: Options, template, async_mode: str, workdir: Path) -> dict:
    workdir.mkdir(parents=True)
    database = servers.clone(template, workdir / "ours")
    try:
        log(options, f"{async_mode}, {options.delegates} + {options.observers}: participation …")
        ours = measure_ours(options, async_mode, database, workdir)
    finally:
        servers.drop(database)
    log(options, f"{async_mode}, {options.delegates} + {options.observers}: bare stack …")
    bare = measure_bare(options, async_mode, workdir, ours)
    ours.pop("ballots")
    table = compare(ours, bare)
    return {
        "async_mode": async_mode,
        "database": options.database,
        "processes": options.processes,
        "delegates": options.delegates,
        "observers": options.observers,
        "table": table,
        "targets": targets(table, ours),
        "ours": ours,
        "bare": bare,
    }


def run(options: Options) -> dict:
    """Every size, async mode and round; returns (and writes) the results."""
    load = os.getloadavg()
    sizes = options.sizes or (options.delegates,)
    results = []
    with tempfile.TemporaryDirectory(prefix="hall-", dir=options.workdir) as tmp:
        root = Path(tmp)
        for size in sizes:
            sized = replace(options, delegates=size, observers=size) if options.sizes else options
            started = time.perf_counter()
            postgres = options.postgres if options.database == "postgresql" else None
            template = servers.build(
                root / f"template-{size}",
                sized.delegates,
                sized.observers + 1,
                postgres,
                encrypted=options.encrypted,
            )
            log(options, f"built the conference of {size} in {time.perf_counter() - started:.0f} s")
            try:
                for count, mode, number in itertools.product(
                    options.process_counts or (options.processes,),
                    options.async_modes,
                    range(options.rounds),
                ):
                    counted = replace(sized, processes=count)
                    workdir = root / f"{size}-{count}-{mode}-{number}"
                    results.append(
                        {**run_config(counted, template, mode, workdir), "round": number + 1}
                    )
            finally:
                servers.drop(template)
    report = {
        "command": "python -m bench.hall " + " ".join(sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": load,
            "python": platform.python_version(),
            "node": subprocess.run(
                [node(), "--version"], capture_output=True, text=True
            ).stdout.strip(),
            "platform": platform.platform(),
        },
        "targets": TARGETS,
        "runs": results,
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(rounded_floats(report), indent=1))
    if options.chart:
        from bench.hall_chart import draw

        draw(report, options.out.with_suffix(".png"))
    return report


def _s(value) -> str:
    return "—" if value is None else f"{value:.3f}"


def print_report(report: dict) -> None:
    for r in report["runs"]:
        table, ours = r["table"], r["ours"]
        print(
            f"\n{r['async_mode']} + {r['database']}, {r.get('processes', 1)} process(es): "
            f"{r['delegates']} delegates, "
            f"{r['observers']} observers, round {r['round']}"
        )
        print(f"  {'':24} {'ours s':>8} {'bare s':>8} {'ratio':>6} {'HTTP':>5} {'client busy':>11}")
        for name in PHASES:
            row = table[name]
            share = row["client_cpu_share"]
            print(
                f"  {LABELS[name]:24} {_s(row['ours']):>8} {_s(row['bare']):>8} "
                f"{_s(row['ratio'])[:5]:>6} {row['requests'] or 0:>5} "
                f"{'—' if share is None else f'{share:.0%}':>11}"
            )
        burst = ours["phases"]["burst"]
        connect = ours["phases"]["connect"]
        per_client = 1000 * (connect.get("server_cpu_seconds") or 0) / ours["clients"]
        memory = table["memory"]
        print(
            f"  burst latency p50 {_s(burst.get('p50'))} s, p99 {_s(burst.get('p99'))} s; "
            f"full state {connect.get('state_bytes_median')} bytes (median), server CPU "
            f"{per_client:.2f} ms per client\n"
            f"  peak memory {memory['ours'] or 0:.0f} MiB (bare {memory['bare'] or 0:.0f} MiB, "
            f"ratio {_s(memory['ratio'])}); checks {ours['checks']}"
        )
        if ours.get("settled_seconds") is not None:
            print(
                f"  the close came {ours['settled_seconds']:.1f} s after the last acknowledgement"
            )
        each = ours["phases"]["burst"].get("server_cpu_seconds_each") or []
        if len(each) > 1:
            spread = " / ".join(f"{cpu:.2f} s" for cpu in each)
            print(f"  server CPU in the burst per process: {spread}")
        for name, met in r["targets"].items():
            print(f"  {'met   ' if met else 'MISSED'} {name}")
        if ours.get("profile"):
            print_profile(ours["profile"], r["bare"].get("profile") or [])


def print_profile(ours: list[dict], bare: list[dict]) -> None:
    """Where our server's time went, beside the bare stack's in the same function."""
    theirs = {row["function"]: row for row in bare}
    print("  where the server's time went (own seconds and calls; ours, then bare):")
    for row in ours[:30]:
        other = theirs.get(row["function"])
        beside = f"{other['seconds']:8.3f} {other['calls']:>9}" if other else f"{'':8} {'':>9}"
        print(f"    {row['seconds']:8.3f} {row['calls']:>9} {beside}  {row['function']}")
    mine = {row["function"] for row in ours[:30]}
    for row in bare[:30]:
        if row["function"] not in mine and row["seconds"] >= 0.01:
            print(f"    {'':8} {'':>9} {row['seconds']:8.3f} {row['calls']:>9}  {row['function']}")


LABELS = {
    "connect": "connect + full state",
    "open": "open → ballot shown",
    "burst": "every ballot acknowledged",
    "close": "close → result drawn",
    "agenda": "agenda item → screens",
    "speakers": "speakers list → screens",
    "storm": "reconnect storm",
}


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.hall",
        description="A hall's moments with the browsers' Socket.IO client, ours beside bare.",
    )
    parser.add_argument("--delegates", type=int, default=1000)
    parser.add_argument("--observers", type=int, default=1000)
    parser.add_argument("--sizes", default="", help="e.g. 250,500,1000,2000 (as many observers)")
    parser.add_argument(
        "--async-mode", default="eventlet", help="eventlet, gevent (comma-separated)"
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_DATABASE_URL") or servers.DEFAULT_POSTGRES,
        help="PostgreSQL server to create the benchmark databases on",
    )
    parser.add_argument(
        "--processes",
        default="1",
        help="server processes of each stack, e.g. 1,2; more than one: PostgreSQL, Redis, nginx",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("TEST_REDIS_URL") or servers.DEFAULT_REDIS,
        help="the message queue of several processes",
    )
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument(
        "--client-threads",
        type=int,
        default=2,
        help="Node worker threads the phones are dealt over (default 2)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/hall.json"))
    parser.add_argument("--no-chart", action="store_true")
    parser.add_argument("--timeout", type=float, default=240)
    parser.add_argument(
        "--profile",
        type=Path,
        help="profile the servers (cProfile) into this file and its siblings; slower",
    )
    parser.add_argument("--profile-phase", choices=PHASES, help="profile only this phase")
    parser.add_argument(
        "--encrypted",
        action="store_true",
        help="encrypted ballots (the moderator is the single trustee; phones encrypt first)",
    )
    args = parser.parse_args(argv)
    modes = tuple(m.strip() for m in args.async_mode.split(",") if m.strip())
    counts = tuple(int(c) for c in args.processes.split(",") if c.strip())
    if not counts or min(counts) < 1:
        parser.error("--processes must be at least 1")
    if max(counts) > 1 and args.database != "postgresql":
        parser.error("several processes share one PostgreSQL database: add --database postgresql")
    for mode in modes:
        if mode not in ("eventlet", "gevent"):
            parser.error(f"unknown async mode {mode!r}")
    return Options(
        delegates=args.delegates,
        observers=args.observers,
        sizes=tuple(int(s) for s in args.sizes.split(",") if s.strip()),
        async_modes=modes,
        database=args.database,
        postgres=args.postgres,
        processes=counts[0],
        process_counts=counts,
        redis=args.redis,
        rounds=args.rounds,
        concurrency=args.concurrency,
        client_threads=args.client_threads,
        out=args.out,
        chart=not args.no_chart,
        timeout=args.timeout,
        profile=args.profile,
        profile_phase=args.profile_phase,
        encrypted=args.encrypted,
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
