"""What every command that moves a workflow does afterwards: index the new human tasks at the
units their lanes are bound to, record completions and hand-overs between units, apply milestones,
and store the workflow state on the dossier.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.domain.calendar import WorkingCalendar
from engine.domain.dossier import Dossier, EventKind, HistoryEvent, Task, TaskStatus
from engine.domain.procedure import ProcedureVersion
from engine.domain.status import MILESTONES, DossierStatus
from engine.workflow import HumanTask, WorkflowInstance


def record_progress(uow: Any, dossier: Dossier, instance: WorkflowInstance, procedure: ProcedureVersion, *,
                    completed: tuple[Task, HumanTask] | None, actor_id: int, now: datetime,
                    calendar: WorkingCalendar) -> None:
    """Bring the task index, history and status in line with the workflow after a step."""
    assert dossier.id is not None
    from_unit, completed_id = None, None
    if completed is not None:
        row, step = completed
        row.status, row.completed_at, row.completed_by = TaskStatus.COMPLETED, now, actor_id
        uow.tasks.complete(row)
        from_unit, completed_id = row.unit_id, row.id
        log_event(uow, dossier, EventKind.TASK_COMPLETED, now, actor_id, row.unit_id, step=row.step, name=row.name)
        milestone = step.properties.get("milestone")
        if milestone in MILESTONES:
            _set_status(uow, dossier, MILESTONES[milestone], now, actor_id, row.unit_id)

    indexed = {t.id: t for t in uow.tasks.of_dossier(dossier.id)}
    ready = instance.ready_human_tasks()
    for human in ready:
        if human.id in indexed:
            continue
        binding = procedure.lane(human.lane)
        unit_id = dossier.unit_for(binding.unit)
        hours = float(human.properties.get("allotted_hours", "0"))
        uow.tasks.add(Task(id=human.id, dossier_id=dossier.id, dossier_code=dossier.code, step=human.step,
                           name=human.name, lane=human.lane or "", role=binding.role, unit_id=unit_id,
                           form_id=human.properties.get("form"), created_at=now,
                           due_at=calendar.add_working_hours(now, hours)))
        if from_unit is not None and unit_id != from_unit:
            log_event(uow, dossier, EventKind.HANDED_OVER, now, actor_id, from_unit, from_unit=from_unit,
                      to_unit=unit_id, step=human.step)
    ready_ids = {h.id for h in ready}
    for row in indexed.values():
        if row.status == TaskStatus.READY and row.id not in ready_ids and row.id != completed_id:
            # Left behind by the process (another path was taken): no longer in anyone's inbox.
            row.status, row.completed_at = TaskStatus.CANCELLED, now
            uow.tasks.complete(row)
    dossier.workflow_state = instance.snapshot()


def _set_status(uow: Any, dossier: Dossier, status: DossierStatus, now: datetime, actor_id: int,
                unit_id: str) -> None:
    if dossier.status == status:
        return
    log_event(uow, dossier, EventKind.STATUS_CHANGED, now, actor_id, unit_id,
         status=status.value, previous=dossier.status.value)
    dossier.status = status
    if status == DossierStatus.RESULT_READY:
        dossier.result_ready_at = now
    elif status == DossierStatus.RETURNED:
        dossier.returned_at = now


def log_event(uow: Any, dossier: Dossier, kind: EventKind, at: datetime, actor_id: int | None,
              unit_id: str | None, **data: Any) -> None:
    uow.history.append(HistoryEvent(kind, at, actor_id, unit_id, data, dossier_id=dossier.id))
