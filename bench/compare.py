"""Before and after: the headline figures of benchmark runs side by side (docs/BENCHMARKS.md).

    .venv/bin/python -m bench.compare --before before-1.json before-2.json --after after-1.json after-2.json

Each side may hold several runs of the same code; a cell shows their values separated by " · ", so the
spread between runs on this noisy machine stays visible next to the change.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", nargs="+", required=True, type=Path, help="results files of the code before")
    parser.add_argument("--after", nargs="+", required=True, type=Path, help="results files of the code after")
    args = parser.parse_args()
    print(table([json.loads(p.read_text()) for p in args.before], [json.loads(p.read_text()) for p in args.after]))


if __name__ == "__main__":
    main()
