"""The hall benchmark's results as Markdown tables, for the README.

    python -m bench.hall_table bench/results/hall.json [more.json …]
    python -m bench.hall_table --growth bench/results/hall_growth.json

One table per file: its runs side by side (rounds, sizes, async modes), each moment as
"ours / bare (ratio)", with the burst's p99, the full state's size and server time per client,
the peak memory and where it builds up, and the requests the clients made; with ``--growth`` a
row per run with each moment's ratio.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.hall import LABELS, PHASES
from bench.hall_chart import server


def column(run: dict) -> str:
    clients = run["delegates"] + run["observers"]
    return f"{clients:,} · {server(run)} · {run['database']} · #{run['round']}"


def cell(row: dict) -> str:
    ours, bare, ratio = row.get("ours"), row.get("bare"), row.get("ratio")
    if ours is None:
        return "—"
    text = f"{ours:.2f} / {bare:.2f} s" if bare is not None else f"{ours:.2f} s"
    return text + (f" (×{ratio:.2f})" if ratio else "")


def table(report: dict) -> str:
    runs = report["runs"]
    lines = [
        "| clients · server · database · round | " + " | ".join(column(r) for r in runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    for name in PHASES:
        cells = " | ".join(cell(r["table"][name]) for r in runs)
        lines.append(f"| {LABELS[name]} | {cells} |")
    extra = {
        "burst p50 / p99": lambda r: "{:.2f} / {:.2f} s".format(
            r["ours"]["phases"]["burst"]["p50"] or 0, r["ours"]["phases"]["burst"]["p99"] or 0
        ),
        "peak memory, ours / bare": lambda r: "{:.0f} / {:.0f} MiB (×{:.2f})".format(
            r["table"]["memory"]["ours"] or 0,
            r["table"]["memory"]["bare"] or 0,
            r["table"]["memory"]["ratio"] or 0,
        ),
        "memory after connect, burst, storm: ours / bare (MiB)": _memory_by_phase,
        "full state: bytes, server CPU per client": lambda r: "{} B, {:.2f} ms".format(
            r["ours"]["phases"]["connect"]["state_bytes_median"],
            1000
            * (r["ours"]["phases"]["connect"]["server_cpu_seconds"] or 0)
            / r["ours"]["clients"],
        ),
        "HTTP requests at the open / close / agenda / speakers / storm": lambda r: " / ".join(
            str(r["table"][n]["requests"]) for n in ("open", "close", "agenda", "speakers", "storm")
        ),
        "busiest client thread's share: connect, burst, close (bare)": lambda r: ", ".join(
            "{:.0%} ({:.0%})".format(
                r["table"][n]["client_cpu_share"] or 0, r["table"][n]["bare_client_cpu_share"] or 0
            )
            for n in ("connect", "burst", "close")
        ),
        "every ballot stored once, audit verifies": lambda r: "✓"
        if r["ours"]["checks"]["nothing_lost_or_doubled"]
        else "✗",
    }
    for label, value in extra.items():
        lines.append(f"| {label} | " + " | ".join(value(r) for r in runs) + " |")
    return "\n".join(lines)


def _memory_by_phase(run: dict) -> str:
    """Where the peak builds up: the servers' resident memory at the end of three moments."""

    def at(stack: str, name: str) -> str:
        value = run[stack]["phases"].get(name, {}).get("server_memory_mib")
        return "—" if value is None else f"{value:.0f}"

    return ", ".join(f"{at('ours', n)} / {at('bare', n)}" for n in ("connect", "burst", "storm"))


def growth(report: dict) -> str:
    """One row per run: each moment's time and ratio to bare, the burst's p99, the memory."""
    names = ("connect", "open", "burst", "close", "agenda", "speakers", "storm")
    lines = [
        "| clients | server | "
        + " | ".join(LABELS[n] for n in names)
        + " | burst p99 | peak memory |",
        "|---|---|" + "---|" * (len(names) + 2),
    ]
    for run in sorted(report["runs"], key=lambda r: (server(r), r["delegates"])):
        ratios = " | ".join(_short(run["table"][n]) for n in names)
        p99 = run["ours"]["phases"]["burst"]["p99"]
        memory = run["table"]["memory"]["ratio"]
        lines.append(
            f"| {run['delegates'] + run['observers']:,} | {server(run)} | {ratios} | "
            f"{p99:.2f} s | ×{memory:.2f} |"
        )
    return "\n".join(lines)


def _short(row: dict) -> str:
    """ "2.29 s ×1.29": ours, and the ratio to bare."""
    if row.get("ours") is None:
        return "—"
    return f"{row['ours']:.2f} s" + (f" ×{row['ratio']:.2f}" if row.get("ratio") else "")


def main(argv: list[str] | None = None) -> int:
    args = list(argv if argv is not None else sys.argv[1:])
    by_size = "--growth" in args
    for name in [a for a in args if a != "--growth"]:
        report = json.loads(Path(name).read_text())
        print((growth(report) if by_size else table(report)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
