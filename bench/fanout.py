"""Is the hall's client what limits a broadcast? The bare stack's broadcast, timed with the
clients in one Node thread and split over several.

    python -m bench.fanout --clients 2001 --workers 1,2,3 --rounds 5

The hall benchmark (``bench.hall``) deals its phones over a few Node worker threads
(``--client-threads``, two by default); each is busy much of the time a broadcast reaches
2,001 clients. This starts the bare stack (``bench/bare_app.py``,
handlers that only acknowledge) and hands the same clients to ``bench/fanout.mjs`` with each
number of worker threads in turn: each thread has its own event loop and can use a core of its
own. It prints how long one broadcast takes until every client has it, how busy each thread
was meanwhile and the server's CPU time. If more threads do not shorten the broadcast, the
client was not the bottleneck.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import server as servers
from bench.hall import node
from bench.vote_burst import rounded_floats

ROOT = Path(__file__).resolve().parents[1]
#: What the speakers list's event carries, about as large as the hall benchmark's.
PAYLOAD = {
    "conference_id": 1,
    "agenda_item_id": 4,
    "open": True,
    "speakers": [
        {"id": n, "name": f"Delegierte Person {n}", "organisation": "Verein", "state": "waiting"}
        for n in range(1, 6)
    ],
}


def measure(clients: int, workers: int, rounds: int, async_mode: str, workdir: Path) -> dict:
    """One bare server, ``clients`` clients over ``workers`` threads, ``rounds`` broadcasts."""
    stack = servers.start_stack(
        1,
        "",
        workdir / f"bare-{workers}",
        lambda port: servers.server_env(workdir, port=port, async_mode=async_mode),
        servers.start_bare,
    )
    config = {
        "url": stack.url,
        "serverPid": stack.processes[0].process.pid,
        "clients": clients,
        "workers": workers,
        "rounds": rounds,
        "event": "speakers",
        "payload": PAYLOAD,
    }
    config_path, out_path = workdir / f"{workers}.config.json", workdir / f"{workers}.json"
    config_path.write_text(json.dumps(config))
    try:
        done = subprocess.run(
            [node(), str(ROOT / "bench" / "fanout.mjs"), str(config_path), str(out_path)],
            cwd=ROOT,
            timeout=300,
            capture_output=True,
            text=True,
        )
    finally:
        stack.stop()
    if done.returncode != 0:
        raise RuntimeError(f"bench/fanout.mjs failed: {done.stderr[-2000:]}")
    result = json.loads(out_path.read_text())
    seconds = [r["seconds"] for r in result["rounds"]]
    result["median_seconds"] = statistics.median(seconds)
    result["fastest_seconds"] = min(seconds)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__)
    parser.add_argument("--clients", type=int, default=2001)
    parser.add_argument("--workers", default="1,2", help="client threads, e.g. 1,2")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--async-mode", default="eventlet", choices=("eventlet", "gevent"))
    parser.add_argument("--out", type=Path, default=Path("bench/results/fanout.json"))
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.workers.split(",") if c.strip()]
    with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
        results = [
            measure(args.clients, count, args.rounds, args.async_mode, Path(tmp))
            for count in counts
        ]
    print(f"bare stack ({args.async_mode}), one broadcast to {args.clients} clients:")
    print(f"  {'threads':>7} {'median s':>9} {'fastest s':>9}  client threads busy  server CPU s")
    for result in results:
        busy = " / ".join(
            f"{statistics.median(r['client_busy_each'][i] for r in result['rounds']):.0%}"
            for i in range(result["workers"])
        )
        cpu = [r["server_cpu_seconds"] for r in result["rounds"]]
        print(
            f"  {result['workers']:>7} {result['median_seconds']:>9.3f} "
            f"{result['fastest_seconds']:>9.3f}  {busy:>19}  {statistics.median(cpu):.3f}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"command": "python -m bench.fanout " + " ".join(sys.argv[1:]), "runs": results}
    args.out.write_text(json.dumps(rounded_floats(report), indent=1))
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
