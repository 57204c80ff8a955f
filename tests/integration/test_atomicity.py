"""One transaction per command: a crash half-way through leaves the previous state intact, and the
dossier's version column stops a stale writer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytest import MonkeyPatch

from api.wiring import Wiring
from engine.adapters.dossiers import DossierRepository
from engine.adapters.uow import SqlUnitOfWork
from engine.domain.errors import ConflictError
from engine.domain.inbox import InboxQuery
from engine.domain.status import DossierStatus
from engine.services import progress, tasks
from tests.conftest import PHU_XUAN, VY_DA
from tests.integration._support import (
    STEP_DATA,
    Actors,
    completions,
    deps,
    drive_to_end,
    history_of,
    load,
    ready_task,
    receive,
    row_counts,
    tasks_of,
)


class Crash(RuntimeError):
    """The process dies here (a bug, a lost connection) after the wrapped call did its work."""


def _after(real: Callable[..., Any], *, on_call: int = 1) -> Callable[..., Any]:
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        result = real(*args, **kwargs)
        if calls >= on_call:
            raise Crash("simulated crash")
        return result

    return wrapper


def _crash_in_record_progress(monkeypatch: MonkeyPatch) -> None:
    monkeypatch.setattr(tasks, "record_progress", _after(tasks.record_progress))


def _crash_in_dossier_update(monkeypatch: MonkeyPatch) -> None:
    monkeypatch.setattr(DossierRepository, "update", _after(DossierRepository.update))


def _crash_in_commit_after_flush(monkeypatch: MonkeyPatch) -> None:
    def flush_then_crash(self: SqlUnitOfWork) -> None:
        self.flush()  # every row is written to the database, but never committed
        raise Crash("simulated crash")

    monkeypatch.setattr(SqlUnitOfWork, "commit", flush_then_crash)


CRASH_POINTS = {
    "record_progress": _crash_in_record_progress,
    "dossier_update": _crash_in_dossier_update,
    "commit": _crash_in_commit_after_flush,
}


@pytest.mark.parametrize("crash", list(CRASH_POINTS))
def test_a_crash_while_completing_a_task_changes_nothing(wiring: Wiring, monkeypatch: MonkeyPatch,
                                                         crash: str) -> None:
    actors = Actors(wiring)
    dossier = receive(wiring, actors(f"reception.{PHU_XUAN}"))
    task = ready_task(wiring, dossier, "review")
    specialist = actors(f"specialist.{VY_DA}")
    before = load(wiring, dossier.code)
    tasks_before, history_before = tasks_of(wiring, dossier), history_of(wiring, dossier)

    CRASH_POINTS[crash](monkeypatch)
    with pytest.raises(Crash):
        tasks.complete(wiring.uow(), actor=specialist, task_id=task.id, data=STEP_DATA["review"], **deps(wiring))
    monkeypatch.undo()

    after = load(wiring, dossier.code)
    assert (after.status, after.version, after.workflow_state) == (before.status, before.version,
                                                                  before.workflow_state)
    assert after.status == DossierStatus.PROCESSING
    assert tasks_of(wiring, dossier) == tasks_before
    assert history_of(wiring, dossier) == history_before
    inbox, total = tasks.inbox(wiring.uow(), actor=specialist, query=InboxQuery(), clock=wiring.clock,
                               calendar=wiring.calendar, limit=10, offset=0)
    assert total == 1 and [i.task.id for i in inbox] == [task.id]

    completed = tasks.complete(wiring.uow(), actor=specialist, task_id=task.id, data=STEP_DATA["review"],
                               **deps(wiring))
    assert completed.version == before.version + 1
    assert len(completions(wiring, completed, "review")) == 1
    assert drive_to_end(wiring, actors, completed).status == DossierStatus.RETURNED


def _receive_crash_in_update(monkeypatch: MonkeyPatch) -> None:
    monkeypatch.setattr(DossierRepository, "update", _after(DossierRepository.update))


def _receive_crash_in_second_progress(monkeypatch: MonkeyPatch) -> None:
    # It records the reception step's completion, after the dossier, its tasks and history were added.
    monkeypatch.setattr(progress, "record_progress", _after(progress.record_progress))


RECEIVE_CRASH_POINTS = {
    "dossier_update": _receive_crash_in_update,
    "record_progress": _receive_crash_in_second_progress,
    "commit": _crash_in_commit_after_flush,
}


@pytest.mark.parametrize("crash", list(RECEIVE_CRASH_POINTS))
def test_a_crash_while_receiving_leaves_nothing_behind(wiring: Wiring, monkeypatch: MonkeyPatch,
                                                       crash: str) -> None:
    actors = Actors(wiring)
    officer = actors(f"reception.{PHU_XUAN}")
    sequences_taken: list[int] = []
    real_next = DossierRepository.next_sequence

    def spy_next(self: DossierRepository, unit_id: str, day: Any) -> int:
        sequences_taken.append(real_next(self, unit_id, day))
        return sequences_taken[-1]

    counts = row_counts(wiring)
    RECEIVE_CRASH_POINTS[crash](monkeypatch)
    monkeypatch.setattr(DossierRepository, "next_sequence", spy_next)
    with pytest.raises(Crash):
        receive(wiring, officer)
    monkeypatch.undo()

    assert sequences_taken == [1]  # the crash came after the code was given out
    assert row_counts(wiring) == counts
    with wiring.uow() as uow:
        assert uow.dossiers.get(f"{PHU_XUAN}-250714-0001") is None
    _, total = tasks.inbox(wiring.uow(), actor=actors(f"specialist.{VY_DA}"), query=InboxQuery(),
                           clock=wiring.clock, calendar=wiring.calendar, limit=10, offset=0)
    assert total == 0

    # The sequence went back with the rest of the transaction: the next dossier is number 1.
    dossier = receive(wiring, officer)
    assert dossier.code == f"{PHU_XUAN}-250714-0001"
    assert row_counts(wiring)["dossiers"] == counts["dossiers"] + 1


def test_a_stale_update_is_refused_and_the_first_one_stays(wiring: Wiring) -> None:
    actors = Actors(wiring)
    code = receive(wiring, actors(f"reception.{PHU_XUAN}")).code
    with wiring.uow() as uow:
        first = uow.dossiers.get(code)
    with wiring.uow() as uow:
        second = uow.dossiers.get(code)
    assert first is not None and second is not None and first.version == second.version

    first.applicant_name = "Lê Thị Hồng Nhung"
    with wiring.uow() as uow:
        uow.dossiers.update(first)
        uow.commit()
    assert first.version == second.version + 1

    second.applicant_name = "Phạm Văn Đức"
    with wiring.uow() as uow, pytest.raises(ConflictError):
        uow.dossiers.update(second)  # written with the command's other rows, at the latest at commit
        uow.commit()

    stored = load(wiring, code)
    assert (stored.applicant_name, stored.version) == ("Lê Thị Hồng Nhung", first.version)


def test_an_update_without_commit_is_rolled_back(wiring: Wiring) -> None:
    actors = Actors(wiring)
    code = receive(wiring, actors(f"reception.{PHU_XUAN}")).code
    before = load(wiring, code)
    changed = load(wiring, code)
    changed.applicant_name = "Không lưu"
    with wiring.uow() as uow:
        uow.dossiers.update(changed)  # no commit
    stored = load(wiring, code)
    assert (stored.applicant_name, stored.version) == (before.applicant_name, before.version)
    # The version the caller holds moved on in memory, but the database did not: a retry with the
    # stored copy still works.
    stored.applicant_name = "Lưu lần hai"
    with wiring.uow() as uow:
        uow.dossiers.update(stored)
        uow.commit()
    assert load(wiring, code).applicant_name == "Lưu lần hai"


def test_a_stale_task_completion_is_refused(wiring: Wiring) -> None:
    """Completing a task that someone already completed (sequentially) is a conflict, not a no-op."""
    actors = Actors(wiring)
    dossier = receive(wiring, actors(f"reception.{PHU_XUAN}"))
    task = ready_task(wiring, dossier, "review")
    specialist = actors(f"specialist.{VY_DA}")
    done = tasks.complete(wiring.uow(), actor=specialist, task_id=task.id, data=STEP_DATA["review"],
                          **deps(wiring))
    with pytest.raises(ConflictError):
        tasks.complete(wiring.uow(), actor=specialist, task_id=task.id, data=STEP_DATA["review"], **deps(wiring))
    assert load(wiring, dossier.code).version == done.version
    assert len(completions(wiring, dossier, "review")) == 1
