"""The hall benchmark's charts: each moment ours beside bare, and each ratio against the size."""

from __future__ import annotations

from pathlib import Path

#: The moments charted, with their short labels.
MOMENTS = {
    "connect": "connect +\nstate",
    "open": "open →\nballot",
    "burst": "burst",
    "close": "close →\nresult",
    "agenda": "agenda",
    "speakers": "speakers",
    "storm": "reconnect\nstorm",
}


def server(run: dict) -> str:
    """ "eventlet", or "eventlet × 2" for two processes behind nginx."""
    processes = run.get("processes", 1)
    return run["async_mode"] + (f" × {processes}" if processes > 1 else "")


def draw(report: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = report["runs"]
    figure, (times, growth, p99) = plt.subplots(
        1, 3, figsize=(19, 5.6), gridspec_kw={"width_ratios": [5, 5, 3]}
    )
    _times(times, runs)
    _growth(growth, runs)
    _p99(p99, runs)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _times(axes, runs: list[dict]) -> None:
    """The largest hall's moments (first round of the first async mode), ours beside bare."""
    largest = max(runs, key=lambda r: (r["delegates"], -r["round"]))
    names = list(MOMENTS)
    positions = range(len(names))
    width = 0.4
    ours = [largest["table"][n]["ours"] or 0 for n in names]
    bare = [largest["table"][n]["bare"] or 0 for n in names]
    axes.bar([p - width / 2 for p in positions], ours, width, label="participation")
    axes.bar([p + width / 2 for p in positions], bare, width, label="bare Flask-SocketIO")
    for p, name in zip(positions, names, strict=True):
        ratio = largest["table"][name]["ratio"]
        if ratio:
            axes.annotate(f"×{ratio:.2f}", (p - width / 2, ours[p]), ha="center", va="bottom")
    axes.set_xticks(list(positions), [MOMENTS[n] for n in names], fontsize=8)
    axes.set_yscale("log")
    axes.set_ylabel("seconds until every client (log)")
    axes.set_title(
        f"{largest['delegates']} delegates + {largest['observers']} observers, "
        f"{server(largest)}, {largest['database']}"
    )
    axes.legend(fontsize=8)


def _growth(axes, runs: list[dict]) -> None:
    """Each moment's ratio to bare against the number of clients (mean over rounds)."""
    for number, name in enumerate(MOMENTS):
        points: dict[tuple[str, int], list[float]] = {}
        for run in runs:
            ratio = run["table"][name]["ratio"]
            if ratio:
                key = (server(run), run["delegates"] + run["observers"])
                points.setdefault(key, []).append(ratio)
        for mode in sorted({mode for mode, _ in points}):
            sizes = sorted(size for m, size in points if m == mode)
            means = [sum(points[mode, s]) / len(points[mode, s]) for s in sizes]
            style = "-o" if mode == "eventlet" else "--s"
            label = MOMENTS[name].replace("\n", " ") + ("" if mode == "eventlet" else f" ({mode})")
            axes.plot(sizes, means, style, color=f"C{number}", label=label)
    axes.axhline(1.5, color="grey", lw=0.8, ls=":")
    axes.axhline(1.2, color="grey", lw=0.8, ls=":")
    _clients_axis(axes, runs)
    axes.set_ylabel("ours ÷ bare")
    axes.set_title("How the ratios grow with the hall")
    axes.legend(fontsize=7, ncol=2)


def _p99(axes, runs: list[dict]) -> None:
    """The burst's acknowledgement p99 against the number of clients: where one process ends."""
    for number, mode in enumerate(sorted({server(r) for r in runs})):
        chosen = sorted((r for r in runs if server(r) == mode), key=lambda r: r["delegates"])
        sizes = [r["delegates"] + r["observers"] for r in chosen]
        values = [r["ours"]["phases"]["burst"]["p99"] or 0 for r in chosen]
        style = "-o" if mode == "eventlet" else "--s"
        axes.plot(sizes, values, style, color=f"C{number}", label=mode)
    axes.axhline(1.0, color="grey", lw=0.8, ls=":")
    _clients_axis(axes, runs)
    axes.set_ylabel("acknowledgement p99 (s)")
    axes.set_title("The burst's p99 (target ≤ 1 s)")
    axes.legend(fontsize=8)


def _clients_axis(axes, runs: list[dict]) -> None:
    sizes = sorted({r["delegates"] + r["observers"] for r in runs})
    axes.set_xscale("log")
    axes.set_xticks(sizes, [f"{size:,}" for size in sizes])
    axes.minorticks_off()
    axes.set_xlabel("clients (delegates + observers)")
