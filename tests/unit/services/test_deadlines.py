"""The near-due and overdue marks (engine/services/deadlines.py) against the FakeUnitOfWork: each check judges
the dossier as it is now, marks it at most once per deadline and plans the next check. A birth-group dossier
received Monday 09:00 is due Thursday 17:00, near due in the last quarter of its office hours (Thursday morning)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.domain.actor import Role
from engine.domain.calendar import VN_TZ
from engine.domain.dossier import Dossier, EventKind
from engine.domain.job import Job, JobKind
from engine.domain.status import DossierStatus as S
from engine.domain.timeliness import near_due_at
from engine.services import deadlines, lifecycle
from tests.conftest import PHU_XUAN, VY_DA, Clock
from tests.fakes.uow import FakeUnitOfWork
from tests.unit.builders import CALENDAR, ITEMS, T0, catalogue, dossier, fake_uow, officer, step

DUE = datetime(2025, 7, 17, 17, 0, tzinfo=VN_TZ)
NEAR = near_due_at(DUE, CALENDAR, T0)  # the last quarter of Monday 09:00 – Thursday 17:00


def test_a_three_day_dossier_is_near_due_in_its_last_quarter_on_its_last_day() -> None:
    allotted = CALENDAR.working_hours_between(T0, DUE)
    assert NEAR.date() == DUE.date() and CALENDAR.working_hours_between(NEAR, DUE) == pytest.approx(allotted / 4)


def given(status: S = S.PROCESSING) -> tuple[FakeUnitOfWork, Dossier]:
    uow, d = fake_uow(), dossier(status)
    uow.seed_dossier(d)
    return uow, d


def watch(uow: FakeUnitOfWork, d: Dossier, now: datetime) -> None:
    with uow:
        deadlines.watch(uow, Job(JobKind.DEADLINE_WATCH, now, d.id), now=now, calendar=CALENDAR)
        uow.commit()


def marks(uow: FakeUnitOfWork) -> list[tuple[EventKind, str]]:
    return [(e.kind, e.data["deadline"]) for e in uow.tables.history
            if e.kind in (EventKind.NEAR_DUE, EventKind.OVERDUE)]


def planned(uow: FakeUnitOfWork) -> list[datetime]:
    return [j.run_at for j in uow.tables.jobs.values() if j.kind == JobKind.DEADLINE_WATCH]


def test_in_time_it_marks_nothing_and_checks_again_when_it_becomes_near_due() -> None:
    uow, d = given()
    watch(uow, d, T0)
    assert marks(uow) == [] and planned(uow) == [NEAR]


def test_near_due_it_marks_once_per_deadline_and_checks_again_just_after_the_deadline() -> None:
    uow, d = given()
    watch(uow, d, NEAR)
    watch(uow, d, NEAR + timedelta(hours=1))
    assert marks(uow) == [(EventKind.NEAR_DUE, DUE.isoformat())]
    assert planned(uow) == [DUE + timedelta(seconds=1)] * 2


def test_overdue_it_marks_once_and_plans_nothing_more() -> None:
    uow, d = given()
    watch(uow, d, DUE + timedelta(seconds=1))
    watch(uow, d, DUE + timedelta(days=1))
    assert marks(uow) == [(EventKind.OVERDUE, DUE.isoformat())] and planned(uow) == []


@pytest.mark.parametrize("status", [S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT, S.RESULT_READY, S.STOPPED])
def test_a_waiting_or_finished_dossier_is_neither_marked_nor_watched(status: S) -> None:
    uow, d = given(status)
    watch(uow, d, DUE + timedelta(days=1))
    assert marks(uow) == [] and planned(uow) == []


def test_a_deadline_moved_by_supplementation_is_marked_again() -> None:
    uow, d = fake_uow(), dossier()
    uow.seed_dossier(d, [step(d)])  # the handling unit's step: supplementation is asked there
    watch(uow, d, NEAR)
    counter, handler = officer(Role.RECEPTION, PHU_XUAN), officer(Role.SPECIALIST, VY_DA)
    wednesday_evening = NEAR + timedelta(hours=1)
    lifecycle.request_supplement(uow, actor=handler, catalogue=catalogue(), calendar=CALENDAR,
                                 clock=Clock(wednesday_evening), code=d.code, reasons="Thiếu giấy", items=ITEMS)
    lifecycle.supplement(uow, actor=counter, calendar=CALENDAR, clock=Clock(wednesday_evening + timedelta(days=1)),
                         code=d.code)  # Thursday's 8 office hours paused: due Friday 17:00
    moved = DUE + timedelta(days=1)
    watch(uow, d, moved - timedelta(hours=1))
    assert marks(uow) == [(EventKind.NEAR_DUE, DUE.isoformat()), (EventKind.NEAR_DUE, moved.isoformat())]
