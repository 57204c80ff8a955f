"""Growth benchmark (the throughput issue): is the cost of a step flat as the database grows from a thousand
to a million dossiers, and flat within one dossier that loops through the same steps hundreds of times?

    .venv/bin/python bench/growth.py                                  # 1k → 1M dossiers (~10-15 min of writing)
    .venv/bin/python bench/growth.py --sizes 1000,10000 --iterations 200
    .venv/bin/python bench/growth.py --only loop --iterations 1000 --every 50

Two curves, printed as JSON (`{"database": [...], "loop": [...]}`):

- `database_growth`: a PostgreSQL database `onestop_growth`, dropped and built by the product's migrations and
  demo set-up, is brought to each size in turn by appending bulk dossiers with COPY (bench/stats_scale.py's
  generator: history hash-chained, ids after every existing one), then real birth registrations are driven
  through the services (receive, two task completions, return), each call timed.
- `loop_growth`: bench/loop.bpmn, the minimal comparison shape with a gateway looping back to the first user
  task, driven through engine.workflow's façade in memory and with the state round-tripped through JSON text at
  every step (what a stateless server pays), with the task tree's size and depth every few rounds.
- `service_loop_growth`: the same loop as a procedure (bench/loop/: receive, then review and sign repeated,
  then return) driven through the services on a new SQLite database, what one dossier's steps cost as its
  workflow state, task rows and history grow.

This module is imported by bench/throughput.py; its functions are its interface.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from api.settings import Settings  # noqa: E402
from api.wiring import Wiring, build  # noqa: E402
from bench.service_layer import CENTRE, COMPETENT, PASSWORD, STEP_USERS, Driver, command_deps, percentiles  # noqa: E402
from bench.stats_scale import ADMIN_URL, VN, _settings, _World, append  # noqa: E402
from engine.domain.actor import Actor  # noqa: E402
from engine.domain.dossier import ReturnMethod  # noqa: E402
from engine.domain.status import DossierStatus  # noqa: E402
from engine.domain.task import TaskStatus  # noqa: E402
from engine.domain.unit import HUE_PROVINCE_CODE  # noqa: E402
from engine.services import accounts, dossiers, integrity, lifecycle, tasks  # noqa: E402
from engine.services.dossiers import Reception  # noqa: E402
from engine.workflow import WorkflowInstance, WorkflowSpec, parse_spec  # noqa: E402

GROWTH_DB = "onestop_growth"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=VN)
"""The services' clock: a Monday morning just after the year the bulk dossiers fill."""
CALLS_PER_DOSSIER = 4  # receive, review, sign, return
LOOP_PROCEDURE = "9.000001"  # bench/loop/processes/loop_rework

# --- the database curve -----------------------------------------------------------------------------

def database_growth(admin_url: str, sizes: list[int], *, steps: int = 200) -> list[dict[str, Any]]:
    """Cost of a step through the services as the database grows, on a fresh database `onestop_growth`.

    The database is dropped and built by the product's migrations and demo set-up. For each size, in
    increasing order, bulk dossiers are appended with COPY until the table holds that many (the dossiers
    the services created at the sizes before count too), VACUUM ANALYZE and a CHECKPOINT run, and `ceil(steps / 4)`
    birth registrations go through their whole life through the services (one more first, untimed, to
    warm the caches), each call timed.

    Args:
        admin_url: A PostgreSQL URL whose user may drop and create databases, e.g.
            `postgresql://postgres@127.0.0.1:5432/postgres` (a `postgresql+psycopg://` URL works too).
        sizes: Dossier counts to measure at; sorted, duplicates dropped.
        steps: Service calls timed per size, four per dossier.

    Returns:
        One dict per size: `dossiers` and `history_events` in the database when the timing began,
        `generate_s` (seconds to append the bulk rows and VACUUM ANALYZE), `timed_dossiers`, `receive_ms`,
        `complete_ms` and `return_ms` (each `{"p50", "p95"}` in milliseconds per call) and `step_ms_mean`
        (the mean over all timed calls).
    """
    admin_url = admin_url.replace("postgresql+psycopg://", "postgresql://")
    url = admin_url.rsplit("/", 1)[0] + f"/{GROWTH_DB}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{GROWTH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{GROWTH_DB}"')
    wiring = build(_settings(url), clock=lambda: NOW.astimezone(UTC))
    try:
        wiring.setup_demo(HUE_PROVINCE_CODE)
        driver = Driver(wiring)
        ordered = sorted(set(sizes))
        world: _World | None = None
        results = []
        for size in ordered:
            started = time.perf_counter()
            with psycopg.connect(url) as conn:
                world = world or _World(conn)
                present, last = _one(conn, "SELECT count(*), coalesce(max(id), 0) FROM dossiers")
                if size > present:
                    append(conn, world, range(last + 1, last + 1 + size - present), span=ordered[-1])
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
                # Write out what the bulk load dirtied now: a checkpoint flushing gigabytes during the timing
                # would measure the load's aftermath (commits waiting on the disk), not the database's size.
                conn.execute("CHECKPOINT")
                counts = _one(conn, "SELECT (SELECT count(*) FROM dossiers), (SELECT count(*) FROM history_events)")
            generate_s = time.perf_counter() - started
            print(f"{counts[0]:,} dossiers in {generate_s:.0f} s; timing {math.ceil(steps / CALLS_PER_DOSSIER)} "
                  "dossiers through the services", file=sys.stderr)
            results.append({"dossiers": counts[0], "history_events": counts[1], "generate_s": round(generate_s, 1),
                            **_measure(driver, math.ceil(steps / CALLS_PER_DOSSIER))})
        return results
    finally:
        wiring.engine.dispose()


def verify_chains(admin_url: str) -> dict[str, Any]:
    """Check every history hash chain in `onestop_growth` as `flask verify` does.

    Args:
        admin_url: The URL given to `database_growth`.

    Returns:
        `dossiers` and `events` checked, `problems` found and `intact`.
    """
    url = admin_url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + f"/{GROWTH_DB}"
    wiring = build(_settings(url))
    try:
        report = integrity.verify(wiring.uow())
    finally:
        wiring.engine.dispose()
    return {"dossiers": report.dossiers, "events": report.events, "problems": report.problems,
            "intact": report.intact}


def _measure(driver: Driver, count: int) -> dict[str, Any]:
    """Time `count` dossiers' commands after one untimed dossier (it warms the caches)."""
    driver.dossier()
    driver.timings.clear()
    for _ in range(count):
        assert driver.dossier().status == DossierStatus.RETURNED
    every = [seconds * 1000 for samples in driver.timings.values() for seconds in samples]
    return {"timed_dossiers": count,
            **{f"{name}_ms": percentiles(samples) for name, samples in driver.timings.items()},
            "step_ms_mean": round(statistics.fmean(every), 2)}


def _one(conn: psycopg.Connection[Any], query: str) -> tuple[int, int]:
    row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


# --- the loop curve ---------------------------------------------------------------------------------

def loop_growth(iterations: int = 200, *, every: int = 10) -> list[dict[str, Any]]:
    """Cost of a task completion as one workflow loops `iterations` times through bench/loop.bpmn.

    Driven through engine.workflow's façade twice: `memory` keeps the instance between steps; `json`
    serializes the snapshot to JSON text after every completion and restores it before the next, as a
    stateless server does (the time includes restore, the completion, snapshot and both JSON steps).

    Args:
        iterations: Rounds through the loop (two user-task completions each).
        every: Rounds per measured window.

    Returns:
        Per mode, one dict per window: `mode`, `iteration` (the round the window ends at),
        `us_per_completion` (mean µs per completion in the window), `snapshot_bytes` (the state as JSON text),
        `tasks` (in the workflow's task tree) and `depth` (of its deepest task, the root at 0). A run that goes
        wrong ends with a dict holding `stopped` (what happened) instead of the timing.
    """
    spec = parse_spec((ROOT / "bench" / "loop.bpmn").read_text("utf-8"), "loop", source="loop.bpmn")
    return [*_loop(spec, iterations, every, persist=False), *_loop(spec, iterations, every, persist=True)]


def _loop(spec: WorkflowSpec, iterations: int, every: int, *, persist: bool) -> list[dict[str, Any]]:
    mode = "json" if persist else "memory"
    rows: list[dict[str, Any]] = []
    instance = WorkflowInstance.start(spec, {"iterations": iterations})
    text = json.dumps(instance.snapshot())
    elapsed, completions = 0.0, 0

    def shape(round_: int) -> dict[str, Any]:
        state = text if persist else json.dumps(instance.snapshot())
        tasks_, depth = _tree(json.loads(state)["workflow"])
        return {"mode": mode, "iteration": round_, "snapshot_bytes": len(state.encode()), "tasks": tasks_,
                "depth": depth}

    for round_ in range(1, iterations + 1):
        for step in ("first", "second"):
            started = time.perf_counter()
            try:
                if persist:
                    instance = WorkflowInstance.restore(spec, json.loads(text))
                ready = [t for t in instance.ready_human_tasks() if t.step == step]
                if not ready:
                    state = "completed" if instance.is_completed else "waiting for nothing"
                    return [*rows, {**shape(round_ - 1), "stopped": (
                        f"no ready '{step}' task in round {round_} of {iterations}: the façade reports the workflow "
                        f"{state}, counter={instance.data.get('counter')!r}")}]
                instance.complete(ready[0].id, {})
                if persist:
                    text = json.dumps(instance.snapshot())
            except RecursionError as error:
                return [*rows, {"mode": mode, "iteration": round_, "stopped": f"RecursionError: {error}"}]
            elapsed += time.perf_counter() - started
            completions += 1
        if round_ < iterations and instance.is_completed:
            return [*rows, {**shape(round_), "stopped": (
                f"the façade reports the workflow completed after round {round_} of {iterations}, "
                f"counter={instance.data.get('counter')!r}")}]
        if round_ % every == 0 or round_ == iterations:
            rows.append({**shape(round_), "us_per_completion": round(elapsed / completions * 1e6, 1)})
            elapsed, completions = 0.0, 0
    if not instance.is_completed or instance.data.get("counter") != iterations:
        rows.append({**shape(iterations), "stopped": (
            f"after {iterations} rounds: completed={instance.is_completed}, counter={instance.data.get('counter')!r}")})
    return rows


def service_loop_growth(iterations: int = 200, *, every: int = 10) -> list[dict[str, Any]]:
    """Cost of a step through the services as one dossier loops `iterations` times, on SQLite.

    A new SQLite database in a temporary folder gets the demo set-up with bench/loop/'s procedure only
    (9.000001: receive, then review and sign until the leader has signed `rounds` times, then return). One
    dossier is received at 19768 for 19777 and its review and sign steps completed by specialist.19777 and
    leader.19777, each `tasks.complete` call timed (finding the ready step is not); then it is returned.

    Args:
        iterations: Rounds through the loop (two completions each).
        every: Rounds per measured window.

    Returns:
        One dict per window: `mode` (`service_sqlite`), `iteration`, `us_per_completion`, `state_bytes` (the
        dossier's workflow state as JSON text), `tasks` and `depth` of its task tree, `task_rows` and
        `history_events` of the dossier. A run that goes wrong ends with a dict holding `stopped`.
    """
    with tempfile.TemporaryDirectory(prefix="onestop-growth-") as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/loop.db", secret_key="bench", token_max_age=3600,
                            processes_dir=ROOT / "bench" / "loop" / "processes",
                            forms_dir=ROOT / "bench" / "loop" / "forms",
                            calendar_file=ROOT / "processes" / "calendar.json", demo_password=PASSWORD)
        wiring = build(settings, clock=lambda: NOW.astimezone(UTC))
        try:
            wiring.setup_demo(HUE_PROVINCE_CODE)
            return _service_loop(wiring, iterations, every)
        finally:
            wiring.engine.dispose()


def _service_loop(wiring: Wiring, iterations: int, every: int) -> list[dict[str, Any]]:
    def actor(name: str) -> Actor:
        return accounts.authenticate(wiring.uow(), username=name, password=PASSWORD)

    centre, specialist, leader = actor(f"reception.{CENTRE}"), actor(STEP_USERS["review"]), actor(STEP_USERS["sign"])
    application = {"applicant": {"full_name": "Nguyễn Văn An"}, "residence": {"unit_id": COMPETENT},
                   "rounds": iterations}
    dossier, _ = dossiers.receive(wiring.uow(), actor=centre, reception=Reception(
        procedure_code=LOOP_PROCEDURE, application=application), **command_deps(wiring))
    dossier_id = dossier.id
    assert dossier_id is not None
    rows: list[dict[str, Any]] = []
    elapsed, completions = 0.0, 0

    def shape(round_: int) -> dict[str, Any]:
        with wiring.uow() as uow:
            task_rows, events = len(uow.tasks.of_dossier(dossier_id)), len(uow.history.of_dossier(dossier_id))
        state = json.dumps(dossier.workflow_state)
        tasks_, depth = _tree(dossier.workflow_state["workflow"])
        return {"mode": "service_sqlite", "iteration": round_, "state_bytes": len(state.encode()), "tasks": tasks_,
                "depth": depth, "task_rows": task_rows, "history_events": events}

    for round_ in range(1, iterations + 1):
        for step, officer in (("review", specialist), ("sign", leader)):
            with wiring.uow() as uow:
                ready = [t.id for t in uow.tasks.of_dossier(dossier_id)
                         if t.step == step and t.status == TaskStatus.READY]
            if not ready:
                return [*rows, {**shape(round_ - 1), "stopped": (
                    f"no ready '{step}' step in round {round_} of {iterations}: the dossier is "
                    f"{dossier.status.value} with no step in any inbox")}]
            started = time.perf_counter()
            try:
                dossier = tasks.complete(wiring.uow(), actor=officer, task_id=ready[0], data={}, **command_deps(wiring))
            except RecursionError as error:
                return [*rows, {"mode": "service_sqlite", "iteration": round_, "stopped": f"RecursionError: {error}"}]
            elapsed += time.perf_counter() - started
            completions += 1
        if round_ % every == 0 or round_ == iterations:
            rows.append({**shape(round_), "us_per_completion": round(elapsed / completions * 1e6, 1)})
            elapsed, completions = 0.0, 0
    dossier = lifecycle.return_result(wiring.uow(), actor=centre, code=dossier.code, method=ReturnMethod.COUNTER,
                                      data={}, **command_deps(wiring))
    if dossier.status != DossierStatus.RETURNED:
        rows.append({**shape(iterations), "stopped": f"after {iterations} rounds the dossier is {dossier.status}"})
    return rows


def _tree(workflow: dict[str, Any]) -> tuple[int, int]:
    """The number of tasks in a serialized workflow's tree and the depth of its deepest task, walked without
    recursion from the stored parent/children links."""
    nodes = workflow["tasks"]
    deepest, level, frontier = 0, 0, [workflow["root"]]
    while frontier:
        deepest = level
        frontier = [child for task_id in frontier for child in nodes[task_id]["children"]]
        level += 1
    return len(nodes), deepest


# --- command line -----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000,1000000", help="dossier counts, comma-separated")
    parser.add_argument("--steps", type=int, default=200, help="service calls timed per size")
    parser.add_argument("--iterations", type=int, default=200, help="rounds through the loop")
    parser.add_argument("--every", type=int, default=10, help="rounds per loop window")
    parser.add_argument("--only", choices=("database", "loop"), help="measure one curve only")
    parser.add_argument("--no-service-loop", action="store_true", help="skip the loop through the services")
    parser.add_argument("--verify", action="store_true", help="check the history chains after the database curve")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if args.only != "loop":
        sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
        results["database"] = database_growth(args.admin_url, sizes, steps=args.steps)
        if args.verify:
            results["verify"] = verify_chains(args.admin_url)
    if args.only != "database":
        results["loop"] = loop_growth(args.iterations, every=args.every)
        if not args.no_service_loop:
            results["loop"] += service_loop_growth(args.iterations, every=args.every)
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
