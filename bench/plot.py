"""Plots of a benchmark run (build/bench/results.json, written by bench/throughput.py) for docs/BENCHMARKS.md.

    .venv/bin/python -m bench.plot [results.json] [--out docs/benchmarks] [--before older-results.json]

http_load.png: HTTP throughput and latency against load (officers in closed loop, and the open-loop run
at 70 % of the peak); growth.png: cost per step as the database grows and as one dossier loops.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parent.parent


def http_load(r: dict[str, Any], out: Path, before: dict[str, Any] | None = None) -> None:
    http = r["http"]
    runs = http["closed"]
    officers = [run["users"] for run in runs]
    ceiling = r["engine"]["birth_registration"]["persisted"]["completions_per_s"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(officers, [run["completions_per_s"] for run in runs], "o-", label="task completions/s (HTTP)")
    if before is not None:
        old = before["http"]["closed"]
        left.plot([run["users"] for run in old], [run["completions_per_s"] for run in old], "o--", color="tab:blue",
                  alpha=0.4, label="the same before issue 8")
    left.axhline(0.5 * ceiling, color="tab:red", linestyle="--", label=f"target: 0.5 × ceiling 2 ({0.5 * ceiling:.0f})")
    for database, f in r["services"].items():
        left.axhline(f["completions_per_s"], color="gray", linestyle=":", linewidth=1)
        left.annotate(f"services alone, {database}, one thread", (officers[-1], f["completions_per_s"]),
                      textcoords="offset points", xytext=(0, 3), fontsize=8, color="gray", ha="right")
    left.set(xscale="log", xlabel="officers (closed loop)", ylabel="per second",
             title=f"Throughput, gunicorn {http['workers']}×{http['threads']} + PostgreSQL, 2 cores")
    left.set_xticks(officers, [str(o) for o in officers])
    left.set_ylim(bottom=0)
    left.legend(fontsize=8, loc="center right")
    for call, style in (("complete", "o-"), ("receive", "s-"), ("return", "^-"), ("open", "x-")):
        right.plot(officers, [run["calls"][call]["p95"] for run in runs], style, label=f"{call} p95")
    right.plot(officers, [run["calls"]["complete"]["p50"] for run in runs], "o--", color="tab:blue",
               alpha=0.5, label="complete p50")
    at_70 = http["at_70"]
    right.scatter([officers[-1]], [at_70["calls"]["complete"]["p95"]], marker="*", s=160, color="tab:green", zorder=5,
                  label=f"complete p95 at 70 % of peak ({at_70['rate']:.1f} dossiers/s, open loop)")
    right.axhline(50, color="tab:red", linestyle="--", label="target: 50 ms")
    right.set(xscale="log", xlabel="officers (closed loop)", ylabel="ms", title="Latency per call")
    right.set_xticks(officers, [str(o) for o in officers])
    right.set_ylim(bottom=0)
    right.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out / "http_load.png", dpi=110)
    plt.close(figure)


def growth(r: dict[str, Any], out: Path, before: dict[str, Any] | None = None) -> None:
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    sizes = [g["dossiers"] for g in r["database"]]
    for call in ("receive", "complete", "return"):
        left.plot(sizes, [g[f"{call}_ms"]["p50"] for g in r["database"]], "o-", label=f"{call} p50")
    left.plot(sizes, [g["step_ms_mean"] for g in r["database"]], "k--", label="mean per step")
    left.set(xscale="log", xlabel="dossiers in the database", ylabel="ms per call",
             title="Services on PostgreSQL as the database grows")
    left.set_ylim(bottom=0)
    left.legend(fontsize=8)
    modes = {"memory": "1 engine, in memory", "json": "2 state persisted per step",
             "service_sqlite": "3 services, SQLite"}
    for (mode, label), color in zip(modes.items(), ("tab:blue", "tab:orange", "tab:green"), strict=True):
        for results, style, suffix in ((r, "o-", ""), (before, "o--", " (before issue 8)")):
            if results is None:
                continue
            rows = [w for w in results["loop"] if w["mode"] == mode and "us_per_completion" in w]
            right.plot([w["iteration"] for w in rows], [w["us_per_completion"] / 1000 for w in rows], style,
                       color=color, alpha=0.4 if suffix else 1.0, label=label + suffix)
    right.set(yscale="log", xlabel="round through the loop", ylabel="ms per task completion",
              title="One dossier looping through the same steps")
    right.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:g}"))
    right.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(out / "growth.png", dpi=110)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="?", type=Path, default=ROOT / "build" / "bench" / "results.json")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks")
    parser.add_argument("--before", type=Path, help="a results file of older code, drawn dashed beside")
    args = parser.parse_args()
    results = json.loads(args.results.read_text())
    before = json.loads(args.before.read_text()) if args.before else None
    args.out.mkdir(parents=True, exist_ok=True)
    http_load(results, args.out, before)
    growth(results, args.out, before)
    print(f"written: {args.out / 'http_load.png'}, {args.out / 'growth.png'}")


if __name__ == "__main__":
    main()
