"""Layer 4 of the throughput benchmark: gunicorn against PostgreSQL, loaded by bench/load.py from a
process of its own.

A closed-loop ramp (1, 2, 4 … officers, each starting the next dossier when the last is returned)
finds the peak; an open-loop run at 70 % of that peak's dossier rate gives the latency a counter sees
on a busy morning. The workers' peak resident memory (VmHWM) is read from /proc at the end.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.service_layer import PASSWORD, fresh_postgres, prepared

ROOT = Path(__file__).resolve().parent.parent
UNLIMITED = "1000000 per minute"
ROLES = ("reception", "specialist", "leader")


def communes(database_url: str, count: int) -> list[str]:
    """The first `count` communes of Huế with demo accounts: one counter each in the load."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        units = connection.execute(text("SELECT id FROM units WHERE province_id = '46' AND kind = 'commune' "
                                        "ORDER BY id LIMIT :count"), {"count": count}).scalars().all()
    engine.dispose()
    return list(units)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Gunicorn:
    """gunicorn serving `api:create_app()` on a free local port, stopped on leaving the block. `options` go on
    its command line before the app (e.g. `-c deploy/gunicorn.conf.py`), `env` into its environment."""

    def __init__(self, database_url: str, *, workers: int, threads: int, options: tuple[str, ...] = (),
                 env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "ONESTOP_DATABASE_URL": database_url, "ONESTOP_SECRET_KEY": "bench-secret",
               "ONESTOP_SIGN_IN_RATE_LIMIT": UNLIMITED, "ONESTOP_PUBLIC_RATE_LIMIT": UNLIMITED, **(env or {})}
        self.log = Path(tempfile.mkstemp(prefix="onestop-bench-gunicorn-", suffix=".log")[1])
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                   "--threads", str(threads), "--no-control-socket", "--log-level", "warning", *options,
                   "api:create_app()"]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def __enter__(self) -> Gunicorn:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/healthz", timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer; see {self.log}")

    def __exit__(self, *_: Any) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def workers(self) -> list[int]:
        return [int(pid) for pid in
                Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()]

    def worker_peak_mb(self) -> list[float]:
        """Peak resident memory of each worker process so far (VmHWM), in MB."""
        peaks = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
            peaks.append(kb / 1024)
        return peaks

    def token(self, username: str) -> str:
        body = json.dumps({"username": username, "password": PASSWORD}).encode()
        request = urllib.request.Request(f"{self.url}/api/v1/auth/token", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return str(json.load(response)["access_token"])


def production_server(database_url: str, *, workers: int, threads: int, metrics_dir: str) -> Gunicorn:
    """gunicorn as production runs it (deploy/gunicorn.conf.py: gthread, two malloc arenas per worker), at
    `workers` × `threads`; workers are never recycled during a run (their CPU would be lost)."""
    return Gunicorn(database_url, workers=workers, threads=threads,
                    options=("-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--max-requests", "0"),
                    env={"PROMETHEUS_MULTIPROC_DIR": metrics_dir})


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
            and _command(p).startswith("postgres")]


def _command(process: Path) -> str:
    try:
        return (process / "comm").read_text().strip()
    except OSError:
        return ""


def load(server: Gunicorn, tokens: Path, *, users: int, seconds: float, rate: float | None = None) -> dict[str, Any]:
    """One load run; with where the CPU time went (server workers, PostgreSQL, the load generator) per
    completed dossier."""
    command = [sys.executable, str(ROOT / "bench" / "load.py"), "--url", server.url, "--tokens", str(tokens),
               "--users", str(users), "--seconds", str(seconds)]
    if rate is not None:
        command += ["--rate", f"{rate:.3f}"]
    workers, database = server.workers(), postgres_pids()
    before = cpu_seconds(workers), cpu_seconds(database), os.times().children_user + os.times().children_system
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    after = cpu_seconds(workers), cpu_seconds(database), os.times().children_user + os.times().children_system
    result: dict[str, Any] = json.loads(done.stdout)
    dossiers = max(1.0, result["dossiers_per_s"] * result["seconds"])
    result["cpu_ms_per_dossier"] = {part: (after[i] - before[i]) * 1000 / dossiers
                                    for i, part in enumerate(("server", "postgresql", "load generator"))}
    return result


def run(admin_url: str, *, workers: int, threads: int, seconds: float,
        ramp: tuple[int, ...] = (1, 2, 4, 8, 16)) -> dict[str, Any]:
    database_url = fresh_postgres(admin_url, "onestop_bench_http")
    prepared(database_url).engine.dispose()
    with tempfile.TemporaryDirectory() as folder, \
            production_server(database_url, workers=workers, threads=threads,
                              metrics_dir=f"{folder}/metrics") as server:
        tokens = Path(folder) / "tokens.json"
        tokens.write_text(json.dumps([{"unit": unit, **{role: server.token(f"{role}.{unit}") for role in ROLES}}
                                      for unit in communes(database_url, max(ramp))]))
        load(server, tokens, users=2, seconds=3)  # warm every worker: specs parsed, connections open
        closed = [load(server, tokens, users=users, seconds=seconds) for users in ramp]
        peak = max(closed, key=lambda r: r["completions_per_s"])
        at_70 = load(server, tokens, users=max(ramp) * 2, seconds=seconds, rate=0.7 * peak["dossiers_per_s"])
        memory = server.worker_peak_mb()
    return {"workers": workers, "threads": threads, "closed": closed, "peak": peak, "at_70": at_70,
            "worker_peak_mb": memory}


if __name__ == "__main__":
    print(json.dumps(run("postgresql://postgres@127.0.0.1:5432/postgres", workers=4, threads=2, seconds=10),
                     indent=1))
