"""Decree 63 groups give the applicant 7 working days to supplement; then the engine stops the dossier (the
background job `supplement_expiry`; status 8 in the name of the unit that asked: a received dossier is never
refused). Answered requests leave the job with nothing to do."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from api.wiring import Wiring
from engine.adapters.records import JobRecord
from engine.domain.dossier import Dossier
from engine.domain.job import Job, JobKind
from engine.domain.notice import MissingItem, NoticeKind
from engine.domain.status import DossierStatus
from engine.domain.task import TaskStatus
from engine.services import lifecycle
from tests.api.helpers import local
from tests.conftest import PHU_XUAN, VY_DA, Clock
from tests.integration._support import Actors, deps, load, receive, receive_group, tasks_of

ITEMS = [MissingItem("Giấy chứng sinh (bản chụp)", "photocopy")]
HANDLER = f"specialist.{VY_DA}"  # the competent commune's review step asks for what is missing


def expiry_jobs(wiring: Wiring, dossier: Dossier) -> list[tuple[datetime, dict[str, Any]]]:
    with wiring.uow() as uow:
        session = uow._session
        assert session is not None
        rows = session.execute(select(JobRecord.run_at, JobRecord.payload).where(
            JobRecord.dossier_id == dossier.id, JobRecord.kind == JobKind.SUPPLEMENT_EXPIRY.value))
        return [(run_at, payload) for run_at, payload in rows]


def run_expiry(wiring: Wiring, dossier: Dossier, now: datetime, number: int = 1) -> None:
    with wiring.uow() as uow:
        lifecycle.expire_supplement(uow, Job(JobKind.SUPPLEMENT_EXPIRY, now, dossier.id, {"number": number}),
                                    now=now)
        uow.commit()


def test_an_unanswered_request_stops_the_dossier_after_seven_working_days(wiring: Wiring, clock: Clock) -> None:
    actors = Actors(wiring)
    clock.now = local(2025, 7, 14, 9, 0)
    dossier = receive_group(wiring, actors)
    clock.now = local(2025, 7, 14, 10, 0)
    lifecycle.request_supplement(wiring.uow(), actor=actors(HANDLER), code=dossier.code,
                                 reasons="Thiếu giấy chứng sinh", items=ITEMS, **deps(wiring))
    request = load(wiring, dossier.code).notices[0]
    assert request.reply_by == local(2025, 7, 23, 17, 0)  # 7 working days after Monday 14 July
    assert expiry_jobs(wiring, dossier) == [(request.reply_by, {"number": 1})]

    run_expiry(wiring, dossier, local(2025, 7, 23, 17, 1))

    stopped = load(wiring, dossier.code)
    assert stopped.status == DossierStatus.STOPPED and stopped.notices_of(NoticeKind.REFUSAL) == []
    notice = stopped.notices_of(NoticeKind.STOP)[0]
    assert notice.officer_id is None and "số 1" in notice.reasons and notice.unit_id == VY_DA
    # Decision 766: still waiting for the applicant when it ended, so processing ended at the request.
    assert stopped.finished_at == local(2025, 7, 14, 10, 0) and stopped.paused_at is None
    assert {t.status for t in tasks_of(wiring, stopped)} <= {TaskStatus.COMPLETED, TaskStatus.CANCELLED}


def test_an_answered_request_does_not_stop_the_dossier(wiring: Wiring, clock: Clock) -> None:
    actors = Actors(wiring)
    clock.now = local(2025, 7, 14, 9, 0)
    dossier = receive_group(wiring, actors)
    centre = actors(f"reception.{PHU_XUAN}")
    lifecycle.request_supplement(wiring.uow(), actor=actors(HANDLER), code=dossier.code, reasons="Thiếu",
                                 items=ITEMS, **deps(wiring))
    clock.now = local(2025, 7, 16, 9, 0)
    lifecycle.supplement(wiring.uow(), actor=centre, code=dossier.code, calendar=wiring.calendar, clock=wiring.clock)

    run_expiry(wiring, dossier, local(2025, 7, 23, 17, 1))

    assert load(wiring, dossier.code).status == DossierStatus.PROCESSING


def test_procedures_outside_the_groups_have_no_automatic_stop(wiring: Wiring, clock: Clock) -> None:
    actors = Actors(wiring)
    dossier = receive(wiring, actors(f"reception.{PHU_XUAN}"))
    lifecycle.request_supplement(wiring.uow(), actor=actors(HANDLER), code=dossier.code,
                                 reasons="Thiếu", items=ITEMS, **deps(wiring))
    assert load(wiring, dossier.code).notices[0].reply_by is None
    assert expiry_jobs(wiring, dossier) == []
