"""BPMN timers through the worker and a real database: receiving a dossier whose review has a two-hour
escalation timer schedules a WORKFLOW_TIMER job; the worker leaves it alone before two hours, then
fires it, and the review leaves the specialist's inbox for the leader's, with a history event. A
review done in time leaves nothing to fire; a dossier waiting for the applicant's supplement holds
its timer until the supplement comes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from api.settings import ROOT
from api.wiring import Wiring
from engine.adapters.definitions import read_procedure
from engine.domain.dossier import Dossier, EventKind
from engine.domain.job import Job, JobKind, JobStatus
from engine.domain.notice import MissingItem
from engine.domain.status import DossierStatus
from engine.domain.task import TaskStatus
from engine.services import dossiers, lifecycle, procedures, public, tasks, worker
from engine.services.dossiers import Reception
from tests.conftest import PHU_XUAN, VY_DA, Clock, birth_application
from tests.integration._support import STEP_DATA, Actors, deps, history_of, load, ready_task, tasks_of

ESCALATION = ROOT / "tests" / "processes" / "fixtures" / "timer_escalation"
CODE = "9.990001"
TWO_HOURS = timedelta(hours=2)


@pytest.fixture
def actors(wiring: Wiring, clock: Clock) -> Actors:
    published = procedures.publish_changed(wiring.uow(), definitions=[read_procedure(ESCALATION, ROOT / "forms")],
                                           clock=clock)
    assert published == [CODE]
    return Actors(wiring)


@pytest.fixture
def dossier(wiring: Wiring, actors: Actors) -> Dossier:
    reception = Reception(procedure_code=CODE, application=birth_application(VY_DA))
    received, _ = dossiers.receive(wiring.uow(), actor=actors(f"reception.{PHU_XUAN}"), reception=reception,
                                   **deps(wiring))
    return received


def _timer_jobs(wiring: Wiring, dossier: Dossier) -> list[Job]:
    assert dossier.id is not None
    with wiring.uow() as uow:
        return uow.jobs.pending(dossier.id, JobKind.WORKFLOW_TIMER)


def _run_worker(wiring: Wiring, clock: Clock, at: datetime) -> None:
    clock.now = at
    worker.run_due(wiring.uow, handlers=worker.handlers(calendar=wiring.calendar, catalogue=wiring.catalogue),
                   clock=clock)


def _fired(wiring: Wiring, dossier: Dossier) -> list[tuple[datetime, list[str], int | None]]:
    return [(e.at, e.data["steps"], e.actor_id) for e in history_of(wiring, dossier)
            if e.kind == EventKind.TIMER_FIRED]


def _inbox(wiring: Wiring, dossier: Dossier) -> list[tuple[str, str, str]]:
    return sorted((t.step, t.role, t.unit_id) for t in tasks_of(wiring, dossier) if t.status == TaskStatus.READY)


def test_receiving_schedules_the_timer_and_the_worker_fires_it_when_due(wiring: Wiring, clock: Clock,
                                                                        actors: Actors, dossier: Dossier) -> None:
    received_at = clock.now
    assert [j.run_at for j in _timer_jobs(wiring, dossier)] == [received_at + TWO_HOURS]
    assert _inbox(wiring, dossier) == [("review", "specialist", VY_DA)]

    _run_worker(wiring, clock, received_at + TWO_HOURS - timedelta(seconds=1))
    assert _fired(wiring, dossier) == [] and _inbox(wiring, dossier) == [("review", "specialist", VY_DA)]
    version = load(wiring, dossier.code).version

    _run_worker(wiring, clock, received_at + TWO_HOURS)
    assert _fired(wiring, dossier) == [(received_at + TWO_HOURS, ["review_overdue"], None)]
    assert _inbox(wiring, dossier) == [("review_escalated", "leader", VY_DA)]
    assert [t.status for t in tasks_of(wiring, dossier) if t.step == "review"] == [TaskStatus.CANCELLED]
    seen_by_citizen = public.look_up(wiring.uow(), catalogue=wiring.catalogue, code=dossier.code,
                                     secret=dossier.secret, clock=wiring.clock)
    assert EventKind.TIMER_FIRED.value not in [stage.kind for stage in seen_by_citizen.timeline]
    after = load(wiring, dossier.code)
    assert (after.status, after.version) == (DossierStatus.PROCESSING, version + 1)
    assert _timer_jobs(wiring, dossier) == []

    leader = actors(f"leader.{VY_DA}")
    escalated = ready_task(wiring, dossier, "review_escalated")
    tasks.complete(wiring.uow(), actor=leader, task_id=escalated.id, data=STEP_DATA["review"], **deps(wiring))
    tasks.complete(wiring.uow(), actor=leader, task_id=ready_task(wiring, dossier, "sign").id,
                   data=STEP_DATA["sign"], **deps(wiring))
    done = tasks.complete(wiring.uow(), actor=actors(f"reception.{PHU_XUAN}"),
                          task_id=ready_task(wiring, dossier, "hand_over").id, data=STEP_DATA["hand_over"],
                          **deps(wiring))
    assert done.status == DossierStatus.RETURNED


def test_a_review_done_in_time_leaves_the_timer_nothing_to_do(wiring: Wiring, clock: Clock, actors: Actors,
                                                             dossier: Dossier) -> None:
    received_at = clock.now
    clock.now = received_at + timedelta(hours=1)
    tasks.complete(wiring.uow(), actor=actors(f"specialist.{VY_DA}"), task_id=ready_task(wiring, dossier, "review").id,
                   data=STEP_DATA["review"], **deps(wiring))
    [job] = _timer_jobs(wiring, dossier)
    before = load(wiring, dossier.code)

    _run_worker(wiring, clock, received_at + TWO_HOURS)
    assert _fired(wiring, dossier) == []
    assert _inbox(wiring, dossier) == [("sign", "leader", VY_DA)]
    assert load(wiring, dossier.code).version == before.version
    with wiring.uow() as uow:
        ran = uow.jobs.get(job.id)
    assert ran is not None and ran.status == JobStatus.DONE


def test_a_timer_waits_while_the_applicant_supplements(wiring: Wiring, clock: Clock, actors: Actors,
                                                       dossier: Dossier) -> None:
    received_at, counter, reviewer = clock.now, actors(f"reception.{PHU_XUAN}"), actors(f"specialist.{VY_DA}")
    clock.now = received_at + timedelta(hours=1)
    lifecycle.request_supplement(wiring.uow(), actor=reviewer, code=dossier.code, reasons="Thiếu giấy chứng sinh",
                                 items=[MissingItem("Giấy chứng sinh")], **deps(wiring))

    _run_worker(wiring, clock, received_at + TWO_HOURS)
    assert _fired(wiring, dossier) == []
    assert [j.run_at for j in _timer_jobs(wiring, dossier)] == [received_at + TWO_HOURS + timedelta(hours=1)]
    assert load(wiring, dossier.code).status == DossierStatus.SUPPLEMENT_REQUESTED

    clock.now = received_at + timedelta(hours=2, minutes=30)
    lifecycle.supplement(wiring.uow(), actor=counter, code=dossier.code, calendar=wiring.calendar, clock=wiring.clock)
    _run_worker(wiring, clock, received_at + timedelta(hours=3))
    assert _fired(wiring, dossier) == [(received_at + timedelta(hours=3), ["review_overdue"], None)]
    assert _inbox(wiring, dossier) == [("review_escalated", "leader", VY_DA)]


def test_an_ended_dossier_drops_its_timer(wiring: Wiring, clock: Clock, actors: Actors, dossier: Dossier) -> None:
    received_at = clock.now
    lifecycle.withdraw(wiring.uow(), actor=actors(f"reception.{PHU_XUAN}"), code=dossier.code,
                       reasons="Công dân xin rút hồ sơ", clock=wiring.clock)
    _run_worker(wiring, clock, received_at + TWO_HOURS)
    assert _fired(wiring, dossier) == [] and _timer_jobs(wiring, dossier) == []
    assert load(wiring, dossier.code).status == DossierStatus.WITHDRAWN
