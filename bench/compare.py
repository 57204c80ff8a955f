"""Before and after: the headline figures of benchmark runs side by side (docs/BENCHMARKS.md).

    .venv/bin/python -m bench.compare --before before-1.json before-2.json --after after-1.json after-2.json

Each side may hold several runs of the same code; a cell shows their values separated by " · ", so the
spread between runs on this noisy machine stays visible next to the change.

    .venv/bin/python -m bench.compare --against 8e58b78 --workers 2,4 --rounds 2 --seconds 20

measures the minimal instance (bench/minimal_http.py, issue 27) of that commit and of this working tree in one
run: the commit is checked out in a worktree (build/bench/before-<commit>) with this bench/ copied over it,
and for each worker count the runs alternate before, after, before, after, so both sides see the same machine.
Every run's JSON is kept in build/bench/compare/, the table's figures in its summary.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COMPARE_DIR = ROOT / "build" / "bench" / "compare"
TARGET_RATIO = 0.5  # issue 27: CPU per completed minimal instance at most half of the commit's

Figure = Callable[[dict[str, Any]], float]


def _service(database: str, key: str) -> Figure:
    return lambda r: float(r["services"][database][key])


def _service_ms(database: str, command: str) -> Figure:
    return lambda r: float(r["services"][database]["ms"][command]["p50"])


def _loop_last_over_first(r: dict[str, Any]) -> float:
    rows = [w["us_per_completion"] for w in r["loop"] if w["mode"] == "json" and "us_per_completion" in w]
    return rows[-1] / rows[0]


FIGURES: list[tuple[str, str, Figure]] = [
    ("1 engine in memory, birth registration", "completions/s",
     lambda r: r["engine"]["birth_registration"]["memory"]["completions_per_s"]),
    ("2 persisted per step, birth registration", "completions/s",
     lambda r: r["engine"]["birth_registration"]["persisted"]["completions_per_s"]),
    ("2 persisted per step, birth group", "completions/s",
     lambda r: r["engine"]["birth_group"]["persisted"]["completions_per_s"]),
    ("3 services, SQLite", "completions/s", _service("sqlite", "completions_per_s")),
    ("3 services, PostgreSQL", "completions/s", _service("postgresql", "completions_per_s")),
    ("3 services, PostgreSQL: receive p50", "ms", _service_ms("postgresql", "receive")),
    ("3 services, PostgreSQL: complete p50", "ms", _service_ms("postgresql", "complete")),
    ("3 services, PostgreSQL: return p50", "ms", _service_ms("postgresql", "return")),
    ("4 HTTP peak", "completions/s", lambda r: r["http"]["peak"]["completions_per_s"]),
    ("4 HTTP, one officer: complete p50", "ms", lambda r: r["http"]["closed"][0]["calls"]["complete"]["p50"]),
    ("4 HTTP at 70 % of peak: complete p95", "ms", lambda r: r["http"]["at_70"]["calls"]["complete"]["p95"]),
    ("4 HTTP at peak: server CPU per dossier", "ms", lambda r: r["http"]["peak"]["cpu_ms_per_dossier"]["server"]),
    ("4 HTTP at peak: PostgreSQL CPU per dossier", "ms",
     lambda r: r["http"]["peak"]["cpu_ms_per_dossier"]["postgresql"]),
    ("peak memory per worker", "MB", lambda r: max(r["http"]["worker_peak_mb"])),
    ("statements: receive (PostgreSQL)", "", lambda r: r["services"]["postgresql"]["statements"]["receive"]),
    ("statements: complete, most (PostgreSQL)", "", lambda r: r["services"]["postgresql"]["statements"]["complete"]),
    ("statements: return (PostgreSQL)", "", lambda r: r["services"]["postgresql"]["statements"]["return"]),
    ("loop: µs per completion, last window ÷ first", "×", _loop_last_over_first),
]


def table(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> str:
    lines = ["| figure | unit | before | after |", "| --- | --- | --- | --- |"]
    for name, unit, figure in FIGURES:
        cells = [" · ".join(_format(figure(r)) for r in runs) for runs in (before, after)]
        lines.append(f"| {name} | {unit} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def _format(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


# --- the minimal instance against a commit (issue 27) ---------------------------------------------------

def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def worktree(commit: str) -> Path:
    """A worktree of `commit` under build/bench/ (made once, reused), with this bench/ copied over its own."""
    full = _git("rev-parse", "--verify", f"{commit}^{{commit}}")
    folder = ROOT / "build" / "bench" / f"before-{full[:7]}"
    if not (folder / ".git").exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        _git("worktree", "add", "--detach", str(folder), full)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True,
                          check=True).stdout.strip()
    if head != full:
        raise SystemExit(f"{folder} is at {head[:7]}, not {full[:7]}: remove it (git worktree remove) and run again")
    shutil.copytree(ROOT / "bench", folder / "bench", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def measure(side: str, cwd: Path, *, workers: int, round_: int, seconds: float) -> dict[str, Any]:
    """One bench.minimal_http run of one side, in a process of its own whose working directory is its code."""
    out = COMPARE_DIR / f"{side}-w{workers}-r{round_}.json"
    print(f"# {side}, {workers} workers, round {round_} ({cwd})", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "bench.minimal_http", "--workers", str(workers), "--seconds", str(seconds),
                    "--database", f"onestop_bench_min_{side}", "--out", str(out)],
                   cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def against(commit: str, *, workers: list[int], rounds: int, seconds: float) -> dict[str, Any]:
    """Every run of both sides, alternating, by worker count; and the ratio after/before of CPU per instance."""
    folders = {"before": worktree(commit), "after": ROOT}
    COMPARE_DIR.mkdir(parents=True, exist_ok=True)
    by_workers: dict[str, Any] = {}
    for count in workers:
        runs: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
        for round_ in range(1, rounds + 1):
            for side, folder in folders.items():
                runs[side].append(measure(side, folder, workers=count, round_=round_, seconds=seconds))
        sums = {side: statistics.median(r["loaded"]["cpu_ms_per_instance"]["sum"] for r in runs[side])
                for side in runs}
        by_workers[str(count)] = {**runs, "median_sum_ms": sums, "ratio": sums["after"] / sums["before"]}
    return {"against": commit, "before_revision": by_workers[str(workers[0])]["before"][0]["revision"],
            "after_revision": by_workers[str(workers[0])]["after"][0]["revision"], "seconds": seconds,
            "rounds": rounds, "workers": by_workers}


def _at(*keys: str) -> Figure:
    """The figure at `keys` of a run; NaN where the run has none (a call that never succeeded)."""
    def figure(run: dict[str, Any]) -> float:
        value: Any = run
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return float("nan")
            value = value[key]
        return float(value)
    return figure


MINIMAL_FIGURES: list[tuple[str, str, Figure]] = [
    ("CPU per instance: server", "ms", _at("loaded", "cpu_ms_per_instance", "server")),
    ("CPU per instance: PostgreSQL", "ms", _at("loaded", "cpu_ms_per_instance", "postgresql")),
    ("CPU per instance: sum", "ms", _at("loaded", "cpu_ms_per_instance", "sum")),
    ("of PostgreSQL: this database's backends", "ms",
     _at("loaded", "cpu_ms_per_instance", "postgresql, this database's backends")),
    ("instances/s (closed loop)", "/s", _at("loaded", "instances_per_s")),
    ("unloaded p50: receive", "ms", _at("unloaded", "calls", "receive", "p50")),
    ("unloaded p50: open (GET)", "ms", _at("unloaded", "calls", "open", "p50")),
    ("unloaded p50: return", "ms", _at("unloaded", "calls", "return", "p50")),
    ("peak memory per worker", "MB", lambda r: max(r["worker_peak_mb"])),
]


def minimal_table(summary: dict[str, Any]) -> str:
    lines = [f"Minimal instance, {summary['before_revision']} (before) against {summary['after_revision']} "
             f"(after); {summary['rounds']} round(s) of {summary['seconds']:g} s each side",
             "", "| workers | figure | unit | before | after |", "| --- | --- | --- | --- | --- |"]
    for count, result in summary["workers"].items():
        officers = result["before"][0]["officers"]
        for row, (name, unit, figure) in enumerate(MINIMAL_FIGURES):
            cells = [" · ".join(_format(figure(r)) for r in result[side]) for side in ("before", "after")]
            group = f"{count} × {result['before'][0]['threads']}, {officers} officers" if row == 0 else ""
            lines.append(f"| {group} | {name} | {unit} | {cells[0]} | {cells[1]} |")
        for run in ("unloaded", "loaded"):
            failed = [[r[run]["errors"] for r in result[side]] for side in ("before", "after")]
            if any(any(side) for side in failed):  # answers other than 2xx, by call and status
                cells = [" · ".join(json.dumps(errors) for errors in side) for side in failed]
                lines.append(f"| | failed calls, {run} | | {cells[0]} | {cells[1]} |")
    lines += ["", "| workers | CPU sum after ÷ before (medians) | target ≤ 0.5 |", "| --- | --- | --- |"]
    for count, result in summary["workers"].items():
        ratio = result["ratio"]
        verdict = "met" if ratio <= TARGET_RATIO else f"missed: {ratio / TARGET_RATIO:.2f} × the target"
        if ratio != ratio:  # NaN
            verdict = "no ratio: a side completed no instance (see the failed calls)"
        lines.append(f"| {count} | {ratio:.2f} | {verdict} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", nargs="+", type=Path, help="results files of the code before")
    parser.add_argument("--after", nargs="+", type=Path, help="results files of the code after")
    parser.add_argument("--against", metavar="COMMIT", help="measure the minimal instance of COMMIT and of this tree")
    parser.add_argument("--workers", default="2,4", help="gunicorn worker counts, comma-separated (2,4)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each side per worker count (2)")
    parser.add_argument("--seconds", type=float, default=20, help="loaded run of each measurement (20)")
    args = parser.parse_args()
    if args.against:
        summary = against(args.against, workers=[int(w) for w in args.workers.split(",")], rounds=args.rounds,
                          seconds=args.seconds)
        (COMPARE_DIR / "summary.json").write_text(json.dumps(summary, indent=1))
        print(minimal_table(summary))
    elif args.before and args.after:
        print(table([json.loads(p.read_text()) for p in args.before],
                    [json.loads(p.read_text()) for p in args.after]))
    else:
        parser.error("give --against COMMIT, or --before and --after results files")


if __name__ == "__main__":
    main()
