"""The one-stop actions every procedure obeys once a dossier is received (Decree 118, DOMAIN.md §2.3):
supplementation, withdrawal, stop, apology with a new appointment, and return of the result.

Each command locks the dossier, checks who may act (engine/domain/permissions.py), lets the dossier
apply the rule (engine/domain/dossier.py: the lifecycle table, 409 with the current status if it does
not allow the action; the notice and history events), stores what changed, and commits once. The BPMN
process is not told: the engine owns these rules, and a dossier that waits or has ended accepts no step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from engine.domain import permissions
from engine.domain.actor import Actor, Role
from engine.domain.calendar import VN_TZ, WorkingCalendar
from engine.domain.dossier import Dossier, ReturnMethod
from engine.domain.errors import ForbiddenError, NotFoundError
from engine.domain.job import Job, JobKind
from engine.domain.lifecycle import Action, next_status
from engine.domain.notice import MissingItem, Notice
from engine.domain.permissions import require_centre, require_handler
from engine.domain.ports import UnitOfWork
from engine.domain.task import Task
from engine.services.catalogue import Catalogue
from engine.services.deadlines import watch_deadline
from engine.services.tasks import complete_locked, returning_step


def request_supplement(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, calendar: WorkingCalendar,
                       clock: Callable[[], datetime], code: str, reasons: str, items: list[MissingItem]) -> Dossier:
    """Ask once, in writing, for every missing component; the clock stops until they arrive."""
    with uow:
        dossier, now = _locked(uow, actor, code), clock()
        require_handler(actor, _steps(uow, dossier))  # the counter guided before it accepted
        days = catalogue.version(uow.procedures, dossier.procedure_version_id).manifest.get("supplement_days")
        reply_by = calendar.add_working_days(now, days) if days else None
        notice = dossier.request_supplement(now, actor.user_id, actor.unit_id, reasons, items, reply_by)
        _written_by(notice, actor)
        if reply_by is not None:
            uow.jobs.add(Job(JobKind.SUPPLEMENT_EXPIRY, reply_by, dossier.id, {"number": notice.number}))
        return _save(uow, dossier)


def supplement(uow: UnitOfWork, *, actor: Actor, calendar: WorkingCalendar, clock: Callable[[], datetime], code: str,
               note: str = "") -> Dossier:
    """The applicant brought the missing components: the clock restarts and the appointment moves."""
    with uow:
        dossier, now = _locked(uow, actor, code), clock()
        require_centre(actor, dossier)
        moved = dossier.supplement(now, actor.user_id, actor.unit_id, note, calendar, _steps(uow, dossier))
        clock_restarted(uow, dossier, moved, calendar)
        return _save(uow, dossier)


def withdraw(uow: UnitOfWork, *, actor: Actor, clock: Callable[[], datetime], code: str, reasons: str) -> Dossier:
    """Record the applicant's request to withdraw the dossier (national status 7)."""
    with uow:
        dossier = _locked(uow, actor, code)
        require_centre(actor, dossier)
        _end(uow, dossier, Action.WITHDRAW, clock(), actor.user_id, actor.unit_id, reasons)
        _written_by(dossier.notices[-1], actor)
        return _save(uow, dossier)


def stop(uow: UnitOfWork, *, actor: Actor, clock: Callable[[], datetime], code: str, reasons: str) -> Dossier:
    """The handling unit finds the dossier ineligible: it refuses to resolve it, with written reasons, and the
    handling stops (national status 8); the stop notice (Mẫu 05) says so (engine/domain/slip.py `stop_ground`)."""
    with uow:
        dossier = _locked(uow, actor, code)
        steps = _steps(uow, dossier)
        require_handler(actor, steps)
        _end(uow, dossier, Action.STOP, clock(), actor.user_id, actor.unit_id, reasons, steps)
        _written_by(dossier.notices[-1], actor)
        return _save(uow, dossier)


def extend(uow: UnitOfWork, *, actor: Actor, calendar: WorkingCalendar, clock: Callable[[], datetime], code: str,
           reasons: str, new_due_at: datetime) -> Dossier:
    """Apologise and set a new appointment: once per dossier, at the latest one working day before the
    appointment (engine/domain/lifecycle.py `apology_deadline`)."""
    with uow:
        dossier, now = _locked(uow, actor, code), clock()
        require_handler(actor, _steps(uow, dossier))
        dossier.extend(now, actor.user_id, actor.unit_id, reasons, new_due_at, calendar)
        _written_by(dossier.notices[-1], actor)
        return _save(uow, dossier)


def return_result(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, calendar: WorkingCalendar,
                  clock: Callable[[], datetime], code: str, method: ReturnMethod, data: dict[str, Any]) -> Dossier:
    """Hand the result to the applicant: complete the ready `returned` step with who collected it. A dossier
    another province handles has no step here: the data is checked against the procedure's return step form and
    travels to the handler, whose step it completes (engine/domain/exchange_sender.py)."""
    with uow:
        dossier = _locked(uow, actor, code)
        next_status(Action.RETURN, dossier.status)
        if permissions.is_sender(dossier):
            _return_at_sender(uow, dossier, actor=actor, catalogue=catalogue, now=clock(), method=method, data=data)
            return _save(uow, dossier)
        step = returning_step(uow, catalogue, dossier)
        dossier.return_method = method
        complete_locked(uow, dossier, step, actor=actor, catalogue=catalogue, calendar=calendar,
                        now=clock(), data=data)
        return _save(uow, dossier)


def _return_at_sender(uow: UnitOfWork, dossier: Dossier, *, actor: Actor, catalogue: Catalogue, now: datetime,
                      method: ReturnMethod, data: dict[str, Any]) -> None:
    """The return of a dossier handled in another province, at this deployment's return centre: what its
    return step (milestone `returned`) would record, checked against that step's form and kept for the
    `returned` package; the status moves as the step's milestone would have moved it."""
    assert dossier.exchange is not None
    actor.require(Role.RECEPTION.value, dossier.return_unit_id)
    procedure = catalogue.version(uow.procedures, dossier.procedure_version_id)
    form = next((s.properties.get("form") for s in catalogue.spec(procedure).human_steps
                 if s.properties.get("milestone") == "returned"), None)
    if form:
        procedure.check_form(form, data)
    dossier.return_method = method
    dossier.exchange.return_data = data
    dossier.take(Action.RETURN, now, actor.user_id, actor.unit_id)


def expire_supplement(uow: UnitOfWork, job: Job, *, now: datetime) -> None:
    """Background job: the applicant did not supplement within the legal days, so handling stops (status 8:
    a received dossier is never `refused`, which means not received)."""
    dossier = uow.dossiers.get_by_id(job.dossier_id, lock=True) if job.dossier_id is not None else None
    pending = dossier.pending_supplement if dossier is not None else None
    if dossier is None or pending is None or pending.number != job.payload.get("number"):
        return  # supplemented meanwhile, or ended another way
    days = (pending.reply_by or now).astimezone(VN_TZ).date()
    reasons = (f"Quá thời hạn bổ sung hồ sơ theo Phiếu yêu cầu bổ sung số {pending.number} "
               f"(hạn {days:%d/%m/%Y}) mà chưa nhận được thành phần hồ sơ bổ sung.")
    _end(uow, dossier, Action.STOP, now, None, pending.unit_id, reasons)
    uow.dossiers.update(dossier)


def _written_by(notice: Notice, actor: Actor) -> None:
    """Record who wrote the notice, as its slip's signature block needs it."""
    notice.officer_role = acting_role(actor)
    notice.officer_deputy = actor.deputy and notice.officer_role == Role.LEADER.value


def acting_role(actor: Actor) -> str:
    """The role an officer writes a notice in, which decides who signs its slip (engine/domain/slip.py
    `signature`): the unit's leader signs himself; a specialist's notice awaits the head's signature; a
    reception officer's request is the centre's own slip."""
    for role in (Role.LEADER, Role.SPECIALIST, Role.RECEPTION):
        if role.value in actor.roles:
            return role.value
    return sorted(actor.roles)[0] if actor.roles else Role.SPECIALIST.value


def available_actions(dossier: Dossier, tasks: list[Task], actor: Actor, now: datetime) -> list[Action]:
    """The lifecycle actions `actor` may take on the dossier now (engine/domain/permissions.py), so a page
    offers exactly the buttons that would succeed."""
    return permissions.available_actions(dossier, tasks, actor, now)


def clock_restarted(uow: UnitOfWork, dossier: Dossier, moved: list[Task], calendar: WorkingCalendar) -> None:
    """Store the steps whose due time moved with the restarted clock, and watch the new deadline."""
    for step in moved:
        uow.tasks.update(step)
    watch_deadline(uow, dossier, calendar)


def _end(uow: UnitOfWork, dossier: Dossier, action: Action, now: datetime, by: int | None, unit_id: str,
         reasons: str, steps: list[Task] | None = None) -> None:
    """Processing ends early: the dossier takes the action, and its ready steps leave every inbox."""
    next_status(action, dossier.status)
    for step in dossier.end(action, now, by, unit_id, reasons, steps if steps is not None else _steps(uow, dossier)):
        uow.tasks.update(step)


def _locked(uow: UnitOfWork, actor: Actor, code: str) -> Dossier:
    dossier = uow.dossiers.get(code, lock=True)
    if dossier is None:
        raise NotFoundError(f"dossier {code} does not exist", code="dossier_not_found", dossier=code)
    if not dossier.involves(actor.unit_id):
        raise ForbiddenError(f"dossier {code} is not received, handled or returned by your unit",
                             code="dossier_not_yours", dossier=code)
    return dossier


def _steps(uow: UnitOfWork, dossier: Dossier) -> list[Task]:
    assert dossier.id is not None
    return uow.tasks.of_dossier(dossier.id)


def _save(uow: UnitOfWork, dossier: Dossier) -> Dossier:
    uow.dossiers.update(dossier)
    uow.commit()
    return dossier
