"""One measurement of the minimal instance over HTTP (issue 27): what a completed instance of bench/minimal/'s
procedure costs in CPU, in the server and in PostgreSQL.

A fresh PostgreSQL database gets the product's schema, units, the shipped procedures, Huế's demo accounts and
bench/minimal/'s procedure 9.000002 (start → script task → reception step → return step → end). gunicorn
serves it with the production configuration (deploy/gunicorn.conf.py: gthread) at `--workers` × `--threads`,
and bench/load.py `--protocol minimal` drives it from a process of its own: POST /dossiers → GET
/dossiers/{code} → POST /dossiers/{code}/return per instance, each officer at a commune of their own. After a
warm-up, one officer alone for the unloaded latency, then `--officers` (2 per worker) in a closed loop for
`--seconds`, around which the CPU time of the server (gunicorn's master, its workers and their script
sandboxes) and of every postgres process is read from /proc.

It uses only what the product had before issue 27 (api.wiring.build and setup_demo, read_procedure,
publish_changed, the Settings fields, deploy/gunicorn.conf.py), so bench.compare runs it in a worktree of an
older commit with today's bench/ copied in.

    .venv/bin/python -m bench.minimal_http --workers 2 --seconds 20 --out build/bench/minimal.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.http_layer import Gunicorn, communes, postgres_pids, production_server
from bench.service_layer import fresh_postgres, prepared
from engine.adapters.definitions import read_procedure
from engine.services import procedures

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "bench" / "minimal"
ADMIN_URL = os.environ.get("ONESTOP_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
THREADS = 4  # deploy/gunicorn.conf.py's, as production runs it
WARM_UP_SECONDS = 3.0


def prepare(database_url: str) -> None:
    """The product's set-up with Huế's demo accounts, and the minimal procedure published beside the shipped."""
    wiring = prepared(database_url)
    try:
        minimal = read_procedure(MINIMAL / "processes" / "minimal", MINIMAL / "forms")
        procedures.publish_changed(wiring.uow(), definitions=[minimal], clock=wiring.clock)
    finally:
        wiring.engine.dispose()


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants (gunicorn's workers and their script sandboxes)."""
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                queue += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """User and system CPU seconds each process has used so far (processes gone meanwhile are left out)."""
    ticks, found = os.sysconf("SC_CLK_TCK"), {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return found


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two readings; a process started between them counts from zero."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def own_backends(database_url: str) -> list[int]:
    """The PostgreSQL backends connected to the measured database: a check on the all-postgres figure, which
    also counts whatever else the shared machine's server did meanwhile."""
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                  "AND pid <> pg_backend_pid()").fetchall()
    return [int(pid) for pid, in rows]


def drive(gunicorn: Gunicorn, tokens: Path, *, officers: int, seconds: float, database_url: str) -> dict[str, Any]:
    """One closed-loop run of bench/load.py; with the CPU ms per completed instance of each side."""
    command = [sys.executable, str(ROOT / "bench" / "load.py"), "--url", gunicorn.url, "--tokens", str(tokens),
               "--users", str(officers), "--seconds", str(seconds), "--protocol", "minimal"]
    root = gunicorn.process.pid
    before = cpu_by_pid(process_tree(root)), cpu_by_pid(postgres_pids()), _children_cpu()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    after = cpu_by_pid(process_tree(root)), cpu_by_pid(postgres_pids()), _children_cpu()
    own = set(own_backends(database_url))
    result: dict[str, Any] = json.loads(done.stdout)
    instances = result["dossiers_per_s"] * result["seconds"]
    result["instances"] = round(instances)
    result["instances_per_s"] = result["dossiers_per_s"]
    per = 1000 / instances if instances else float("nan")  # none completed: no cost per instance to tell
    server_ms, database_ms = spent(before[0], after[0]) * per, spent(before[1], after[1]) * per
    result["cpu_ms_per_instance"] = {"server": server_ms, "postgresql": database_ms, "sum": server_ms + database_ms,
                                     "load generator": (after[2] - before[2]) * per,
                                     "postgresql, this database's backends": per * spent(
                                         before[1], {pid: cpu for pid, cpu in after[1].items() if pid in own})}
    return result


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def revision() -> str:
    """The code measured: its commit, `+` when the working tree differs from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "engine", "api")
    return git("rev-parse", "--short", "HEAD") + ("+" if dirty else "")


def run(*, workers: int, threads: int, officers: int, seconds: float, unloaded_seconds: float,
        database: str, admin_url: str = ADMIN_URL) -> dict[str, Any]:
    database_url = fresh_postgres(admin_url, database)
    prepare(database_url)
    with tempfile.TemporaryDirectory(prefix="onestop-bench-minimal-") as folder, \
            production_server(database_url, workers=workers, threads=threads,
                              metrics_dir=f"{folder}/metrics") as gunicorn:
        tokens = Path(folder) / "tokens.json"
        tokens.write_text(json.dumps([{"unit": unit, "reception": gunicorn.token(f"reception.{unit}")}
                                      for unit in communes(database_url, officers)]))
        # Warm-up: specs parsed, connection pools and script sandboxes started.
        drive(gunicorn, tokens, officers=officers, seconds=WARM_UP_SECONDS, database_url=database_url)
        unloaded = drive(gunicorn, tokens, officers=1, seconds=unloaded_seconds, database_url=database_url)
        loaded = drive(gunicorn, tokens, officers=officers, seconds=seconds, database_url=database_url)
        memory = gunicorn.worker_peak_mb()
    return {"revision": revision(), "root": str(ROOT), "database": database, "workers": workers, "threads": threads,
            "officers": officers, "seconds": seconds, "loaded": loaded, "unloaded": unloaded,
            "worker_peak_mb": memory}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=THREADS, help=f"threads per worker ({THREADS})")
    parser.add_argument("--officers", type=int, help="officers of the closed loop (2 per worker)")
    parser.add_argument("--seconds", type=float, default=20, help="length of the loaded run (20)")
    parser.add_argument("--unloaded-seconds", type=float, help="length of the one-officer run (half of --seconds)")
    parser.add_argument("--database", default="onestop_bench_min", help="dropped and created afresh")
    parser.add_argument("--out", type=Path, help="also write the result here (JSON)")
    args = parser.parse_args()
    started = time.monotonic()
    result = run(workers=args.workers, threads=args.threads, officers=args.officers or 2 * args.workers,
                 seconds=args.seconds, unloaded_seconds=args.unloaded_seconds or max(3.0, args.seconds / 2),
                 database=args.database)
    result["wall_seconds"] = round(time.monotonic() - started, 1)
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
