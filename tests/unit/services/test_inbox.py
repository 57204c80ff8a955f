"""The inbox's filters and order (engine/services/tasks.inbox) against the FakeUnitOfWork: the urgency filter
follows timeliness.of_step exactly (near due is a share of each step's own allotment, not "due within a day"),
a dossier waiting for the applicant is never urgent, and the total counts the whole filtered inbox."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.domain.actor import Role
from engine.domain.dossier import Dossier
from engine.domain.inbox import InboxItem, InboxOrder, InboxQuery, Urgency
from engine.domain.status import DossierStatus as S
from engine.domain.task import TaskStatus
from engine.domain.timeliness import Timeliness
from engine.services import tasks
from tests.conftest import VY_DA, Clock
from tests.fakes.uow import FakeUnitOfWork
from tests.unit.builders import BIRTH, BIRTH_GROUP, CALENDAR, T0, dossier, fake_uow, officer, step

SPECIALIST = officer(Role.SPECIALIST, VY_DA)
NOW = T0 + timedelta(days=1, hours=1)
"""Tuesday 10:00."""


def _seed(uow: FakeUnitOfWork, number: int, *, created_at: datetime = T0, hours: float, status: S = S.PROCESSING,
          procedure: str = BIRTH_GROUP, applicant: str = "Nguyễn Văn An") -> Dossier:
    d = dossier(status, procedure=procedure, code=f"{VY_DA}-250714-{number:04d}", at=T0)
    d.applicant_name = applicant
    uow.seed_dossier(d, [step(d, created_at=created_at, hours=hours)])
    return d


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = fake_uow()
    _seed(uow, 1, hours=2)                                   # due Monday 11:00: overdue
    _seed(uow, 2, hours=10, procedure=BIRTH)                 # due Tuesday 10:30, 0.5 of 10 hours left: near due
    _seed(uow, 3, created_at=NOW - timedelta(hours=1), hours=3)  # 2 of 3 hours left: in time (not the last quarter)
    _seed(uow, 4, hours=40, applicant="Trần Thị Bình")       # days left: in time
    _seed(uow, 5, hours=2, status=S.SUPPLEMENT_REQUESTED)    # overdue, but the clock is stopped
    _seed(uow, 6, hours=0)                                   # no allotment: never urgent
    return uow


def _inbox(uow: FakeUnitOfWork, limit: int = 50, **query: object) -> tuple[list[InboxItem], int]:
    return tasks.inbox(uow, actor=SPECIALIST, query=InboxQuery(**query), clock=Clock(NOW),  # type: ignore[arg-type]
                       calendar=CALENDAR, limit=limit, offset=0)


def _numbers(items: list[InboxItem]) -> list[int]:
    return [int(item.task.dossier_code[-4:]) for item in items]


@pytest.mark.parametrize(("urgency", "expected"), [(Urgency.URGENT, [1, 2]), (Urgency.NEAR_DUE, [2]),
                                                   (Urgency.OVERDUE, [1]), (None, [6, 1, 5, 2, 3, 4])])
def test_the_urgency_filter_is_each_steps_own_timeliness(uow: FakeUnitOfWork, urgency: Urgency | None,
                                                         expected: list[int]) -> None:
    items, total = _inbox(uow, urgency=urgency)
    assert (_numbers(items), total) == (expected, len(expected))
    marks = {n: item.timeliness for n, item in zip(_numbers(items), items, strict=True)}
    assert {n for n, mark in marks.items() if mark in (Timeliness.NEAR_DUE, Timeliness.OVERDUE)} <= {1, 2}
    if urgency is None:
        assert marks[3] == Timeliness.IN_TIME and marks[5] is None and marks[6] is None


def test_the_total_counts_the_whole_filtered_inbox_not_the_page(uow: FakeUnitOfWork) -> None:
    items, total = _inbox(uow, limit=1, urgency=Urgency.URGENT)
    assert (_numbers(items), total) == ([1], 2)


def test_a_step_of_a_dossier_waiting_for_the_applicant_shows_its_stopped_clock(uow: FakeUnitOfWork) -> None:
    waiting = next(item for item in _inbox(uow)[0] if item.task.dossier_code.endswith("0005"))
    stored = uow.stored(waiting.task.dossier_code)
    assert (waiting.clock_stopped_since, waiting.timeliness) == (stored.paused_at, None)


def test_procedure_filter_order_and_the_applicant_column(uow: FakeUnitOfWork) -> None:
    items, total = _inbox(uow, procedure_code=BIRTH)
    assert (_numbers(items), total) == ([2], 1)
    by_arrival = _inbox(uow, order=InboxOrder.ARRIVAL)[0]
    assert _numbers(by_arrival)[-1] == 3  # it started last; by due time it comes fifth
    assert {item.applicant_name for item in by_arrival} == {"Nguyễn Văn An", "Trần Thị Bình"}
    assert {item.procedure_code for item in by_arrival} == {BIRTH, BIRTH_GROUP}


def test_completed_steps_are_never_urgent(uow: FakeUnitOfWork) -> None:
    for task in uow.tables.tasks.values():
        task.status, task.completed_at = TaskStatus.COMPLETED, NOW
    assert _inbox(uow, status=TaskStatus.COMPLETED)[1] == 6
    assert _inbox(uow, status=TaskStatus.COMPLETED, urgency=Urgency.URGENT) == ([], 0)
