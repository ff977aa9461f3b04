"""The benchmark's chart: acknowledgement latencies and the burst times, ours beside bare."""

from __future__ import annotations

from pathlib import Path


def draw(report: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = report["runs"]
    figure, (latency, times) = plt.subplots(1, 2, figsize=(13, 5.2))
    for number, run in enumerate(runs):
        label = f"{run['async_mode']} + {run['database']}"
        for side, style in (("ours", "-"), ("bare", ":")):
            values = sorted(run[side]["latencies"])
            if not values:
                continue
            shares = [(i + 1) / len(values) for i in range(len(values))]
            latency.plot(values, shares, style, color=f"C{number % 10}", label=f"{label} ({side})")
    latency.axvline(report["targets"]["p99_seconds"], color="grey", lw=0.8)
    latency.axhline(0.99, color="grey", lw=0.8)
    latency.set_xlabel("acknowledgement latency (s)")
    latency.set_ylabel("share of ballots acknowledged")
    latency.set_title("Ballot acknowledgements")
    latency.legend(fontsize=8)

    names = [f"{r['async_mode']}\n{r['database']}" for r in runs]
    positions = range(len(runs))
    width = 0.27
    ours = [r["ours"]["burst_seconds"] or 0 for r in runs]
    bare = [r["bare"]["burst_seconds"] or 0 for r in runs]
    result = [r["ours"]["result_seconds"] or 0 for r in runs]
    times.bar([p - width for p in positions], ours, width, label="all ballots acknowledged")
    times.bar(list(positions), bare, width, label="bare stack, same calls")
    times.bar([p + width for p in positions], result, width, label="result on every client")
    for p, r in zip(positions, runs, strict=True):
        if r["ratio"]:
            times.annotate(f"×{r['ratio']:.2f}", (p - width, ours[p]), ha="center", va="bottom")
    times.set_xticks(list(positions), names)
    times.set_ylabel("seconds")
    first = runs[0] if runs else {"delegates": 0, "observers": 0}
    times.set_title(f"{first['delegates']} delegates, {first['observers']} observers")
    times.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
