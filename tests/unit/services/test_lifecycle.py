"""The one-stop commands (engine/services/lifecycle.py) against the in-memory FakeUnitOfWork: one commit, the
events and steps stored, the jobs scheduled; a 403, 404, 409 or 422 writes nothing. A birth-group dossier
(7 days to supplement) received Monday 09:00 at Phú Xuân for Vỹ Dạ, its review step ready at Vỹ Dạ."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from engine.domain.actor import Actor, Role
from engine.domain.calendar import VN_TZ
from engine.domain.dossier import Dossier, EventKind
from engine.domain.errors import ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationFailedError
from engine.domain.job import Job, JobKind, JobStatus
from engine.domain.notice import MissingItem, NoticeKind
from engine.domain.status import DossierStatus as S
from engine.domain.task import Task, TaskStatus
from engine.domain.timeliness import near_due_at
from engine.services import lifecycle, worker
from tests.conftest import PHU_XUAN, THUAN_HOA, VY_DA, Clock
from tests.fakes.uow import FakeUnitOfWork
from tests.unit.builders import BIRTH, BIRTH_GROUP, CALENDAR, ITEMS, T0, catalogue, dossier, fake_uow, officer, step

NOW = T0 + timedelta(hours=1)
COUNTER, SPECIALIST = officer(Role.RECEPTION, PHU_XUAN), officer(Role.SPECIALIST, VY_DA)
LEADER, ELSEWHERE = officer(Role.LEADER, VY_DA), officer(Role.RECEPTION, THUAN_HOA)


def given(status: S = S.PROCESSING, *, procedure: str = BIRTH_GROUP,
          returning: str | None = None) -> tuple[FakeUnitOfWork, Dossier]:
    """A fake holding a dossier in `status` with a completed reception step and a ready review step."""
    uow, d = fake_uow(), dossier(status, procedure=procedure, returning=returning)
    uow.seed_dossier(d, [step(d, "receive", role=Role.RECEPTION, unit_id=PHU_XUAN, status=TaskStatus.COMPLETED),
                         step(d, "review")])
    return uow, d


def history(uow: FakeUnitOfWork, d: Dossier) -> list[EventKind]:
    return [e.kind for e in uow.tables.history if e.dossier_id == d.id]


def steps(uow: FakeUnitOfWork) -> dict[str, Task]:
    return {t.step: t for t in uow.tables.tasks.values()}


def jobs(uow: FakeUnitOfWork, kind: JobKind) -> list[Job]:
    return [j for j in uow.tables.jobs.values() if j.kind == kind]


def request(uow: FakeUnitOfWork, d: Dossier, actor: Actor = SPECIALIST, *, code: str | None = None,
            items: list[MissingItem] = ITEMS) -> Dossier:
    return lifecycle.request_supplement(uow, actor=actor, catalogue=catalogue(), calendar=CALENDAR, clock=Clock(NOW),
                                        code=code or d.code, reasons="Thiếu giấy chứng sinh", items=items)


def supplement(uow: FakeUnitOfWork, d: Dossier, actor: Actor = COUNTER, at: datetime = NOW) -> Dossier:
    return lifecycle.supplement(uow, actor=actor, calendar=CALENDAR, clock=Clock(at), code=d.code, note="Đủ")


def withdraw(uow: FakeUnitOfWork, d: Dossier, actor: Actor = COUNTER) -> Dossier:
    return lifecycle.withdraw(uow, actor=actor, clock=Clock(NOW), code=d.code, reasons="Công dân xin rút")


def stop(uow: FakeUnitOfWork, d: Dossier, actor: Actor = SPECIALIST) -> Dossier:
    return lifecycle.stop(uow, actor=actor, clock=Clock(NOW), code=d.code, reasons="Không thuộc thẩm quyền")


def extend(uow: FakeUnitOfWork, d: Dossier, actor: Actor = SPECIALIST, new: datetime | None = None) -> Dossier:
    return lifecycle.extend(uow, actor=actor, calendar=CALENDAR, clock=Clock(NOW), code=d.code,
                            reasons="Cần xác minh thêm", new_due_at=new or d.due_at + timedelta(days=1))


# -- supplementation -------------------------------------------------------------------------------------

def test_a_supplementation_request_is_stored_with_its_events_and_an_expiry_job() -> None:
    uow, d = given()
    request(uow, d)
    stored = uow.stored(d.code)
    assert uow.commits == 1 and stored.status == S.SUPPLEMENT_REQUESTED and stored.paused_at == NOW
    assert history(uow, d) == [EventKind.STATUS_CHANGED, EventKind.NOTICE_ISSUED, EventKind.CLOCK_PAUSED]
    [job] = jobs(uow, JobKind.SUPPLEMENT_EXPIRY)
    reply_by = datetime(2025, 7, 23, 17, 0, tzinfo=VN_TZ)  # 7 working days after Monday
    assert (job.run_at, job.dossier_id, job.payload) == (reply_by, d.id, {"number": 1})
    assert (stored.notices[0].reply_by, stored.notices[0].unit_id) == (reply_by, VY_DA)


@pytest.mark.parametrize("counter", [COUNTER, officer(Role.RECEPTION, THUAN_HOA)], ids=["receiving", "returning"])
def test_once_received_only_the_handling_unit_asks_for_supplementation(counter: Actor) -> None:
    """The counter guided the applicant before it accepted (engine/services/intake.py); after reception what
    is missing is the handling unit's to ask."""
    uow, d = given(returning=THUAN_HOA)
    before = uow.snapshot()
    with pytest.raises(ForbiddenError, match="current step"):
        request(uow, d, counter)
    assert not uow.committed and uow.tables == before


def test_a_procedure_without_supplement_days_schedules_no_expiry() -> None:
    uow, d = given(procedure=BIRTH)
    request(uow, d)
    assert uow.committed and jobs(uow, JobKind.SUPPLEMENT_EXPIRY) == []
    assert uow.stored(d.code).notices[0].reply_by is None


def test_supplementing_restarts_the_clock_moves_the_ready_step_and_watches_the_new_deadline() -> None:
    uow, d = given()
    request(uow, d)
    review_due = steps(uow)["review"].due_at
    supplement(uow, d, at=NOW + timedelta(days=1))  # 8 office hours later
    stored = uow.stored(d.code)
    friday = datetime(2025, 7, 18, 17, 0, tzinfo=VN_TZ)
    assert uow.commits == 2 and stored.status == S.PROCESSING and stored.due_at == friday
    assert stored.notices[0].answered_at == NOW + timedelta(days=1)
    assert steps(uow)["review"].due_at == CALENDAR.add_working_hours(review_due, 8)
    assert history(uow, d)[3:] == [EventKind.STATUS_CHANGED, EventKind.CLOCK_RESUMED, EventKind.SUPPLEMENTED]
    [watch] = jobs(uow, JobKind.DEADLINE_WATCH)
    assert (watch.run_at, watch.dossier_id) == (near_due_at(friday, CALENDAR), d.id)


# -- ending early ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("command", "actor", "status", "kind"), [
    (withdraw, COUNTER, S.WITHDRAWN, NoticeKind.WITHDRAWAL),
    (withdraw, officer(Role.RECEPTION, THUAN_HOA), S.WITHDRAWN, NoticeKind.WITHDRAWAL),  # the returning centre
    (stop, SPECIALIST, S.STOPPED, NoticeKind.STOP),
], ids=["withdraw", "withdraw-at-return", "stop"])
def test_ending_early_stores_the_notice_and_cancels_the_ready_steps(command: Callable[..., Dossier], actor: Actor,
                                                                    status: S, kind: NoticeKind) -> None:
    uow, d = given(returning=THUAN_HOA)
    command(uow, d, actor)
    stored = uow.stored(d.code)
    assert uow.commits == 1 and stored.status == status and stored.finished_at == NOW
    assert [(n.kind, n.number) for n in stored.notices] == [(kind, 1)]
    assert steps(uow)["review"].status == TaskStatus.CANCELLED and steps(uow)["review"].completed_at == NOW
    assert steps(uow)["receive"].status == TaskStatus.COMPLETED
    assert history(uow, d) == [EventKind.NOTICE_ISSUED, EventKind.STATUS_CHANGED]


def test_stopping_a_dossier_waiting_for_supplementation_finishes_it_when_the_wait_began() -> None:
    uow, d = given(S.SUPPLEMENT_REQUESTED)  # asked at T0
    stop(uow, d)
    assert uow.stored(d.code).finished_at == T0 and uow.stored(d.code).paused_at is None


# -- a new appointment -----------------------------------------------------------------------------------

def test_an_apology_stores_the_new_appointment_and_keeps_the_deadline() -> None:
    uow, d = given()
    new = d.due_at + timedelta(days=1)
    extend(uow, d, new=new)
    stored = uow.stored(d.code)
    assert uow.commits == 1 and stored.due_at == new and stored.deadline_at == d.due_at
    assert stored.notices[0].kind == NoticeKind.APOLOGY
    assert history(uow, d) == [EventKind.NOTICE_ISSUED, EventKind.DEADLINE_EXTENDED]


# -- refusals write nothing ------------------------------------------------------------------------------

def _apologised() -> tuple[FakeUnitOfWork, Dossier]:
    uow, d = given()
    extend(uow, d)
    return uow, d


REFUSALS: list[tuple[str, Callable[[], tuple[FakeUnitOfWork, Dossier]], Callable[..., Dossier], Actor,
                     type[DomainError]]] = [
    ("request-unknown", given, lambda u, d, a: request(u, d, a, code="19768-250714-9999"), SPECIALIST,
     NotFoundError),
    ("request-other-unit", given, request, ELSEWHERE, ForbiddenError),
    ("request-no-step", given, request, LEADER, ForbiddenError),
    ("request-by-counter", given, request, COUNTER, ForbiddenError),
    ("request-twice", lambda: given(S.SUPPLEMENT_REQUESTED), request, SPECIALIST, ConflictError),
    ("request-no-items", given, lambda u, d, a: request(u, d, a, items=[]), SPECIALIST, ValidationFailedError),
    ("supplement-by-handler", lambda: given(S.SUPPLEMENT_REQUESTED), supplement, SPECIALIST, ForbiddenError),
    ("supplement-unasked", given, supplement, COUNTER, ConflictError),
    ("withdraw-by-handler", given, withdraw, SPECIALIST, ForbiddenError),
    ("withdraw-returned", lambda: given(S.RETURNED), withdraw, COUNTER, ConflictError),
    ("stop-by-counter", given, stop, COUNTER, ForbiddenError),
    ("stop-by-leader", given, stop, LEADER, ForbiddenError),
    ("stop-result-ready", lambda: given(S.RESULT_READY), stop, SPECIALIST, ConflictError),
    ("stop-returned", lambda: given(S.RETURNED), stop, SPECIALIST, ConflictError),
    ("stop-unknown", given, lambda u, d, a: lifecycle.stop(u, actor=a, clock=Clock(NOW), code="x", reasons="x"),
     SPECIALIST, NotFoundError),
    ("stop-no-reasons", given, lambda u, d, a: lifecycle.stop(u, actor=a, clock=Clock(NOW), code=d.code, reasons=""),
     SPECIALIST, ValidationFailedError),
    ("extend-by-counter", given, extend, COUNTER, ForbiddenError),
    ("extend-twice", _apologised, extend, SPECIALIST, ConflictError),
    ("extend-to-saturday", given, lambda u, d, a: extend(u, d, a, datetime(2025, 7, 19, 9, 0, tzinfo=VN_TZ)),
     SPECIALIST, ValidationFailedError),
    ("extend-while-waiting", lambda: given(S.SUPPLEMENT_REQUESTED), extend, SPECIALIST, ConflictError),
]


@pytest.mark.parametrize(("setup", "command", "actor", "error"), [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_a_refused_command_writes_nothing(setup: Callable[[], tuple[FakeUnitOfWork, Dossier]],
                                          command: Callable[..., Dossier], actor: Actor,
                                          error: type[DomainError]) -> None:
    uow, d = setup()
    before, commits = uow.snapshot(), uow.commits
    with pytest.raises(error):
        command(uow, d, actor)
    assert not uow.committed and uow.commits == commits
    assert uow.tables == before


def test_a_409_names_the_current_status() -> None:
    uow, d = given(S.RESULT_READY)
    with pytest.raises(ConflictError) as refused:
        stop(uow, d)
    assert refused.value.status == "result_ready"


# -- the supplementation expiry job, through the worker --------------------------------------------------

def run_jobs(uow: FakeUnitOfWork, at: datetime) -> int:
    return worker.run_due(lambda: uow, handlers=worker.handlers(calendar=CALENDAR, catalogue=catalogue()),
                          clock=Clock(at))


def test_an_unanswered_request_stops_the_dossier_when_its_days_are_over() -> None:
    """Status 8 in the name of the unit that asked: a received dossier is never `refused` (not received)."""
    uow, d = given()
    request(uow, d)
    [job] = jobs(uow, JobKind.SUPPLEMENT_EXPIRY)
    assert run_jobs(uow, job.run_at - timedelta(seconds=1)) == 0
    assert run_jobs(uow, job.run_at) == 1
    stored = uow.stored(d.code)
    notice = stored.notices[-1]
    assert stored.status == S.STOPPED and stored.finished_at == NOW  # when the wait began
    assert (notice.kind, notice.officer_id, notice.unit_id) == (NoticeKind.STOP, None, VY_DA)
    assert "số 1" in notice.reasons and "23/07/2025" in notice.reasons
    assert steps(uow)["review"].status == TaskStatus.CANCELLED
    assert uow.tables.jobs[job.id or 0].status == JobStatus.DONE
    assert [e.actor_id for e in uow.tables.history if e.at == job.run_at] == [None, None]


def test_a_supplemented_request_expires_without_effect() -> None:
    uow, d = given()
    request(uow, d)
    supplement(uow, d)
    [job] = jobs(uow, JobKind.SUPPLEMENT_EXPIRY)
    before = uow.snapshot()
    with uow:
        lifecycle.expire_supplement(uow, job, now=job.run_at)
        uow.commit()
    assert uow.tables == before


def test_a_second_supplementation_request_is_refused_and_changes_nothing() -> None:
    uow, d = given()
    request(uow, d)
    supplement(uow, d)
    before = uow.snapshot()
    with pytest.raises(ConflictError, match="the law allows one written request"):
        request(uow, d)
    assert uow.tables == before


def test_notices_record_the_role_the_officer_wrote_them_in() -> None:
    uow, d = given()
    request(uow, d)
    assert uow.stored(d.code).notices[0].officer_role == Role.SPECIALIST.value
    assert lifecycle.acting_role(officer(Role.LEADER, VY_DA)) == Role.LEADER.value
    assert lifecycle.acting_role(COUNTER) == Role.RECEPTION.value
