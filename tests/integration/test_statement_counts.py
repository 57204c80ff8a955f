"""How many SQL statements each command of a dossier's life sends (docs/BENCHMARKS.md): a statement is a
round trip to the server, the largest part of a command's cost. The counts are today's; a change that
adds a statement to a command fails here and must say why in its commit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from api.wiring import Wiring
from engine.domain.dossier import ReturnMethod
from engine.services import lifecycle, tasks
from tests.conftest import PHU_XUAN, Clock
from tests.integration._support import STEP_DATA, STEP_USER, Actors, deps, ready_task, receive

# PostgreSQL and SQLite differ: SQLite takes an explicit write lock (BEGIN IMMEDIATE, counted) and writes
# rows one by one where PostgreSQL batches them. A reception reads in one transaction and writes in another,
# so that the workflow runs holding no lock: one BEGIN IMMEDIATE more on SQLite.
MOST = {
    "postgresql": {"receive": 10, "review": 5, "sign": 8, "return": 8},
    "sqlite": {"receive": 15, "review": 6, "sign": 11, "return": 10},
}


@contextmanager
def counting(wiring: Wiring) -> Iterator[Callable[[], int]]:
    statements = 0

    def seen(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(wiring.engine, "before_cursor_execute", seen)
    try:
        yield lambda: statements
    finally:
        event.remove(wiring.engine, "before_cursor_execute", seen)


def test_each_command_sends_at_most_its_statements(wiring: Wiring, clock: Clock) -> None:
    actors = Actors(wiring)
    reception = actors(f"reception.{PHU_XUAN}")
    receive(wiring, reception)  # the first one reads procedures and specs into caches
    counts = {}
    with counting(wiring) as count:
        dossier = receive(wiring, reception)
        counts["receive"] = count()
    for step in ("review", "sign"):
        clock.now += timedelta(minutes=30)  # a step some time later, as at a real counter
        task = ready_task(wiring, dossier, step)  # the officer's inbox, not part of the command
        officer = actors(STEP_USER[step])
        with counting(wiring) as count:
            dossier = tasks.complete(wiring.uow(), actor=officer, task_id=task.id, data=STEP_DATA[step],
                                     **deps(wiring))
            counts[step] = count()
    clock.now += timedelta(minutes=30)
    with counting(wiring) as count:
        lifecycle.return_result(wiring.uow(), actor=reception, code=dossier.code, method=ReturnMethod.COUNTER,
                                data=STEP_DATA["hand_over"], **deps(wiring))
        counts["return"] = count()
    most = MOST[wiring.engine.dialect.name]
    over = {command: (counts[command], most[command]) for command in most if counts[command] > most[command]}
    assert not over, f"statements (sent, allowed): {over}"
