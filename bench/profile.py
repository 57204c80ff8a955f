"""Where a request's time goes (issue 27): the hot commands through the real app in one process.

Flask's test client on a fresh PostgreSQL database (the product's schema, units, shipped procedures, Huế's demo
accounts and bench/minimal/'s procedure, as bench/minimal_http.py prepares it) drives `--instances` minimal
instances (POST /dossiers → GET /dossiers/{code} → POST /dossiers/{code}/return) and, with `--birth N`, N birth
registrations (receive → open → complete review → open → complete sign → return). Two passes after a warm-up:
the first times each request with time.process_time (this process's CPU: the script task's sandbox worker is
another process and is not in it), the second runs the same under pyinstrument, one profiler per request type.
Writes `<out>.txt` (per request type: the call tree, then the functions with the most time of their own) and
`<out>-<type>.html`; prints the CPU ms per request type.

Runs from a worktree of an older commit too (bench.compare's), like bench/minimal_http.py.

    .venv/bin/python -m bench.profile --instances 200 --out build/bench/profile-after
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer

from api import create_app
from bench.minimal_http import ADMIN_URL, prepare
from bench.service_layer import (
    BIRTH,
    CENTRE,
    COMPETENT,
    PASSWORD,
    STEP_DATA,
    STEP_USERS,
    birth_application,
    fresh_postgres,
)
from bench.stats_scale import _settings

API = "/api/v1"
MINIMAL_PROCEDURE = "9.000002"
UNLIMITED = "1000000 per minute"
WARM_UP = 5
FLAT_LINES = 30  # of the functions by their own time


class Session:
    """The app's test client with a token per officer, timing and optionally profiling each request by type."""

    def __init__(self, client: FlaskClient, *, interval: float):
        self.client, self.interval = client, interval
        self.tokens: dict[str, str] = {}
        self.cpu_ms: dict[str, list[float]] = defaultdict(list)
        self.profilers: dict[str, Profiler] = {}
        self.profiling = False

    def token(self, username: str) -> str:
        if username not in self.tokens:
            answer = self.client.post(f"{API}/auth/token", json={"username": username, "password": PASSWORD})
            self.tokens[username] = answer.get_json()["access_token"]
        return self.tokens[username]

    def call(self, kind: str, method: str, path: str, username: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token(username)}"}
        with self._measured(kind):
            answer = self.client.open(API + path, method=method, json=body, headers=headers)
        if not 200 <= answer.status_code < 300:
            raise RuntimeError(f"{kind}: {method} {path} answered {answer.status_code}: {answer.get_data(True)}")
        return answer.get_json()

    @contextmanager
    def _measured(self, kind: str) -> Iterator[None]:
        profiler = self.profilers.setdefault(kind, Profiler(interval=self.interval, async_mode="disabled")) \
            if self.profiling else None
        with profiler or nullcontext():
            started = time.process_time()
            yield
            if not self.profiling:
                self.cpu_ms[kind].append((time.process_time() - started) * 1000)

    def minimal(self) -> None:
        officer = f"reception.{COMPETENT}"
        body = {"procedure_code": MINIMAL_PROCEDURE, "reception": {},
                "application": {"applicant": {"full_name": "Nguyễn Văn An"}, "residence": {"unit_id": COMPETENT}}}
        code = self.call("minimal receive", "POST", "/dossiers", officer, body)["code"]
        self.call("minimal open", "GET", f"/dossiers/{code}", officer)
        self.call("minimal return", "POST", f"/dossiers/{code}/return", officer,
                  {"method": "counter", "data": {"collected_by": "Nguyễn Văn An"}})

    def birth(self) -> None:
        body = {"procedure_code": BIRTH, "application": birth_application(), "reception": {"documents_checked": True}}
        code = self.call("birth receive", "POST", "/dossiers", f"reception.{CENTRE}", body)["code"]
        for step, username in STEP_USERS.items():
            detail = self.call("birth open", "GET", f"/dossiers/{code}", username)
            task = next(t["id"] for t in detail["tasks"] if t["step"] == step and t["status"] == "ready")
            self.call("birth complete", "POST", f"/tasks/{task}/complete", username, {"data": STEP_DATA[step]})
        self.call("birth return", "POST", f"/dossiers/{code}/return", f"reception.{CENTRE}",
                  {"method": "counter", "data": {"collected_by": "Nguyễn Văn An"}})


def drive(session: Session, *, instances: int, births: int) -> None:
    for _ in range(instances):
        session.minimal()
    for _ in range(births):
        session.birth()


def report(session: Session, out: Path, *, threshold: float) -> str:
    """The text profile of every request type (also written to `<out>.txt`); an HTML page per type beside it."""
    sections = []
    for kind, profiler in session.profilers.items():
        session_ = profiler.last_session
        assert session_ is not None
        tree = ConsoleRenderer(show_all=False, processor_options={"filter_threshold": threshold}).render(session_)
        flat = ConsoleRenderer(flat=True, processor_options={"filter_threshold": threshold}).render(session_)
        flat_lines = flat.splitlines()
        body = next((i + 1 for i, line in enumerate(flat_lines) if line.startswith("Profile at")), 0)
        flat = "\n".join(line for line in flat_lines[body:] if line.strip())  # pyinstrument's banner is above
        flat = "\n".join(flat.splitlines()[:FLAT_LINES])
        sections.append(f"=== {kind}: {len(session.cpu_ms[kind])} requests timed, "
                        f"{session_.duration:.2f} s profiled (wall clock)\n{tree}\n--- own time, top\n{flat}\n")
        (out.parent / f"{out.name}-{kind.replace(' ', '-')}.html").write_text(profiler.output_html())
    text = "\n".join(sections)
    (out.parent / f"{out.name}.txt").write_text(text)
    return text


def cpu_table(session: Session) -> dict[str, dict[str, float]]:
    """CPU ms per request type: median, mean, p95, count."""
    table = {}
    for kind, samples in session.cpu_ms.items():
        ordered = sorted(samples)
        table[kind] = {"p50": round(statistics.median(ordered), 2), "mean": round(statistics.fmean(ordered), 2),
                       "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2), "n": len(ordered)}
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=200, help="minimal instances per pass (200)")
    parser.add_argument("--birth", type=int, default=0, help="birth registrations per pass (0)")
    parser.add_argument("--out", type=Path, default=Path("build/bench/profile"),
                        help="writes OUT.txt and OUT-<request type>.html (build/bench/profile)")
    parser.add_argument("--interval", type=float, default=0.0005, help="pyinstrument's sampling interval, s")
    parser.add_argument("--threshold", type=float, default=0.02,
                        help="frames under this share of the total are left out of the text (0.02)")
    parser.add_argument("--database", default="onestop_bench_profile", help="dropped and created afresh")
    args = parser.parse_args()
    database_url = fresh_postgres(ADMIN_URL, args.database)
    prepare(database_url)
    settings = replace(_settings(database_url), sign_in_rate_limit=UNLIMITED, public_rate_limit=UNLIMITED)
    app = create_app({"SETTINGS": settings})
    session = Session(app.test_client(), interval=args.interval)
    drive(session, instances=WARM_UP, births=min(args.birth, WARM_UP))  # specs parsed, sandbox and pool up
    session.cpu_ms.clear()
    drive(session, instances=args.instances, births=args.birth)
    session.profiling = True
    drive(session, instances=args.instances, births=args.birth)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    print(report(session, args.out, threshold=args.threshold))
    table = cpu_table(session)
    (args.out.parent / f"{args.out.name}-cpu.json").write_text(json.dumps(table, indent=1))
    print("CPU ms per request (time.process_time, this process; without the profiler)")
    for kind, figures in table.items():
        print(f"  {kind:16} p50 {figures['p50']:6.2f}  mean {figures['mean']:6.2f}  p95 {figures['p95']:6.2f}  "
              f"n {figures['n']}")


if __name__ == "__main__":
    main()
