"""What every command that moves a workflow does afterwards: index the new human tasks at the
units their lanes are bound to, record completions and hand-overs between units, apply milestones,
stop and restart the clock around a financial-obligation wait, extend the deadline once for
verification, and store the workflow state on the dossier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.domain.calendar import WorkingCalendar
from engine.domain.dossier import Dossier, EventKind
from engine.domain.lifecycle import MILESTONES, Action
from engine.domain.ports import UnitOfWork
from engine.domain.procedure import ProcedureVersion
from engine.domain.status import DossierStatus
from engine.domain.task import Task, TaskStatus
from engine.services.deadlines import watch_deadline
from engine.services.schedule import schedule_timers
from engine.workflow import HumanTask, WorkflowInstance

# Task data an officer sets when the dossier needs verification (xác minh): the legal limit grows once.
VERIFICATION_FLAG = "needs_verification"


@dataclass(frozen=True)
class Completion:
    row: Task
    step: HumanTask
    data: dict[str, Any]


@dataclass(frozen=True)
class Opening:
    """A reception's two workflow steps, run before anything is written: the human tasks ready at the
    start, the reception step among them, and its completion with the counter officer's form."""

    ready: list[HumanTask]
    reception: HumanTask
    step: HumanTask
    data: dict[str, Any]


def record_opening(uow: UnitOfWork, dossier: Dossier, instance: WorkflowInstance, procedure: ProcedureVersion,
                   opening: Opening, *, actor_id: int | None, now: datetime, calendar: WorkingCalendar) -> None:
    """Record a new dossier's opening as two commands would have: the tasks ready at the start indexed,
    then the reception step's completion and what it made ready."""
    rows = {}
    for human in opening.ready:
        rows[human.id] = task = _index(uow, dossier, procedure, human, now, calendar)
        _on_ready(dossier, human, now, actor_id, task.unit_id)
    record_progress(uow, dossier, instance, procedure, completed=Completion(rows[opening.reception.id], opening.step,
                                                                            opening.data),
                    ready_before=frozenset(rows), actor_id=actor_id, now=now, calendar=calendar)


def record_progress(uow: UnitOfWork, dossier: Dossier, instance: WorkflowInstance, procedure: ProcedureVersion, *,
                    completed: Completion | None, ready_before: frozenset[str], actor_id: int | None,
                    now: datetime, calendar: WorkingCalendar) -> list[Task]:
    """Bring the task index, history, status and deadline in line with the workflow after a step.

    `ready_before` are the human tasks the workflow had ready when the command loaded it: the index
    holds exactly those as ready (every command keeps the two in step), so what to index and what to
    cancel follows from the workflow alone, without reading the index. Returns the tasks indexed now.
    """
    assert dossier.id is not None
    if completed is not None:
        _record_completion(uow, dossier, procedure, completed, actor_id, now, calendar)
    ready = instance.ready_human_tasks()
    indexed = []
    for human in ready:
        if human.id not in ready_before:
            task = _index(uow, dossier, procedure, human, now, calendar)
            indexed.append(task)
            if completed is not None and task.unit_id != completed.row.unit_id:
                dossier.record(EventKind.HANDED_OVER, now, actor_id, completed.row.unit_id,
                               from_unit=completed.row.unit_id, to_unit=task.unit_id, step=human.step)
            _on_ready(dossier, human, now, actor_id, task.unit_id)
    done_now = completed.row.id if completed is not None else None
    # Left behind by the process (another path was taken): no longer in anyone's inbox.
    uow.tasks.cancel(ready_before - {h.id for h in ready} - {done_now}, now)
    schedule_timers(uow, dossier, instance, now=now)  # arms the timers reached, so before the snapshot
    dossier.workflow_state = instance.snapshot()
    return indexed


def _record_completion(uow: UnitOfWork, dossier: Dossier, procedure: ProcedureVersion, completed: Completion,
                       actor_id: int | None, now: datetime, calendar: WorkingCalendar) -> None:
    row, step = completed.row, completed.step
    row.status, row.completed_at, row.completed_by, row.data = TaskStatus.COMPLETED, now, actor_id, completed.data
    uow.tasks.update(row)
    dossier.record(EventKind.TASK_COMPLETED, now, actor_id, row.unit_id, step=row.step, name=row.name)
    if step.properties.get("pause") and dossier.status == DossierStatus.AWAITING_PAYMENT:
        assert dossier.id is not None
        moved = dossier.record_payment(now, actor_id, row.unit_id, step.properties["pause"], calendar,
                                       uow.tasks.of_dossier(dossier.id))
        for moved_step in moved:
            uow.tasks.update(moved_step)
        watch_deadline(uow, dossier, calendar)
    if completed.data.get(VERIFICATION_FLAG) is True:
        _extend_for_verification(uow, dossier, procedure, now, actor_id, row.unit_id, calendar)
    milestone = step.properties.get("milestone")
    if milestone in MILESTONES:
        dossier.take(MILESTONES[milestone], now, actor_id, row.unit_id)


def _extend_for_verification(uow: UnitOfWork, dossier: Dossier, procedure: ProcedureVersion, now: datetime,
                             actor_id: int | None, unit_id: str, calendar: WorkingCalendar) -> None:
    extra_days = procedure.time_limit.verification_extra_days
    assert dossier.id is not None
    already = any(e.kind == EventKind.DEADLINE_EXTENDED and e.data.get("reason") == "verification"
                  for e in [*uow.history.of_dossier(dossier.id), *dossier.recorded])
    if extra_days and not already:
        dossier.extend_for_verification(now, actor_id, unit_id, extra_days, calendar)


def _index(uow: UnitOfWork, dossier: Dossier, procedure: ProcedureVersion, human: HumanTask, now: datetime,
           calendar: WorkingCalendar) -> Task:
    assert dossier.id is not None
    binding = procedure.lane(human.lane)
    hours = float(human.properties.get("allotted_hours", "0"))
    task = Task(id=human.id, dossier_id=dossier.id, dossier_code=dossier.code, step=human.step, name=human.name,
                lane=human.lane or "", role=binding.role, unit_id=dossier.unit_for(binding.unit),
                form_id=human.properties.get("form"), created_at=now, due_at=calendar.add_working_hours(now, hours))
    uow.tasks.add(task)
    return task


def _on_ready(dossier: Dossier, human: HumanTask, now: datetime, actor_id: int | None,
              unit_id: str) -> None:
    if human.properties.get("pause") and dossier.paused_at is None:
        dossier.await_payment(now, actor_id, unit_id, human.properties["pause"])
    elif human.properties.get("milestone") == "returned" and dossier.status == DossierStatus.PROCESSING:
        # Only the return is left (every parallel leg is done): the result is ready at the return centre.
        dossier.take(Action.FINISH, now, actor_id, unit_id)
