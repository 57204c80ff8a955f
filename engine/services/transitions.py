"""Status changes and the clock, shared by every command that moves a dossier.

`apply` is the only place a dossier's status is set: it asks the lifecycle table, stamps the end of
processing, and writes the history event. Stopping and restarting the clock moves the appointment,
the legal deadline and every open step's due time by the office hours that passed meanwhile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.domain.calendar import WorkingCalendar
from engine.domain.dossier import Dossier, EventKind, HistoryEvent, TaskStatus
from engine.domain.job import Job, JobKind
from engine.domain.lifecycle import PROCESSING_ENDS, Action, next_status
from engine.domain.status import DossierStatus
from engine.domain.timeliness import near_due_at


def apply(uow: Any, dossier: Dossier, action: Action, now: datetime, actor_id: int | None,
          unit_id: str | None) -> None:
    """Take `action` on the dossier, or raise ConflictError (409) if its status does not allow it."""
    status = next_status(action, dossier.status)
    if status == dossier.status:
        return
    previous, dossier.status = dossier.status, status
    # The statistics fold these facts from the history (engine/domain/stat_spans.py).
    facts: dict[str, Any] = {}
    if status == DossierStatus.RESULT_READY:
        dossier.result_ready_at = now
    elif status == DossierStatus.RETURNED:
        dossier.returned_at = now
        facts["method"] = dossier.return_method.value if dossier.return_method else None
    if status in PROCESSING_ENDS:
        dossier.finished_at = dossier.finished_at or now
        facts["finished_at"] = dossier.finished_at.isoformat()
    log_event(uow, dossier, EventKind.STATUS_CHANGED, now, actor_id, unit_id,
              status=status.value, previous=previous.value, action=action.value, **facts)


def pause_clock(uow: Any, dossier: Dossier, now: datetime, actor_id: int | None, unit_id: str | None,
                reason: str) -> None:
    if dossier.paused_at is None:
        dossier.paused_at = now
        log_event(uow, dossier, EventKind.CLOCK_PAUSED, now, actor_id, unit_id, reason=reason)


def resume_clock(uow: Any, dossier: Dossier, now: datetime, actor_id: int | None, unit_id: str | None,
                 calendar: WorkingCalendar, reason: str) -> None:
    """Restart a stopped clock: the appointment, deadline and open steps move by the paused office hours."""
    if dossier.paused_at is None:
        return
    paused_at, dossier.paused_at = dossier.paused_at, None
    dossier.due_at = calendar.resume(dossier.due_at, paused_at, now)
    dossier.deadline_at = calendar.resume(dossier.deadline_at or dossier.due_at, paused_at, now)
    assert dossier.id is not None
    for task in uow.tasks.of_dossier(dossier.id):
        if task.status == TaskStatus.READY:
            task.due_at = calendar.resume(task.due_at, paused_at, now)
            uow.tasks.update(task)
    log_event(uow, dossier, EventKind.CLOCK_RESUMED, now, actor_id, unit_id, reason=reason,
              paused_hours=calendar.working_hours_between(paused_at, now), due_at=dossier.due_at.isoformat(),
              deadline_at=dossier.deadline_at.isoformat())
    watch_deadline(uow, dossier, calendar)


def close_open_tasks(uow: Any, dossier: Dossier, now: datetime) -> None:
    """Processing ended early (refused, withdrawn, stopped): the steps leave every inbox."""
    assert dossier.id is not None
    for task in uow.tasks.of_dossier(dossier.id):
        if task.status == TaskStatus.READY:
            task.status, task.completed_at = TaskStatus.CANCELLED, now
            uow.tasks.update(task)


def watch_deadline(uow: Any, dossier: Dossier, calendar: WorkingCalendar) -> None:
    """Schedule the check that marks the dossier near due (one working day left), then overdue."""
    uow.jobs.add(Job(JobKind.DEADLINE_WATCH, near_due_at(dossier.deadline_at or dossier.due_at, calendar),
                     dossier_id=dossier.id))


def log_event(uow: Any, dossier: Dossier, kind: EventKind, at: datetime, actor_id: int | None,
              unit_id: str | None, **data: Any) -> None:
    uow.history.append(HistoryEvent(kind, at, actor_id, unit_id, data, dossier_id=dossier.id))
