"""Sending a step back (trả lại): the officer at a step (a leader approving a specialist's work) returns the
dossier to an earlier step its BPMN allows (`send_back_to`, engine/workflow/send_backs.py), with a reason.

What the rules make of it: the dossier's legal due time does not move (a return is the agency's own time,
not the applicant's); the step sent back is closed as `sent_back`, judged against its allotment like any
finished step; the re-opened step is a new step whose due time is its allotment counted from the return,
held by the officer who did it before, and it carries the reason. The history records the return, and the
control sheet (engine/services/control_sheets.py) prints it as a hand-over of its own with the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from engine.domain.actor import Actor
from engine.domain.calendar import WorkingCalendar
from engine.domain.dossier import Dossier, EventKind
from engine.domain.errors import ConflictError, FieldError, ValidationFailedError
from engine.domain.lifecycle import Action, next_status
from engine.domain.ports import UnitOfWork
from engine.domain.procedure import ProcedureVersion
from engine.domain.task import Task, TaskStatus
from engine.services.catalogue import Catalogue
from engine.services.claims import held_error, locked_step
from engine.services.progress import record_progress
from engine.workflow import WorkflowInstance

MAX_REASON = 1000


def send_back(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, calendar: WorkingCalendar,
              clock: Callable[[], datetime], task_id: str, to: str, reason: str) -> Dossier:
    """Return the ready step `task_id` to the earlier step `to`, saying why; returns the dossier."""
    reason = _checked_reason(reason)
    with uow:
        dossier, task = _ready_step(uow, task_id)
        actor.require(task.role, task.unit_id)
        if task.held_by_other(actor.user_id):
            raise held_error(uow, task, dossier)
        procedure = catalogue.version(uow.procedures, dossier.procedure_version_id)
        instance = WorkflowInstance.restore(catalogue.spec(procedure), dossier.workflow_state)
        ready_before = instance.ready_ids()
        _check_target(instance, task, to, dossier)
        now = clock()
        reopened = instance.send_back(task.id, to)
        task.status, task.completed_at, task.completed_by = TaskStatus.SENT_BACK, now, actor.user_id
        uow.tasks.update(task)
        author = _last_author(uow, dossier, to)
        indexed = record_progress(uow, dossier, instance, procedure, completed=None,
                                  ready_before=ready_before - {task.id}, actor_id=actor.user_id, now=now,
                                  calendar=calendar)
        step = next(t for t in indexed if t.id == reopened.id)
        step.sent_back_reason, step.claimed_by, step.claimed_at = reason, author, now if author else None
        uow.tasks.update(step)  # in the INSERT of the new row: no statement of its own
        # The reason is free text that may name the citizen, so the history keeps its digest, not the text: the
        # chain still shows if the reason on the step is changed afterwards.
        dossier.record(EventKind.TASK_SENT_BACK, now, actor.user_id, task.unit_id, from_step=task.step,
                       to_step=step.step, task=step.id, name=step.name, from_unit=task.unit_id, to_unit=step.unit_id,
                       reason_sha256=hashlib.sha256(reason.encode()).hexdigest())
        uow.dossiers.update(dossier)
        uow.commit()
        return dossier


def _checked_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationFailedError("say why the step is sent back", [
            FieldError("/reason", f"must be 1 to {MAX_REASON} characters")], code="reasons_missing")
    return reason


def _ready_step(uow: UnitOfWork, task_id: str) -> tuple[Dossier, Task]:
    dossier, task = locked_step(uow, task_id)
    next_status(Action.SEND_BACK, dossier.status)  # not while it waits for the applicant or has its result
    return dossier, task


def _check_target(instance: WorkflowInstance, task: Task, to: str, dossier: Dossier) -> None:
    allowed = send_back_targets(instance, task.id)
    if not allowed:
        raise ConflictError(f"step {task.name} may not be sent back: its procedure names no earlier step",
                            status=dossier.status.value, code="step_cannot_be_sent_back", step=task.name)
    if to not in allowed:
        raise ValidationFailedError(f"step {task.name} may be sent back to {', '.join(allowed)} only", [
            FieldError("/to", f"must be one of {', '.join(allowed)}")])


def send_back_targets(instance: WorkflowInstance, task_id: str) -> list[str]:
    """The steps the ready step `task_id` may be sent back to (none when it is not ready or allows none)."""
    human = next((h for h in instance.ready_human_tasks() if h.id == task_id), None)
    return human.send_back_to if human else []


def targets_of(catalogue: Catalogue, procedure: ProcedureVersion, step: str) -> list[tuple[str, str]]:
    """The earlier steps (BPMN id, name) a step of the procedure may send the dossier back to."""
    steps = {s.step: s for s in catalogue.spec(procedure).human_steps}
    return [(t, steps[t].name) for t in (steps[step].send_back_to if step in steps else []) if t in steps]


def _last_author(uow: UnitOfWork, dossier: Dossier, step: str) -> int | None:
    """Who last completed `step`: the re-opened step goes back to them."""
    assert dossier.id is not None
    done = [t for t in uow.tasks.of_dossier(dossier.id) if t.step == step and t.status == TaskStatus.COMPLETED]
    return max(done, key=lambda t: t.completed_at or t.created_at).completed_by if done else None
