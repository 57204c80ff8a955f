"""Task use cases: an officer's inbox (tasks for their unit and roles) and completing a task.

Completing locks the dossier row, checks the task is still ready, validates the form and moves the
workflow, so of two officers completing the same task exactly one succeeds; the other gets 409.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from engine.domain.actor import Actor
from engine.domain.calendar import WorkingCalendar
from engine.domain.dossier import Dossier
from engine.domain.errors import ConflictError, NotFoundError
from engine.domain.lifecycle import Action, next_status
from engine.domain.ports import UnitOfWork
from engine.domain.task import Task, TaskStatus
from engine.services.catalogue import Catalogue
from engine.services.progress import Completion, record_progress
from engine.workflow import WorkflowInstance


def inbox(uow: UnitOfWork, *, actor: Actor, status: TaskStatus, limit: int, offset: int) -> tuple[list[Task], int]:
    with uow:
        return uow.tasks.inbox(unit_id=actor.unit_id, roles=actor.roles, status=status.value,
                               limit=limit, offset=offset)


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
        raise ConflictError(f"task {task_id} is already {task.status.value}", status=dossier.status.value)
    actor.require(task.role, task.unit_id)
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
                            status=dossier.status.value)
    return steps[0]
