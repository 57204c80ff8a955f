"""The one-stop actions every procedure obeys (Decree 118, DOMAIN.md §2.3): supplementation, refusal,
withdrawal, stop, apology with a new appointment, and return of the result.

Each command locks the dossier, asks the lifecycle table whether the action is allowed (409 with the
current status if not), writes its notice and history event, and commits once. The BPMN process is
not told: the engine owns these rules, and a dossier that waits or has ended accepts no step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from engine.domain.actor import Actor, Role
from engine.domain.calendar import VN_TZ, WorkingCalendar
from engine.domain.dossier import Dossier, EventKind, ReturnMethod, Task, TaskStatus
from engine.domain.errors import ConflictError, FieldError, ForbiddenError, NotFoundError, ValidationFailedError
from engine.domain.job import Job, JobKind
from engine.domain.lifecycle import Action, allows, next_status
from engine.domain.notice import MissingItem, Notice, NoticeKind
from engine.services.catalogue import Catalogue
from engine.services.tasks import complete_locked, returning_step
from engine.services.transitions import apply, close_open_tasks, log_event, pause_clock, resume_clock

SUPPLEMENTATION = "supplementation"  # the clock-pause reason while the applicant supplements


def request_supplement(uow: Any, *, actor: Actor, catalogue: Catalogue, calendar: WorkingCalendar,
                       clock: Callable[[], datetime], code: str, reasons: str, items: list[MissingItem]) -> Dossier:
    """Ask once, in writing, for every missing component; the clock stops until they arrive."""
    with uow:
        dossier, now = _locked(uow, actor, code), clock()
        _require_centre_or_handler(uow, actor, dossier)
        if not items:
            raise ValidationFailedError("list every missing component", [FieldError("/items", "must not be empty")])
        apply(uow, dossier, Action.REQUEST_SUPPLEMENT, now, actor.user_id, actor.unit_id)
        days = catalogue.version(uow.procedures, dossier.procedure_version_id).manifest.get("supplement_days")
        notice = _issue(uow, dossier, NoticeKind.SUPPLEMENT_REQUEST, now, actor, reasons, items=items,
                        due_before=dossier.due_at, reply_by=calendar.add_working_days(now, days) if days else None)
        pause_clock(uow, dossier, now, actor.user_id, actor.unit_id, reason=SUPPLEMENTATION)
        if notice.reply_by is not None:
            uow.jobs.add(Job(JobKind.SUPPLEMENT_EXPIRY, notice.reply_by, dossier.id, {"number": notice.number}))
        return _save(uow, dossier)


def supplement(uow: Any, *, actor: Actor, calendar: WorkingCalendar, clock: Callable[[], datetime], code: str,
               note: str = "") -> Dossier:
    """The applicant brought the missing components: the clock restarts and the appointment moves."""
    with uow:
        dossier, now = _locked(uow, actor, code), clock()
        _require_centre(actor, dossier)
        apply(uow, dossier, Action.SUPPLEMENT, now, actor.user_id, actor.unit_id)
        notice = dossier.pending_supplement
        assert notice is not None, "a dossier waiting for supplementation has an open request"
        resume_clock(uow, dossier, now, actor.user_id, actor.unit_id, calendar, reason=SUPPLEMENTATION)
        notice.answered_at, notice.answered_by, notice.due_after = now, actor.user_id, dossier.due_at
        notice.answer_note = note.strip()
        log_event(uow, dossier, EventKind.SUPPLEMENTED, now, actor.user_id, actor.unit_id,
                  number=notice.number, due_at=dossier.due_at.isoformat())
        return _save(uow, dossier)


def refuse(uow: Any, *, actor: Actor, clock: Callable[[], datetime], code: str, reasons: str) -> Dossier:
    """Refuse the dossier at reception, with written reasons (national status 3)."""
    with uow:
        dossier = _locked(uow, actor, code)
        actor.require(Role.RECEPTION.value, dossier.receiving_unit_id)
        _end(uow, dossier, Action.REFUSE, NoticeKind.REFUSAL, clock(), actor, reasons)
        return _save(uow, dossier)


def withdraw(uow: Any, *, actor: Actor, clock: Callable[[], datetime], code: str, reasons: str) -> Dossier:
    """Record the applicant's request to withdraw the dossier (national status 7)."""
    with uow:
        dossier = _locked(uow, actor, code)
        _require_centre(actor, dossier)
        _end(uow, dossier, Action.WITHDRAW, NoticeKind.WITHDRAWAL, clock(), actor, reasons)
        return _save(uow, dossier)


def stop(uow: Any, *, actor: Actor, clock: Callable[[], datetime], code: str, reasons: str) -> Dossier:
    """The handling unit finds the dossier ineligible and stops handling it (national status 8)."""
    with uow:
        dossier = _locked(uow, actor, code)
        _require_handler(uow, actor, dossier)
        _end(uow, dossier, Action.STOP, NoticeKind.STOP, clock(), actor, reasons)
        return _save(uow, dossier)


def extend(uow: Any, *, actor: Actor, calendar: WorkingCalendar, clock: Callable[[], datetime], code: str,
           reasons: str, new_due_at: datetime) -> Dossier:
    """Apologise and set a new appointment: once per dossier, before the appointment has passed."""
    with uow:
        dossier, now = _locked(uow, actor, code), clock()
        _require_handler(uow, actor, dossier)
        next_status(Action.EXTEND, dossier.status)
        if dossier.notices_of(NoticeKind.APOLOGY):
            raise ConflictError(f"dossier {code} already had its appointment moved once", status=dossier.status.value)
        if now >= dossier.due_at:
            raise ConflictError(f"the appointment of dossier {code} has passed; an apology must come before it",
                                status=dossier.status.value)
        _check_new_appointment(calendar, dossier, new_due_at)
        _issue(uow, dossier, NoticeKind.APOLOGY, now, actor, reasons, due_before=dossier.due_at,
               due_after=new_due_at)
        dossier.due_at = new_due_at  # the deadline timeliness is judged by stays where it was
        log_event(uow, dossier, EventKind.DEADLINE_EXTENDED, now, actor.user_id, actor.unit_id,
                  reason="apology", due_at=new_due_at.isoformat())
        return _save(uow, dossier)


def return_result(uow: Any, *, actor: Actor, catalogue: Catalogue, calendar: WorkingCalendar,
                  clock: Callable[[], datetime], code: str, method: ReturnMethod, data: dict[str, Any]) -> Dossier:
    """Hand the result to the applicant: complete the ready `returned` step with who collected it."""
    with uow:
        dossier = _locked(uow, actor, code)
        next_status(Action.RETURN, dossier.status)
        step = returning_step(uow, catalogue, dossier)
        dossier.return_method = method
        complete_locked(uow, dossier, step, actor=actor, catalogue=catalogue, calendar=calendar,
                        now=clock(), data=data)
        return _save(uow, dossier)


def expire_supplement(uow: Any, job: Job, *, now: datetime, **_: Any) -> None:
    """Background job: the applicant did not supplement within the legal days, so the dossier is refused."""
    dossier = uow.dossiers.get_by_id(job.dossier_id, lock=True) if job.dossier_id is not None else None
    pending = dossier.pending_supplement if dossier is not None else None
    if dossier is None or pending is None or pending.number != job.payload.get("number"):
        return  # supplemented meanwhile, or ended another way
    days = (pending.reply_by or now).astimezone(VN_TZ).date()
    reasons = (f"Quá thời hạn bổ sung hồ sơ theo Phiếu yêu cầu bổ sung số {pending.number} "
               f"(hạn {days:%d/%m/%Y}) mà chưa nhận được thành phần hồ sơ bổ sung.")
    _end(uow, dossier, Action.REFUSE, NoticeKind.REFUSAL, now, None, reasons, unit_id=dossier.receiving_unit_id)
    uow.dossiers.update(dossier)


def _end(uow: Any, dossier: Dossier, action: Action, kind: NoticeKind, now: datetime, actor: Actor | None,
         reasons: str, unit_id: str | None = None) -> None:
    """Processing ends early: the notice, the status, and the steps leave every inbox."""
    next_status(action, dossier.status)
    if dossier.paused_at is not None:
        # Waiting for the applicant when it ended: the wait is not the agency's time (Decision 766).
        dossier.finished_at, dossier.paused_at = dossier.paused_at, None
    unit = unit_id or (actor.unit_id if actor else dossier.receiving_unit_id)
    _issue(uow, dossier, kind, now, actor, reasons, unit_id=unit)
    apply(uow, dossier, action, now, actor.user_id if actor else None, unit)
    close_open_tasks(uow, dossier, now)


def _issue(uow: Any, dossier: Dossier, kind: NoticeKind, now: datetime, actor: Actor | None, reasons: str,
           unit_id: str | None = None, **details: Any) -> Notice:
    if not reasons.strip():
        raise ValidationFailedError("write the reasons", [FieldError("/reasons", "must not be empty")])
    notice = Notice(kind, len(dossier.notices_of(kind)) + 1, now, unit_id or (actor.unit_id if actor else ""),
                    actor.user_id if actor else None, reasons.strip(), **details)
    dossier.notices.append(notice)
    log_event(uow, dossier, EventKind.NOTICE_ISSUED, now, notice.officer_id, notice.unit_id,
              notice=kind.value, number=notice.number)
    return notice


def _check_new_appointment(calendar: WorkingCalendar, dossier: Dossier, new_due_at: datetime) -> None:
    problem = None
    if new_due_at.tzinfo is None:
        problem = "must carry a time zone"
    elif new_due_at <= dossier.due_at:
        problem = "must be later than the current appointment"
    elif not calendar.is_working_day(new_due_at.astimezone(VN_TZ).date()):
        problem = "must fall on a working day"
    if problem:
        raise ValidationFailedError("the new appointment is not usable", [FieldError("/new_due_at", problem)])


def _locked(uow: Any, actor: Actor, code: str) -> Dossier:
    dossier = uow.dossiers.get(code, lock=True)
    if dossier is None:
        raise NotFoundError(f"dossier {code} does not exist")
    if not dossier.involves(actor.unit_id):
        raise ForbiddenError(f"dossier {code} is not received, handled or returned by your unit")
    return dossier


def _is_centre(actor: Actor, dossier: Dossier) -> bool:
    """A counter officer of the centre that received the dossier or will return it."""
    return any(actor.has(Role.RECEPTION.value, unit) for unit in (dossier.receiving_unit_id, dossier.return_unit_id))


def _is_handler(actor: Actor, tasks: list[Task]) -> bool:
    """An officer with a step of this dossier waiting in their unit's inbox for one of their roles."""
    return any(t.status == TaskStatus.READY and actor.has(t.role, t.unit_id) and t.role != Role.RECEPTION.value
               for t in tasks)


def _require_centre(actor: Actor, dossier: Dossier) -> None:
    if not _is_centre(actor, dossier):
        raise ForbiddenError("this action belongs to the reception counter of the receiving or returning centre")


def _require_handler(uow: Any, actor: Actor, dossier: Dossier) -> None:
    assert dossier.id is not None
    if not _is_handler(actor, uow.tasks.of_dossier(dossier.id)):
        raise ForbiddenError("this action belongs to the unit handling the dossier's current step")


def _require_centre_or_handler(uow: Any, actor: Actor, dossier: Dossier) -> None:
    if actor.has(Role.RECEPTION.value, dossier.receiving_unit_id):
        return
    _require_handler(uow, actor, dossier)


def available_actions(dossier: Dossier, tasks: list[Task], actor: Actor) -> list[Action]:
    """The lifecycle actions `actor` may take on the dossier now, by the same rules the commands check,
    so a page offers exactly the buttons that would succeed."""
    receiving = actor.has(Role.RECEPTION.value, dossier.receiving_unit_id)
    who = {
        Action.REQUEST_SUPPLEMENT: receiving or _is_handler(actor, tasks),
        Action.SUPPLEMENT: _is_centre(actor, dossier),
        Action.REFUSE: receiving,
        Action.WITHDRAW: _is_centre(actor, dossier),
        Action.STOP: _is_handler(actor, tasks),
        Action.EXTEND: _is_handler(actor, tasks) and not dossier.notices_of(NoticeKind.APOLOGY),
        Action.RETURN: actor.has(Role.RECEPTION.value, dossier.return_unit_id),
    }
    return [action for action, allowed in who.items() if allowed and allows(action, dossier.status)]


def _save(uow: Any, dossier: Dossier) -> Dossier:
    uow.dossiers.update(dossier)
    uow.commit()
    return dossier
