"""Steps through the inbox (engine/services/tasks.py) against the FakeUnitOfWork, with the real birth
registration workflow: a dossier received at Phú Xuân for a family of Vỹ Dạ is reviewed and signed there and
returned at Phú Xuân; a step taken by the wrong officer, twice, with a bad form or while the dossier waits
writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from engine.domain.actor import Actor, Role
from engine.domain.dossier import Dossier, EventKind, ReturnMethod
from engine.domain.errors import ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationFailedError
from engine.domain.inbox import InboxQuery
from engine.domain.status import DossierStatus as S
from engine.domain.task import Task, TaskStatus
from engine.services import dossiers, lifecycle, tasks
from engine.services.dossiers import Reception
from tests.conftest import PHU_XUAN, THUAN_HOA, VY_DA, Clock, birth_application, scenario
from tests.fakes.uow import FakeUnitOfWork
from tests.unit.builders import BIRTH, CALENDAR, ITEMS, T0, catalogue, fake_uow, officer

DATA = {s["task"]: s["data"] for s in scenario()["steps"]}
COUNTER, SPECIALIST, LEADER = (officer(Role.RECEPTION, PHU_XUAN), officer(Role.SPECIALIST, VY_DA),
                               officer(Role.LEADER, VY_DA))
BY = {"review": SPECIALIST, "sign": LEADER, "hand_over": COUNTER}


def received() -> tuple[FakeUnitOfWork, Dossier]:
    uow = fake_uow()
    reception = Reception(procedure_code=BIRTH, application=birth_application(VY_DA), reception=DATA["receive"])
    dossier, _ = dossiers.receive(uow, actor=COUNTER, catalogue=catalogue(), calendar=CALENDAR, clock=Clock(T0),
                                  reception=reception)
    return uow, dossier


def ready(uow: FakeUnitOfWork, name: str) -> Task:
    [found] = [t for t in uow.tables.tasks.values() if t.step == name and t.status == TaskStatus.READY]
    return found


def complete(uow: FakeUnitOfWork, name: str, actor: Actor | None = None, data: dict[str, Any] | None = None,
             task_id: str | None = None) -> Dossier:
    return tasks.complete(uow, actor=actor or BY[name], catalogue=catalogue(), calendar=CALENDAR, clock=Clock(T0),
                          task_id=task_id or ready(uow, name).id, data=DATA[name] if data is None else data)


def test_a_received_dossier_waits_in_the_competent_units_inbox() -> None:
    uow, d = received()
    mine, total = tasks.inbox(uow, actor=SPECIALIST, query=InboxQuery(), clock=Clock(T0), calendar=CALENDAR,
                              limit=10, offset=0)
    assert total == 1 and [i.task.step for i in mine] == ["review"]
    assert mine[0].applicant_name == d.applicant_name and mine[0].procedure_code == d.procedure_code
    assert tasks.inbox(uow, actor=LEADER, query=InboxQuery(), clock=Clock(T0), calendar=CALENDAR, limit=10,
                       offset=0) == ([], 0)


def test_completing_a_step_stores_it_and_readies_the_next_in_one_commit() -> None:
    uow, d = received()
    review, commits = ready(uow, "review"), uow.commits
    complete(uow, "review")
    done = uow.tables.tasks[review.id]
    assert uow.commits == commits + 1 and uow.stored(d.code).version == d.version + 1
    assert (done.status, done.completed_by) == (TaskStatus.COMPLETED, SPECIALIST.user_id)
    assert (ready(uow, "sign").role, ready(uow, "sign").unit_id) == ("leader", VY_DA)
    assert [e.data["step"] for e in uow.tables.history if e.kind == EventKind.TASK_COMPLETED] == ["receive", "review"]


def test_the_signature_makes_the_result_ready_at_the_return_centre_and_the_counter_returns_it() -> None:
    uow, d = received()
    complete(uow, "review")
    complete(uow, "sign")
    assert uow.stored(d.code).status == S.RESULT_READY and uow.stored(d.code).finished_at == T0
    assert (ready(uow, "hand_over").role, ready(uow, "hand_over").unit_id) == ("reception", PHU_XUAN)
    lifecycle.return_result(uow, actor=COUNTER, catalogue=catalogue(), calendar=CALENDAR, clock=Clock(T0),
                            code=d.code, method=ReturnMethod.POST, data=DATA["hand_over"])
    stored = uow.stored(d.code)
    assert (stored.status, stored.return_method, stored.returned_at) == (S.RETURNED, ReturnMethod.POST, T0)


def _supplement_requested() -> tuple[FakeUnitOfWork, Dossier]:
    uow, d = received()
    lifecycle.request_supplement(uow, actor=SPECIALIST, catalogue=catalogue(), calendar=CALENDAR, clock=Clock(T0),
                                 code=d.code, reasons="Thiếu giấy chứng sinh", items=ITEMS)
    return uow, d


def return_result(uow: FakeUnitOfWork, d: Dossier) -> Dossier:
    return lifecycle.return_result(uow, actor=COUNTER, catalogue=catalogue(), calendar=CALENDAR, clock=Clock(T0),
                                   code=d.code, method=ReturnMethod.COUNTER, data=DATA["hand_over"])


REFUSALS: list[tuple[str, Callable[[], tuple[FakeUnitOfWork, Dossier]], Callable[[FakeUnitOfWork, Dossier], Any],
                     type[DomainError]]] = [
    ("other-unit", received, lambda u, d: complete(u, "review", officer(Role.SPECIALIST, THUAN_HOA)),
     ForbiddenError),
    ("other-role", received, lambda u, d: complete(u, "review", LEADER), ForbiddenError),
    ("unknown", received, lambda u, d: complete(u, "review", task_id="no-such-task"), NotFoundError),
    ("bad-form", received, lambda u, d: complete(u, "review", data={"register_number": "x"}), ValidationFailedError),
    ("waiting", _supplement_requested, lambda u, d: complete(u, "review"), ConflictError),
    ("return-early", received, return_result, ConflictError),
]


@pytest.mark.parametrize(("setup", "command", "error"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_a_refused_step_writes_nothing(setup: Callable[[], tuple[FakeUnitOfWork, Dossier]],
                                       command: Callable[[FakeUnitOfWork, Dossier], Any],
                                       error: type[DomainError]) -> None:
    uow, d = setup()
    before, commits = uow.snapshot(), uow.commits
    with pytest.raises(error):
        command(uow, d)
    assert not uow.committed and uow.commits == commits and uow.tables == before


def test_a_step_completed_already_is_a_409_and_writes_nothing_more() -> None:
    uow, _ = received()
    review = ready(uow, "review")
    complete(uow, "review")
    before = uow.snapshot()
    with pytest.raises(ConflictError, match="already completed"):
        complete(uow, "review", task_id=review.id)
    assert uow.tables == before
