"""Who holds a ready step: an officer claims it (one or several at once), its holder or the unit's leader
releases it, the leader assigns it to an officer of the unit with the step's role. A held step is
completed or sent back by its holder only (409 naming the holder); an unheld one by any officer with the
role. Each change is a history event of the dossier.

Every command locks the dossier row first (as completing does), so of two officers claiming the same step
at once exactly one wins and the other is told who did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from engine.domain.actor import Account, Actor, Role
from engine.domain.dossier import Dossier, EventKind
from engine.domain.errors import (
    ConflictError,
    DomainError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    ValidationFailedError,
)
from engine.domain.ports import UnitOfWork
from engine.domain.task import Task, TaskStatus

MAX_BULK_CLAIMS = 100


@dataclass(frozen=True)
class ClaimOutcome:
    """One step of a bulk claim: claimed (`task` set) or refused (`error` set), each on its own."""

    task_id: str
    task: Task | None = None
    error: DomainError | None = None


def claim(uow: UnitOfWork, *, actor: Actor, clock: Callable[[], datetime], task_id: str) -> Task:
    """Take a ready step for oneself; claiming a step one holds already changes nothing."""
    with uow:
        dossier, task = locked_step(uow, task_id)
        actor.require(task.role, task.unit_id)
        if task.held_by_other(actor.user_id):
            raise held_error(uow, task, dossier)
        if task.claimed_by is None:
            now = clock()
            _hold(task, actor.user_id, now)
            dossier.record(EventKind.TASK_CLAIMED, now, actor.user_id, task.unit_id, step=task.step, task=task.id)
            _store(uow, dossier, task)
        return _named(uow, task)


def claim_many(uow: UnitOfWork, *, actor: Actor, clock: Callable[[], datetime],
               task_ids: list[str]) -> list[ClaimOutcome]:
    """Claim several steps, each in its own transaction: one already taken by someone else is reported and
    the others are still claimed (a bulk claim from the inbox should not fail for the one step a colleague
    took a second earlier). Steps are claimed in the order given."""
    if not task_ids or len(task_ids) > MAX_BULK_CLAIMS:
        raise ValidationFailedError(f"choose between 1 and {MAX_BULK_CLAIMS} steps",
                                    [FieldError("/task_ids", f"must hold 1 to {MAX_BULK_CLAIMS} steps")])
    outcomes = []
    for task_id in dict.fromkeys(task_ids):
        try:
            outcomes.append(ClaimOutcome(task_id, task=claim(uow, actor=actor, clock=clock, task_id=task_id)))
        except (NotFoundError, ForbiddenError, ConflictError) as error:
            outcomes.append(ClaimOutcome(task_id, error=error))
    return outcomes


def release(uow: UnitOfWork, *, actor: Actor, clock: Callable[[], datetime], task_id: str) -> Task:
    """Let a held step go back to the unit's pool: its holder, or a leader of the step's unit, may."""
    with uow:
        dossier, task = locked_step(uow, task_id)
        if task.claimed_by is None:
            raise ConflictError(f"step {task.name} is not held by anyone", status=dossier.status.value,
                                code="step_not_held", step=task.name)
        if task.claimed_by != actor.user_id:
            actor.require(Role.LEADER.value, task.unit_id)
        holder, task.claimed_by, task.claimed_at = task.claimed_by, None, None
        dossier.record(EventKind.TASK_RELEASED, clock(), actor.user_id, task.unit_id, step=task.step, task=task.id,
                       holder=holder)
        _store(uow, dossier, task)
        return task


def assign(uow: UnitOfWork, *, actor: Actor, clock: Callable[[], datetime], task_id: str, user_id: int) -> Task:
    """A leader of the step's unit gives it to an active officer of that unit with the step's role, whoever
    held it before (reassigning)."""
    with uow:
        dossier, task = locked_step(uow, task_id)
        actor.require(Role.LEADER.value, task.unit_id)
        assignee = next((a for a in officers(uow, task) if a.user_id == user_id), None)
        if assignee is None:
            raise ValidationFailedError("choose an active officer of the unit who has the step's role", [
                FieldError("/user_id", f"is not an active officer of unit {task.unit_id} with role {task.role}")])
        previous = task.claimed_by
        if previous != user_id:
            now = clock()
            _hold(task, user_id, now)
            dossier.record(EventKind.TASK_ASSIGNED, now, actor.user_id, task.unit_id, step=task.step, task=task.id,
                           holder=user_id, previous=previous)
            _store(uow, dossier, task)
        task.holder_name = assignee.display_name
        return task


def assignees(uow: UnitOfWork, *, actor: Actor, task_id: str) -> list[Account]:
    """Whom a leader of the step's unit may assign it to."""
    with uow:
        task = uow.tasks.get(task_id)
        if task is None:
            raise NotFoundError(f"task {task_id} does not exist")
        actor.require(Role.LEADER.value, task.unit_id)
        return officers(uow, task)


def officers(uow: UnitOfWork, task: Task) -> list[Account]:
    """The active officers of the step's unit with its role: whom a leader may assign it to."""
    return [a for a in uow.users.accounts([task.unit_id])
            if not a.disabled and task.role in a.roles and a.user_id is not None]


def assignable(uow: UnitOfWork, *, actor: Actor, steps: Iterable[Task]) -> dict[str, list[Account]]:
    """For each ready step of `steps` in a unit the actor leads: the officers it may be assigned to."""
    led = [t for t in steps if t.status == TaskStatus.READY and actor.has(Role.LEADER.value, t.unit_id)]
    if not led:
        return {}
    with uow:
        staff = uow.users.accounts([actor.unit_id])
    return {t.id: [a for a in staff if not a.disabled and t.role in a.roles] for t in led}


def name_holders(uow: UnitOfWork, tasks: list[Task]) -> list[Task]:
    """Fill each held step's `holder_name` (inside the caller's unit of work; one read for its units)."""
    units = sorted({t.unit_id for t in tasks if t.claimed_by is not None})
    if units:
        names = {a.user_id: a.display_name for a in uow.users.accounts(units)}
        for task in tasks:
            task.holder_name = names.get(task.claimed_by) if task.claimed_by is not None else None
    return tasks


def held_error(uow: UnitOfWork, task: Task, dossier: Dossier) -> ConflictError:
    """The 409 for acting on a step another officer holds: it names the holder, so one knows whom to ask."""
    holder = name_holders(uow, [task])[0].holder_name or f"officer {task.claimed_by}"
    return ConflictError(f"step {task.name} is held by {holder}: ask them, or the unit's leader, to release or "
                         "reassign it", status=dossier.status.value, code="step_held_by_other", step=task.name,
                         officer=holder)


def locked_step(uow: UnitOfWork, task_id: str) -> tuple[Dossier, Task]:
    """The dossier of a ready step, locked as completing locks it, and the step; 404 or 409 otherwise."""
    found = uow.dossiers.with_task(task_id, lock=True)
    if found is None:
        raise NotFoundError(f"task {task_id} does not exist")
    dossier, task = found
    if task.status != TaskStatus.READY:
        raise ConflictError(f"step {task.name} is already {task.status.value}", status=dossier.status.value,
                            code="step_not_ready", step=task.name, step_status=task.status.value)
    return dossier, task


def _hold(task: Task, user_id: int, now: datetime) -> None:
    task.claimed_by, task.claimed_at = user_id, now


def _store(uow: UnitOfWork, dossier: Dossier, task: Task) -> None:
    uow.tasks.update(task)
    uow.dossiers.update(dossier)
    uow.commit()


def _named(uow: UnitOfWork, task: Task) -> Task:
    return name_holders(uow, [task])[0]
