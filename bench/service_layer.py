"""Layer 3 of the throughput benchmark: the service layer on SQLite and on PostgreSQL, no HTTP.

Birth-registration dossiers go receive → review → sign → return through engine/services, as the API
would call them, one after another on one connection. Each command is timed and its SQL statements
counted (every statement the driver executes; an executemany counts once; BEGIN and COMMIT are not
counted). Finding the next task (the officer's inbox) is done between commands and not timed.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event

from api.wiring import Wiring, build
from bench.stats_scale import _settings
from engine.domain.actor import Actor
from engine.domain.dossier import Dossier, ReturnMethod
from engine.domain.task import TaskStatus
from engine.domain.unit import HUE_PROVINCE_CODE
from engine.services import accounts, dossiers, lifecycle, tasks
from engine.services.dossiers import Reception

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo-2025"
BIRTH = "1.001193"
CENTRE, COMPETENT = "19768", "19777"  # Phú Xuân receives for a family living in Vỹ Dạ
STEP_USERS = {"review": f"specialist.{COMPETENT}", "sign": f"leader.{COMPETENT}"}
STEP_DATA: dict[str, dict[str, Any]] = {"review": {"register_book": "01/2025", "register_number": 57},
                                        "sign": {"decision": "approved"}}
RETURN_DATA = {"collected_by": "Nguyễn Văn An"}
COMPLETIONS_PER_DOSSIER = 4  # receive, review, sign, hand over: the user tasks of the process


def command_deps(wiring: Wiring) -> dict[str, Any]:
    """The catalogue, the calendar and the clock, for the commands that use all three."""
    return {"catalogue": wiring.catalogue, "calendar": wiring.calendar, "clock": wiring.clock}


def birth_application() -> dict[str, Any]:
    scenario = json.loads((ROOT / "processes/birth_registration/scenarios/straight.json").read_text("utf-8"))
    application: dict[str, Any] = scenario["application"]
    application["residence"]["unit_id"] = COMPETENT
    return application


def fresh_postgres(admin_url: str, name: str) -> str:
    """Drop and create database `name`; its SQLAlchemy URL."""
    with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    return (base if "+psycopg" in base else base.replace("postgresql://", "postgresql+psycopg://")) + f"/{name}"


def fresh_sqlite() -> str:
    folder = tempfile.mkdtemp(prefix="onestop-bench-")
    return f"sqlite:///{os.path.join(folder, 'bench.db')}"


def prepared(url: str) -> Wiring:
    """The product's schema, units, procedures and Huế's demo accounts on `url`."""
    wiring = build(_settings(url))
    wiring.setup_demo(HUE_PROVINCE_CODE)
    return wiring


class StatementCounter:
    """Counts the SQL statements an engine executes."""

    def __init__(self, wiring: Wiring):
        self.count = 0
        event.listen(wiring.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1

    @contextmanager
    def counting(self, into: list[int]) -> Iterator[None]:
        before = self.count
        yield
        into.append(self.count - before)


class Driver:
    """Drives birth-registration dossiers through the services and records each command."""

    def __init__(self, wiring: Wiring):
        self.wiring = wiring
        self.statements = StatementCounter(wiring)
        self.actors: dict[str, Actor] = {}
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.counts: dict[str, list[int]] = defaultdict(list)
        self.application = birth_application()

    def actor(self, username: str) -> Actor:
        if username not in self.actors:
            self.actors[username] = accounts.authenticate(self.wiring.uow(), username=username, password=PASSWORD)
        return self.actors[username]

    def _timed(self, command: str, call: Callable[[], Any]) -> Any:
        with self.statements.counting(self.counts[command]):
            started = time.perf_counter()
            result = call()
            self.timings[command].append(time.perf_counter() - started)
        return result

    def dossier(self) -> Dossier:
        """One dossier from the counter to the citizen."""
        deps, uow = command_deps(self.wiring), self.wiring.uow
        reception = Reception(procedure_code=BIRTH, application=self.application,
                              reception={"documents_checked": True})
        dossier, _ = self._timed("receive", lambda: dossiers.receive(
            uow(), actor=self.actor(f"reception.{CENTRE}"), reception=reception, **deps))
        for step in ("review", "sign"):
            actor, task_id = self.actor(STEP_USERS[step]), self.ready_task(dossier, step)
            self._timed("complete", partial(tasks.complete, uow(), actor=actor, task_id=task_id,
                                            data=STEP_DATA[step], **deps))
        return self._timed("return", lambda: lifecycle.return_result(
            uow(), actor=self.actor(f"reception.{CENTRE}"), code=dossier.code, method=ReturnMethod.COUNTER,
            data=RETURN_DATA, **deps))

    def ready_task(self, dossier: Dossier, step: str) -> str:
        assert dossier.id is not None
        with self.wiring.uow() as uow:
            found = [t.id for t in uow.tasks.of_dossier(dossier.id) if t.step == step and t.status == TaskStatus.READY]
        assert len(found) == 1, f"{dossier.code}: step {step} is not ready"
        return found[0]


def measure(wiring: Wiring, *, seconds: float) -> dict[str, Any]:
    """Dossiers for about `seconds` after a warm-up: throughput, ms per command, statements per command."""
    driver = Driver(wiring)
    for _ in range(3):
        driver.dossier()  # warm caches: specs, versions, sign-ins
    driver.timings.clear()
    driver.counts.clear()
    done = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        driver.dossier()
        done += 1
    return {
        "dossiers_per_s": done / elapsed,
        "completions_per_s": done * COMPLETIONS_PER_DOSSIER / elapsed,
        "ms": {command: percentiles(samples) for command, samples in driver.timings.items()},
        "statements": {command: max(counts) for command, counts in driver.counts.items()},
        "statements_fewest": {command: min(counts) for command, counts in driver.counts.items()},
    }


def percentiles(samples_s: list[float]) -> dict[str, float]:
    ordered = sorted(samples_s)
    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000
    return {"p50": statistics.median(ordered) * 1000, "p95": at(0.95), "p99": at(0.99), "n": len(ordered)}


def run(admin_url: str | None, seconds: float) -> dict[str, Any]:
    results = {"sqlite": measure(prepared(fresh_sqlite()), seconds=seconds)}
    if admin_url:
        results["postgresql"] = measure(prepared(fresh_postgres(admin_url, "onestop_bench_service")),
                                        seconds=seconds)
    return results


if __name__ == "__main__":
    print(json.dumps(run(os.environ.get("ONESTOP_BENCH_POSTGRES_URL",
                                        "postgresql://postgres@127.0.0.1:5432/postgres"), 10.0), indent=2))
