"""Dossier throughput against the engine's own ceiling (issue 8): one command, one table.

    .venv/bin/python -m bench.throughput            # everything, about 15 minutes (1 million dossiers)
    .venv/bin/python -m bench.throughput --quick    # shorter runs and 1,000 → 100,000 dossiers

1. engine ceiling: SpiffWorkflow alone, in memory (bench/engine_layer.py), three processes;
2. persistence ceiling: the same with the state serialized and restored at every step;
3. the service layer on SQLite and on PostgreSQL, no HTTP (bench/service_layer.py);
4. HTTP: gunicorn against PostgreSQL, bench/load.py in a process of its own (bench/http_layer.py);
and the curves of cost per step as the database grows and as one dossier loops (bench/growth.py).
All measured in the same run; the figures are written to build/bench/results.json, from which
bench/plot.py draws docs/benchmarks/*.png. PostgreSQL is the server at ONESTOP_BENCH_POSTGRES_URL
(default: the local one, user postgres), on databases of its own (onestop_bench_*).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import engine_layer, growth, http_layer, service_layer

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
# Issue 8's, with issue 27's: statements counted on PostgreSQL (production), and the unloaded completion.
TARGETS = {"http_ratio": 0.5, "p95_complete_ms": 50.0, "p50_complete_unloaded_ms": 10.0, "worker_mb": 150.0,
           "statements": 5}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs, databases up to 100,000 dossiers")
    parser.add_argument("--seconds", type=float, help="length of each measurement (default 10, quick 4)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--sizes", help="database sizes of the growth curve, e.g. 1000,10000")
    parser.add_argument("--iterations", type=int, default=200, help="loops of the one-dossier curve")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench" / "results.json")
    args = parser.parse_args()
    seconds = args.seconds or (4.0 if args.quick else 10.0)
    default_sizes = "1000,10000,100000" if args.quick else "1000,10000,100000,1000000"
    sizes = [int(s) for s in (args.sizes or default_sizes).split(",")]
    admin_url = os.environ.get("ONESTOP_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)

    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine(), "seconds_per_measurement": seconds}
    step("1-2 engine and persistence ceilings")
    results["engine"] = engine_layer.run(seconds)
    step("3 service layer")
    results["services"] = service_layer.run(admin_url, seconds)
    step("4 HTTP")
    results["http"] = http_layer.run(admin_url, workers=args.workers, threads=args.threads, seconds=seconds)
    step("growth: one dossier looping")
    every = max(1, args.iterations // 10)
    results["loop"] = (growth.loop_growth(args.iterations, every=every)
                       + growth.service_loop_growth(args.iterations, every=every))
    step(f"growth: database of {', '.join(f'{s:,}' for s in sizes)} dossiers")
    results["database"] = growth.database_growth(admin_url, sizes)
    results["total_seconds"] = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(table(results))
    print(f"\nfigures: {args.out}; plots: .venv/bin/python -m bench.plot {args.out}")


def step(what: str) -> None:
    print(f"… {what}", file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d %H:%M %Z")}


def table(r: dict[str, Any]) -> str:
    """The whole run as one plain-text table, targets last."""
    ceiling = r["engine"]["birth_registration"]["persisted"]["completions_per_s"]
    rows = [("layer", "process", "dossiers/s", "completions/s", "× ceiling 2")]
    for label, key in (("1 engine, in memory", "memory"), ("2 engine, state persisted per step", "persisted")):
        for name, figures in r["engine"].items():
            f = figures[key]
            rows.append((label, name, f"{f['instances_per_s']:.0f}", f"{f['completions_per_s']:.0f}",
                         f"{f['completions_per_s'] / ceiling:.2f}" if name == "birth_registration" else ""))
    for database, f in r["services"].items():
        rows.append((f"3 services, {database}", "birth_registration", f"{f['dossiers_per_s']:.1f}",
                     f"{f['completions_per_s']:.0f}", f"{f['completions_per_s'] / ceiling:.2f}"))
    http = r["http"]
    peak = http["peak"]
    rows.append((f"4 HTTP, gunicorn {http['workers']}×{http['threads']}, PostgreSQL (peak, {peak['users']} officers)",
                 "birth_registration", f"{peak['dossiers_per_s']:.1f}", f"{peak['completions_per_s']:.0f}",
                 f"{peak['completions_per_s'] / ceiling:.2f}"))
    lines = _columns(rows)

    lines += ["", "latency, ms (p50 / p95 / p99)"]
    latency: list[tuple[str, ...]] = [("where", "receive", "complete", "return", "open dossier")]
    for database, f in r["services"].items():
        latency.append((f"3 services, {database}", *(_ms(f["ms"].get(c)) for c in ("receive", "complete", "return")),
                        ""))
    for label, run in ((f"4 HTTP at peak ({peak['users']} officers)", peak),
                       (f"4 HTTP at 70 % of peak ({http['at_70']['rate']:.1f} dossiers/s)", http["at_70"])):
        latency.append((label, *(_ms(run["calls"].get(c)) for c in ("receive", "complete", "return", "open"))))
    lines += _columns(latency)

    lines += ["", "HTTP load ramp (closed loop)"]
    ramp: list[tuple[str, ...]] = [("officers", "dossiers/s", "completions/s", "p95 complete ms", "errors")]
    for run in http["closed"]:
        errors = sum(sum(v.values()) for v in run["errors"].values())
        ramp.append((str(run["users"]), f"{run['dossiers_per_s']:.1f}", f"{run['completions_per_s']:.0f}",
                     f"{run['calls']['complete']['p95']:.1f}", str(errors)))
    lines += _columns(ramp)

    lines += ["", "SQL statements per command (BEGIN and COMMIT not counted; HTTP adds one: the token)"]
    statements: list[tuple[str, ...]] = [("database", "receive", "complete", "return")]
    for database, f in r["services"].items():
        fewest = f.get("statements_fewest", f["statements"])
        statements.append((database, *(f"{fewest[c]}–{f['statements'][c]}" if fewest[c] != f["statements"][c]
                                       else str(f["statements"][c]) for c in ("receive", "complete", "return"))))
    lines += _columns(statements)

    lines += ["", "cost per step as the database grows (services on PostgreSQL, ms p50 / p95)"]
    lines += _columns([("dossiers", "history events", "receive", "complete", "return", "mean per step")] +
                      [(f"{g['dossiers']:,}", f"{g['history_events']:,}", *(_ms2(g[f"{c}_ms"]) for c in
                        ("receive", "complete", "return")), f"{g['step_ms_mean']:.1f}") for g in r["database"]])
    lines += ["", "cost per step within one dossier looping (µs per completion)"]
    loop: list[tuple[str, ...]] = [("round", "1 in memory", "2 persisted", "3 services, SQLite", "tasks in tree",
                                    "depth")]
    for round_, modes in _loop_windows(r["loop"]).items():
        loop.append((str(round_), *(f"{modes[m]['us_per_completion']:.0f}" if m in modes else "stopped"
                                    for m in ("memory", "json", "service_sqlite")),
                     str(modes["json"]["tasks"]), str(modes["json"]["depth"])))
    lines += _columns(loop)

    lines += ["", "targets"]
    lines += _columns(targets(r))
    return "\n".join(lines)


def targets(r: dict[str, Any]) -> list[tuple[str, ...]]:
    ceiling = r["engine"]["birth_registration"]["persisted"]["completions_per_s"]
    http = r["http"]
    ratio = http["peak"]["completions_per_s"] / ceiling
    p95 = http["at_70"]["calls"]["complete"]["p95"]
    p50_alone = http["closed"][0]["calls"]["complete"]["p50"]  # one officer: nothing else running
    memory = max(http["worker_peak_mb"])
    statements = max(r["services"]["postgresql"]["statements"].values())
    steps = [g["step_ms_mean"] for g in r["database"]]
    loop = [w["us_per_completion"] for w in r["loop"] if w["mode"] == "json" and "us_per_completion" in w]
    if any("stopped" in w for w in r["loop"]):
        loop.append(float("inf"))

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    return [("target", "measured", ""),
            (f"HTTP completions ≥ {TARGETS['http_ratio']} × ceiling 2", f"{ratio:.2f} ×",
             verdict(ratio >= TARGETS["http_ratio"])),
            (f"p95 of a completion at 70 % of peak ≤ {TARGETS['p95_complete_ms']:.0f} ms", f"{p95:.1f} ms",
             verdict(p95 <= TARGETS["p95_complete_ms"])),
            (f"p50 of a completion, one officer ≤ {TARGETS['p50_complete_unloaded_ms']:.0f} ms", f"{p50_alone:.1f} ms",
             verdict(p50_alone <= TARGETS["p50_complete_unloaded_ms"])),
            (f"memory per worker ≤ {TARGETS['worker_mb']:.0f} MB", f"{memory:.0f} MB",
             verdict(memory <= TARGETS["worker_mb"])),
            (f"≤ {TARGETS['statements']} SQL statements per command (PostgreSQL)", f"{statements} at most",
             verdict(statements <= TARGETS["statements"])),
            (f"cost per step flat, {r['database'][0]['dossiers']:,} → {r['database'][-1]['dossiers']:,} dossiers",
             f"{steps[-1] / steps[0]:.2f} × (last / first)",
             verdict(steps[-1] / steps[0] < 1.5)),
            (f"cost per step flat over {max(w['iteration'] for w in r['loop'])} loops",
             f"{loop[-1] / loop[0]:.2f} × (last / first)",
             verdict(loop[-1] / loop[0] < 1.5))]


def _loop_windows(rows: list[dict[str, Any]]) -> dict[int, dict[str, dict[str, Any]]]:
    windows: dict[int, dict[str, dict[str, Any]]] = {}
    for row in rows:
        if "us_per_completion" in row:
            windows.setdefault(row["iteration"], {})[row["mode"]] = row
    return dict(sorted(windows.items()))


def _ms2(f: dict[str, float]) -> str:
    return f"{f['p50']:.1f} / {f['p95']:.1f}"


def _ms(f: dict[str, float] | None) -> str:
    return f"{f['p50']:.1f} / {f['p95']:.1f} / {f['p99']:.1f}" if f else ""


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


if __name__ == "__main__":
    main()
