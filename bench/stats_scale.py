"""Scale benchmark for the statistics and the inbox (issue 6): 1 million dossiers and 10 million
history events in PostgreSQL, then timings of the calls a supervisor and an officer make.

    .venv/bin/python bench/stats_scale.py                   # generate (about 10 min) and time
    .venv/bin/python bench/stats_scale.py --reuse           # time again on the generated database
    .venv/bin/python bench/stats_scale.py --dossiers 100000 # a smaller run

The database (`onestop_bench` on the server of `--admin-url`, default the local one) is built by
the product's own migrations and demo set-up; the bulk rows are written with COPY, shaped as the
services write them: one year of Huế's 41 centres, a fifth of the dossiers handled by another commune,
3 steps each, a few supplementations, late and open cases, a third of returned dossiers rated. Each
dossier's history is hash-chained as the repository chains it (`flask verify` passes). `append` adds
dossiers to a database that has some already; bench/growth.py grows its database with it.
The timed calls go through the services (engine/services/stats.py and tasks.py), not raw SQL.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.settings import Settings  # noqa: E402
from api.wiring import build  # noqa: E402
from engine.domain.history_chain import GENESIS, digest  # noqa: E402
from engine.domain.inbox import InboxQuery  # noqa: E402
from engine.domain.task import TaskStatus  # noqa: E402
from engine.domain.unit import HUE_PROVINCE_CODE  # noqa: E402
from engine.services import accounts, stats, tasks  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DB = "onestop_bench"
EPOCH = datetime(2026, 11, 20, 17, 0, tzinfo=VN)  # the generated year ends here; timings are judged "now"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="time the database generated before")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()
    url = args.admin_url.rsplit("/", 1)[0] + f"/{DB}"
    if not args.reuse:
        generate(args.admin_url, url, args.dossiers)
    results = measure(url, args.runs)
    print(json.dumps(results, indent=2, ensure_ascii=False))


# --- generation -------------------------------------------------------------------------------------

def generate(admin_url: str, url: str, count: int) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    wiring = build(_settings(url))
    wiring.setup_demo(HUE_PROVINCE_CODE)
    wiring.engine.dispose()
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        sizes = append(conn, _World(conn), range(1, count + 1), span=count)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"generated {sizes} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def append(conn: psycopg.Connection[Any], world: _World, ids: range, *, span: int,
           batch: int = 50_000) -> dict[str, int]:
    """Write the bulk dossiers `ids` (and their history, spans, tasks and ratings) with COPY and commit.

    Args:
        conn: A connection to the benchmark database, which holds the demo set-up and maybe dossiers.
        world: The generator of the rows; its random state goes on from one call to the next.
        ids: Dossier ids to write, all above every id in the table.
        span: The number of dossiers the generated year holds: dossier `i` is received on the i-th
            share of it (ids above `span` fall on its last day).
        batch: Dossiers per COPY round.

    Returns:
        The number of rows written to each table.
    """
    started = time.perf_counter()
    copies = {table: io.StringIO() for table in COLUMNS}
    sizes = dict.fromkeys(copies, 0)
    for batch_start in range(ids.start, ids.stop, batch):
        batch_stop = min(batch_start + batch, ids.stop)
        spans: list[tuple[datetime, str]] = []
        for table, line in world.rows(range(batch_start, batch_stop), span):
            if isinstance(line, tuple):
                spans.append(line)
            else:
                copies[table].write(line)
            sizes[table] += 1
        # Spans are written when their state begins, so the table holds them roughly in time order.
        copies["stat_spans"].writelines(line for _, line in sorted(spans, key=lambda s: s[0]))
        _flush(conn, copies)
        print(f"  {batch_stop - ids.start:>9,} dossiers written ({time.perf_counter() - started:.0f} s)",
              file=sys.stderr)
    # The services number the dossiers they create from the sequence: after the bulk ids.
    conn.execute("SELECT setval(pg_get_serial_sequence('dossiers', 'id'), (SELECT max(id) FROM dossiers))")
    conn.commit()
    return sizes


def _flush(conn: psycopg.Connection[Any], copies: dict[str, io.StringIO]) -> None:
    for table, buffer in copies.items():
        columns = COLUMNS[table]
        with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()


COLUMNS = {
    "dossiers": ["id", "code", "secret", "procedure_code", "procedure_version_id", "status", "channel",
                 "receiving_unit_id", "competent_unit_id", "return_unit_id", "applicant_name", "application",
                 "received_at", "received_by", "due_at", "result_ready_at", "returned_at", "workflow_state",
                 "routes", "fee_vnd", "deadline_at", "finished_at", "notices", "return_method", "version",
                 "history_count", "history_head", "submitted_at", "components"],
    "history_events": ["dossier_id", "kind", "at", "actor_id", "unit_id", "data", "seq", "prev_hash", "hash"],
    "stat_spans": ["dossier_id", "since", "until", "status", "deadline_at", "paused_at", "supplement_rounds",
                   "finished_at", "outcome", "electronic_result", "rating", "receiving_unit_id", "competent_unit_id",
                   "procedure_code", "channel", "received_at", "received_day", "digitisation"],
    "tasks": ["id", "dossier_id", "dossier_code", "step", "name", "lane", "role", "unit_id", "form_id",
              "status", "created_at", "due_at", "completed_at", "completed_by"],
    "ratings": ["dossier_id", "level", "criteria", "comment", "rated_at"],
}
N = r"\N"
HOUR = timedelta(hours=1)


_Event = tuple[str, datetime, int | None, str | None, dict[str, Any]]
"""A history event before it is chained: kind, at, actor id, unit id, data."""


class _World:
    """Huế's centres, procedures and officers, and one dossier's rows at a time."""

    def __init__(self, conn: psycopg.Connection[Any]):
        self.rng = random.Random(6)
        self.centres = [r[0] for r in conn.execute(
            "SELECT id FROM units WHERE province_id = %s AND kind = 'commune' ORDER BY id",
            (f"{HUE_PROVINCE_CODE:02d}",))]
        self.weights = [self.rng.uniform(0.3, 3.0) for _ in self.centres]
        self.procedures = dict(conn.execute(
            "SELECT code, max(id) FROM procedure_versions GROUP BY code ORDER BY code").fetchall())
        self.users = dict(conn.execute("SELECT username, id FROM users").fetchall())
        self.days = [d for d in (EPOCH.date() - timedelta(days=i) for i in range(364, -1, -1)) if d.weekday() < 5]

    def rows(self, ids: range, count: int) -> Iterator[tuple[str, Any]]:
        """Dossier `i` of `count` is received on the i-th share of the year: ids follow the calendar."""
        rng = self.rng
        codes = list(self.procedures)
        for dossier_id in ids:
            centre = rng.choices(self.centres, self.weights)[0]
            competent = rng.choice(self.centres) if rng.random() < 0.2 else centre
            procedure = rng.choice(codes)
            day = self.days[min((dossier_id - 1) * len(self.days) // count, len(self.days) - 1)]
            received = datetime.combine(day, datetime.min.time(), VN) + timedelta(hours=7.5 + rng.random() * 9.5)
            due = received + timedelta(days=rng.choice((0, 0, 0, 3, 10)))
            due = due.replace(hour=17, minute=0, second=0, microsecond=0)
            age_days = (EPOCH - received).days
            open_ = (age_days < 3 and rng.random() < 0.7) or rng.random() < 0.01
            late = rng.random() < 0.08
            supplemented = rng.random() < 0.05
            finished = None if open_ else (due + HOUR * rng.uniform(1, 30) if late
                                           else received + (due - received) * rng.uniform(0.05, 0.95))
            returned = finished + HOUR * rng.uniform(0.5, 30) if finished and rng.random() < 0.9 else None
            status = "processing" if open_ else "returned" if returned else "result_ready"
            outcome = None if finished is None else "late" if late else (
                "before_time" if finished.astimezone(VN).date() < due.astimezone(VN).date() else "on_time")
            code = f"{centre}-{received:%y%m%d}-{dossier_id % 10000:04d}-{dossier_id}"
            reception, specialist = self.users[f"reception.{centre}"], self.users[f"specialist.{competent}"]
            channel = "online" if rng.random() < 0.6 else "in_person"
            origin = (centre, competent, procedure, channel, received, received.astimezone(VN).date(),
                      "all" if channel == "online" else rng.choice(("all", "some", "none")))
            level = (rng.choices(("very_satisfied", "satisfied", "dissatisfied"), (6, 3, 1))[0]
                     if returned and rng.random() < 0.33 else None)
            events = self._events(received, finished, returned, supplemented, centre, competent, reception,
                                  specialist)
            if returned and level:
                events.append(("rated", returned + HOUR, None, None, {"level": level}))
            chained, head = _chained(dossier_id, events)
            yield "dossiers", _line(
                dossier_id, code, "ABCD", procedure, self.procedures[procedure], status, channel, centre, competent,
                centre, "Nguyễn Văn A", "{}", received, reception, due, finished, returned, "{}", "{}", 0, due,
                finished, "[]", "counter" if returned else None, 1, len(events), head, received, "[]")
            for event in chained:
                yield "history_events", event
            for since, span in self._spans(dossier_id, received, finished, returned, due, outcome, level, origin):
                yield "stat_spans", (since, span)
            for task in self._tasks(dossier_id, code, received, finished, returned, due, centre, competent):
                yield "tasks", task
            if returned and level:
                yield "ratings", _line(dossier_id, level, "{}", None, returned + HOUR)

    def _events(self, received: datetime, finished: datetime | None, returned: datetime | None,
                supplemented: bool, centre: str, competent: str, reception: int, specialist: int) -> list[_Event]:
        def event(kind: str, at: datetime, actor: int | None, unit: str, **data: Any) -> _Event:
            return kind, at, actor, unit, data

        steps = [event("received", received, reception, centre, procedure="x", competent_unit=competent),
                 event("status_changed", received, reception, centre, status="processing"),
                 event("task_completed", received, reception, centre, step="receive"),
                 event("handed_over", received + HOUR, reception, competent)]
        if supplemented:
            steps.append(event("notice_issued", received + HOUR, specialist, competent, notice="supplement_request"))
            steps.append(event("supplemented", received + 2 * HOUR, reception, centre))
        if finished:
            steps += [event("task_completed", finished - HOUR, specialist, competent, step="review"),
                      event("task_completed", finished, specialist, competent, step="sign"),
                      event("status_changed", finished, specialist, competent, status="result_ready"),
                      event("near_due", finished - 2 * HOUR, None, competent)]
        if returned:
            steps += [event("task_completed", returned, reception, centre, step="hand_over"),
                      event("status_changed", returned, reception, centre, status="returned")]
        return steps

    def _spans(self, dossier_id: int, received: datetime, finished: datetime | None, returned: datetime | None,
               due: datetime, outcome: str | None, level: str | None,
               origin: tuple[Any, ...]) -> Iterator[tuple[datetime, str]]:
        def span(since: datetime, until: datetime | None, status: str, done: datetime | None,
                 end: str | None, rating: str | None = None) -> tuple[datetime, str]:
            return since, _line(dossier_id, since, until, status, due, None, 0, done, end, False, rating, *origin)

        yield span(received, finished, "processing", None, None)
        if finished:
            yield span(finished, returned, "result_ready", finished, outcome)
        if returned:
            rated = returned + HOUR if level else None
            yield span(returned, rated, "returned", finished, outcome)
            if rated:
                yield span(rated, None, "returned", finished, outcome, level)

    def _tasks(self, dossier_id: int, code: str, received: datetime, finished: datetime | None,
               returned: datetime | None, due: datetime, centre: str, competent: str) -> Iterator[str]:
        steps = (("review", "specialist", competent, finished), ("sign", "leader", competent, finished),
                 ("hand_over", "reception", centre, returned))
        for number, (step, role, unit, done) in enumerate(steps):
            if done is None and number and steps[number - 1][3] is None:
                return  # the step before is still open: this one does not exist yet
            yield _line(f"{dossier_id:012d}-{number}", dossier_id, code, step, step, step, role, unit, None,
                        "completed" if done else "ready", received, due, done, None)


def _chained(dossier_id: int, events: list[_Event]) -> tuple[list[str], bytes]:
    """The COPY lines of a dossier's events, numbered and hash-chained as engine/adapters/history_chain.py
    chains them, and the chain's head (the last hash, GENESIS for none)."""
    lines, prev_hash = [], GENESIS
    for seq, (kind, at, actor, unit, data) in enumerate(events, start=1):
        hash_ = digest(dossier_id=dossier_id, seq=seq, kind=kind, at=at, actor_id=actor, unit_id=unit, data=data,
                       prev_hash=prev_hash)
        lines.append(_line(dossier_id, kind, at, actor, unit, json.dumps(data), seq, prev_hash, hash_))
        prev_hash = hash_
    return lines, prev_hash


def _line(*values: Any) -> str:
    return "\t".join(_field(v) for v in values) + "\n"


def _field(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return N
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()  # bytea in hex; COPY reads the doubled backslash as one
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


# --- timings ----------------------------------------------------------------------------------------

def measure(url: str, runs: int) -> dict[str, Any]:
    wiring = build(_settings(url), clock=lambda: EPOCH.astimezone(UTC) + timedelta(days=1))
    def actor(name: str) -> Any:
        return accounts.authenticate(wiring.uow(), username=name, password="demo-2025")
    supervisor, specialist = actor("supervisor.46"), actor("specialist.19777")
    month_start, month_end = datetime(2026, 10, 1, tzinfo=VN), datetime(2026, 11, 1, tzinfo=VN)
    counts = {}
    with psycopg.connect(url) as conn:
        for table in COLUMNS:
            counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]

    def report(unit: str | None) -> Callable[[], Any]:
        return lambda: stats.centres(wiring.uow(), actor=supervisor, catalogue=wiring.catalogue,
                                     clock=wiring.clock, start=month_start, end=month_end, unit_id=unit)

    def inbox(status: TaskStatus) -> Callable[[], Any]:
        return lambda: tasks.inbox(wiring.uow(), actor=specialist, query=InboxQuery(status), clock=wiring.clock,
                                   calendar=wiring.calendar, limit=50, offset=0)

    sample = report(None)()
    calls = {"province figures, one month (41 centres)": report(None),
             "one commune's figures, one month": report("19777"),
             "officer inbox: waiting steps, first page": inbox(TaskStatus.READY),
             "officer inbox: completed steps, first page": inbox(TaskStatus.COMPLETED)}
    timings = {name: _time(call, runs) for name, call in calls.items()}
    return {"rows": counts, "month": {"received": sample.totals.received, "resolved": sample.totals.resolved},
            "timings_ms": timings}


def _time(call: Callable[[], Any], runs: int) -> dict[str, float]:
    call()  # warm the caches the server would have warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"p50": round(statistics.median(samples), 1), "p95": round(samples[int(len(samples) * 0.95) - 1], 1),
            "max": round(samples[-1], 1)}


def _settings(url: str) -> Settings:
    return Settings(database_url=url.replace("postgresql://", "postgresql+psycopg://"), secret_key="bench",
                    token_max_age=3600, processes_dir=ROOT / "processes", forms_dir=ROOT / "forms",
                    calendar_file=ROOT / "processes" / "calendar.json", demo_password="demo-2025")


if __name__ == "__main__":
    main()
