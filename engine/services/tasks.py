"""Task use cases: an officer's inbox (tasks for their unit and roles) and completing a task.

Completing locks the dossier row, checks the task is still ready, validates the form and moves the
workflow, so of two officers completing the same task exactly one succeeds; the other gets 409.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from engine.domain.actor import Actor
from engine.domain.calendar import WorkingCalendar
from engine.domain.dossier import Dossier
from engine.domain.errors import ConflictError, NotFoundError
from engine.domain.inbox import InboxItem, InboxQuery, UrgentSteps
from engine.domain.lifecycle import Action, next_status
from engine.domain.ports import UnitOfWork
from engine.domain.task import Task, TaskStatus
from engine.domain.timeliness import NEAR_DUE_HOURS, Timeliness, of_step
from engine.services.catalogue import Catalogue
from engine.services.claims import held_error, name_holders
from engine.services.progress import Completion, record_progress
from engine.workflow import WorkflowInstance


def inbox(uow: UnitOfWork, *, actor: Actor, query: InboxQuery, clock: Callable[[], datetime],
          calendar: WorkingCalendar, limit: int, offset: int) -> tuple[list[InboxItem], int]:
    """A page of the steps waiting for (or done by) the actor's unit and roles, filtered over the whole inbox
    so the total counts what the filter shows, each with its dossier's applicant and its timeliness now."""
    now, query = clock(), replace(query, me=actor.user_id)
    with uow:
        urgent = _urgent_steps(uow, actor, query, now, calendar) if query.urgency else None
        items, total = uow.tasks.inbox(unit_id=actor.unit_id, roles=actor.roles, query=query, urgent=urgent,
                                       limit=limit, offset=offset)
        name_holders(uow, [item.task for item in items])
    return [replace(item, timeliness=None if item.clock_stopped_since else of_step(item.task, now, calendar))
            for item in items], total


def _urgent_steps(uow: UnitOfWork, actor: Actor, query: InboxQuery, now: datetime,
                  calendar: WorkingCalendar) -> UrgentSteps:
    """The urgency filter at `now`. Near due depends on each step's allotment in office hours, which SQL cannot
    count: the steps due within the next working day (a bound no near-due step passes) are judged here by
    timeliness.of_step, the same rule as each row's mark, and named to the query."""
    assert query.urgency is not None
    near_due: frozenset[str] | None = None
    if Timeliness.NEAR_DUE in query.urgency.marks:
        soon = uow.tasks.ready_due_between(unit_id=actor.unit_id, roles=actor.roles, start=now,
                                           end=calendar.add_working_hours(now, NEAR_DUE_HOURS + 1))
        near_due = frozenset(t.id for t in soon if of_step(t, now, calendar) == Timeliness.NEAR_DUE)
    return UrgentSteps(now, Timeliness.OVERDUE in query.urgency.marks, near_due)


def complete(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, calendar: WorkingCalendar,
             clock: Callable[[], datetime], task_id: str, data: dict[str, Any]) -> Dossier:
    with uow:
        found = uow.dossiers.with_task(task_id, lock=True)
        if found is None:
            raise NotFoundError(f"task {task_id} does not exist")
        dossier, task = found
        complete_locked(uow, dossier, task_id, actor=actor, catalogue=catalogue, calendar=calendar, now=clock(),
                        data=data, task=task)
        uow.dossiers.update(dossier)
        uow.commit()
        return dossier


def complete_locked(uow: UnitOfWork, dossier: Dossier, task_id: str, *, actor: Actor, catalogue: Catalogue,
                    calendar: WorkingCalendar, now: datetime, data: dict[str, Any], task: Task | None = None) -> None:
    """Complete a task of a dossier the caller has locked, inside the caller's transaction; `task` is its row
    if the caller read it under that lock."""
    next_status(Action.COMPLETE_STEP, dossier.status)  # no step moves while the dossier waits or has ended
    if task is None:
        task = uow.tasks.get(task_id)  # read under the dossier lock: another officer may have just completed it
    if task is None:
        raise NotFoundError(f"task {task_id} does not exist")
    if task.status != TaskStatus.READY:
        raise ConflictError(f"task {task_id} is already {task.status.value}", status=dossier.status.value,
                            code="step_not_ready", step=task.name, step_status=task.status.value)
    actor.require(task.role, task.unit_id)
    if task.held_by_other(actor.user_id):
        raise held_error(uow, task, dossier)
    if task.claimed_by is None:  # completing an unheld step takes it (its row shows who did it)
        task.claimed_by, task.claimed_at = actor.user_id, now
    procedure = catalogue.version(uow.procedures, dossier.procedure_version_id)
    if task.form_id:
        procedure.check_form(task.form_id, data)
    instance = WorkflowInstance.restore(catalogue.spec(procedure), dossier.workflow_state)
    ready_before = instance.ready_ids()
    step = instance.complete(task.id, data)
    record_progress(uow, dossier, instance, procedure, completed=Completion(task, step, data),
                    ready_before=ready_before, actor_id=actor.user_id, now=now, calendar=calendar)


def returning_step(uow: UnitOfWork, catalogue: Catalogue, dossier: Dossier) -> str:
    """The id of the dossier's ready step marked `milestone: returned` (handing the result over)."""
    procedure = catalogue.version(uow.procedures, dossier.procedure_version_id)
    instance = WorkflowInstance.restore(catalogue.spec(procedure), dossier.workflow_state)
    steps = [t.id for t in instance.ready_human_tasks() if t.properties.get("milestone") == "returned"]
    if not steps:
        raise ConflictError(f"dossier {dossier.code} has no result waiting to be returned ({dossier.status.value})",
                            status=dossier.status.value, code="no_result_to_return", dossier=dossier.code)
    return steps[0]
