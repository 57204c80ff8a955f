"""Real threads against a real database (SQLite file and PostgreSQL): two officers completing the
same task at once, and many counters receiving dossiers at the same centre at once."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

from pytest import MonkeyPatch

from api.wiring import Wiring
from engine.domain.errors import ConflictError
from engine.domain.status import DossierStatus
from engine.domain.task import TaskStatus
from engine.services import dossiers, tasks
from engine.services.dossiers import Reception
from engine.workflow import WorkflowInstance
from tests.conftest import PHU_XUAN, THUAN_HOA, VY_DA, Clock, birth_application
from tests.integration._support import (
    BIRTH,
    STEP_DATA,
    STEP_USER,
    Actors,
    completions,
    deps,
    drive_to_end,
    load,
    ready_task,
    receive,
    row_counts,
    run_together,
    tasks_of,
)

ROUNDS = 5


def _race_step(wiring: Wiring, actors: Actors, code: str, step: str, next_step: str | None, *,
               overlap: bool = False) -> None:
    """Two threads complete the same ready task together; check that exactly one of them won.

    With `overlap`, check that the two calls really ran at the same time (the caller slows the
    command down so the loser arrives while the winner still holds its transaction)."""
    dossier = load(wiring, code)
    task = ready_task(wiring, dossier, step)
    actor = actors(STEP_USER[step])
    spans: list[tuple[float, float]] = []

    def attempt() -> object:
        started = time.monotonic()
        try:
            return tasks.complete(wiring.uow(), actor=actor, task_id=task.id, data=STEP_DATA[step],
                                  **deps(wiring))
        finally:
            spans.append((started, time.monotonic()))

    outcomes = run_together([attempt, attempt])
    if overlap:
        assert max(s for s, _ in spans) < min(e for _, e in spans), "the two calls did not overlap"

    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "ok"], outcomes
    error = next(value for kind, value in outcomes if kind == "error")
    assert isinstance(error, ConflictError), repr(error)

    after = load(wiring, code)
    assert after.version == dossier.version + 1
    assert len(completions(wiring, after, step)) == 1
    rows = [t for t in tasks_of(wiring, after) if t.id == task.id]
    assert len(rows) == 1 and rows[0].status == TaskStatus.COMPLETED
    assert rows[0].completed_by == actor.user_id
    all_rows = tasks_of(wiring, after)
    assert len({t.id for t in all_rows}) == len(all_rows)
    if next_step is not None:
        nexts = [t for t in all_rows if t.step == next_step]
        assert len(nexts) == 1 and nexts[0].status == TaskStatus.READY

    # The stored workflow state restores and is waiting at exactly the next step.
    with wiring.uow() as uow:
        procedure = wiring.catalogue.version(uow.procedures, after.procedure_version_id)
    instance = WorkflowInstance.restore(wiring.catalogue.spec(procedure), after.workflow_state)
    assert [h.step for h in instance.ready_human_tasks()] == ([next_step] if next_step else [])
    assert instance.is_completed == (next_step is None)


def test_two_officers_completing_the_same_task_at_once_exactly_one_wins(wiring: Wiring) -> None:
    actors = Actors(wiring)
    for _ in range(ROUNDS):
        dossier = receive(wiring, actors(f"reception.{PHU_XUAN}"))
        _race_step(wiring, actors, dossier.code, "review", "sign")
    # The last dossier: race the remaining steps too, then check it finished cleanly.
    _race_step(wiring, actors, dossier.code, "sign", "hand_over")
    _race_step(wiring, actors, dossier.code, "hand_over", None)
    finished = load(wiring, dossier.code)
    assert finished.status == DossierStatus.RETURNED
    assert all(t.status == TaskStatus.COMPLETED for t in tasks_of(wiring, finished))


def test_the_loser_arrives_while_the_winner_holds_the_dossier(wiring: Wiring, monkeypatch: MonkeyPatch) -> None:
    """The same race with the command slowed down inside its transaction, so the second officer
    certainly arrives before the first one commits (blocked on the row lock / write lock)."""
    real = tasks.record_progress

    def slow_record_progress(*args: Any, **kwargs: Any) -> None:
        time.sleep(0.15)
        real(*args, **kwargs)

    monkeypatch.setattr(tasks, "record_progress", slow_record_progress)
    actors = Actors(wiring)
    for _ in range(ROUNDS):
        dossier = receive(wiring, actors(f"reception.{PHU_XUAN}"))
        _race_step(wiring, actors, dossier.code, "review", "sign", overlap=True)
    _race_step(wiring, actors, dossier.code, "sign", "hand_over", overlap=True)
    _race_step(wiring, actors, dossier.code, "hand_over", None, overlap=True)
    finished = load(wiring, dossier.code)
    assert finished.status == DossierStatus.RETURNED
    assert all(t.status == TaskStatus.COMPLETED for t in tasks_of(wiring, finished))


def test_dossiers_that_lost_a_race_still_run_to_the_end(wiring: Wiring) -> None:
    actors = Actors(wiring)
    codes = []
    for _ in range(3):
        dossier = receive(wiring, actors(f"reception.{PHU_XUAN}"))
        _race_step(wiring, actors, dossier.code, "review", "sign")
        codes.append(dossier.code)
    for code in codes:
        finished = drive_to_end(wiring, actors, load(wiring, code))
        assert finished.status == DossierStatus.RETURNED
        assert [len(completions(wiring, finished, s)) for s in ("receive", "review", "sign", "hand_over")] == [1] * 4


THREADS, PER_THREAD = 8, 3


def _sequence(code: str, unit: str, day: str) -> int:
    match = re.fullmatch(rf"{unit}-{day}-(\d{{4}})", code)
    assert match, code
    return int(match.group(1))


def test_concurrent_receptions_get_unique_gapless_codes(wiring: Wiring, clock: Clock) -> None:
    actors = Actors(wiring)
    officer = actors(f"reception.{PHU_XUAN}")

    def counter() -> list[str]:
        return [receive(wiring, officer).code for _ in range(PER_THREAD)]

    outcomes = run_together([counter] * THREADS)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    codes = [code for _, batch in outcomes for code in batch]
    assert len(set(codes)) == THREADS * PER_THREAD
    # 09:00 on Monday 14 July 2025 in Huế.
    assert sorted(_sequence(c, PHU_XUAN, "250714") for c in codes) == list(range(1, THREADS * PER_THREAD + 1))
    for code in codes:
        dossier = load(wiring, code)
        assert dossier.code == code and dossier.version == 2
        assert [t.step for t in tasks_of(wiring, dossier)] == ["receive", "review"]

    # Another centre has its own counter.
    assert receive(wiring, actors(f"reception.{THUAN_HOA}"), birth_application(THUAN_HOA)).code == \
        f"{THUAN_HOA}-250714-0001"

    # 23:59:59 in Huế is still the 14th there; one second later the local day (not the UTC day,
    # which is the 14th for seven more hours) changes and the counter restarts.
    clock.now = datetime(2025, 7, 14, 16, 59, 59, tzinfo=UTC)
    assert receive(wiring, officer).code == f"{PHU_XUAN}-250714-{THREADS * PER_THREAD + 1:04d}"
    clock.now = datetime(2025, 7, 14, 17, 0, 0, tzinfo=UTC)
    assert receive(wiring, officer).code == f"{PHU_XUAN}-250715-0001"
    clock.now = datetime(2025, 7, 15, 2, 0, tzinfo=UTC)
    assert receive(wiring, officer).code == f"{PHU_XUAN}-250715-0002"


def test_concurrent_receptions_at_two_centres_do_not_share_a_counter(wiring: Wiring) -> None:
    actors = Actors(wiring)
    phu_xuan, vy_da = actors(f"reception.{PHU_XUAN}"), actors(f"reception.{VY_DA}")

    def at(officer_unit: str) -> list[str]:
        officer = phu_xuan if officer_unit == PHU_XUAN else vy_da
        return [receive(wiring, officer).code for _ in range(PER_THREAD)]

    outcomes = run_together([lambda: at(PHU_XUAN), lambda: at(VY_DA)] * 2)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    codes = [code for _, batch in outcomes for code in batch]
    for unit in (PHU_XUAN, VY_DA):
        mine = [_sequence(c, unit, "250714") for c in codes if c.startswith(unit)]
        assert sorted(mine) == list(range(1, 2 * PER_THREAD + 1))


def test_concurrent_retries_with_one_idempotency_key_make_one_dossier(
        wiring: Wiring, monkeypatch: MonkeyPatch) -> None:
    """A counter's client retries a POST while the first one is still running: one dossier is made;
    every other call returns it or reports a conflict (409), never an unexpected error (500)."""
    real = dossiers.record_opening

    def slow_record_opening(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.1)  # every retry passes the idempotency checks before the first one commits
        return real(*args, **kwargs)

    monkeypatch.setattr(dossiers, "record_opening", slow_record_opening)
    actors = Actors(wiring)
    officer = actors(f"reception.{PHU_XUAN}")
    reception = Reception(procedure_code=BIRTH, application=birth_application(VY_DA), idempotency_key="retry-1")

    def post() -> tuple[str, bool]:
        dossier, created = dossiers.receive(wiring.uow(), actor=officer, reception=reception, **deps(wiring))
        return dossier.code, created

    outcomes = run_together([post] * 4)
    unexpected = [value for kind, value in outcomes if kind == "error" and not isinstance(value, ConflictError)]
    assert unexpected == []
    results = [value for kind, value in outcomes if kind == "ok"]
    assert [created for _, created in results].count(True) == 1
    assert len({code for code, _ in results}) == 1
    assert row_counts(wiring)["dossiers"] == 1
