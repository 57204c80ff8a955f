"""Moving running dossiers from one version of a procedure to another, in bulk: the generated plan, the check
(which dossiers can move and why the others cannot), the start (one MIGRATE_DOSSIER job per movable dossier),
each job's move in its own transaction, and the progress.

A dossier keeps its code, deadlines, pauses, data and history; its waiting steps keep their rows (start time,
holder, and due time where the allotment is the same) and a `migrated` history event says what was applied.
No web or database imports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from engine.domain.actor import Actor
from engine.domain.calendar import WorkingCalendar
from engine.domain.dossier import Dossier, EventKind
from engine.domain.errors import FieldError, NotFoundError, ValidationFailedError
from engine.domain.job import Job, JobKind
from engine.domain.migration_plan import (
    ItemStatus,
    Migration,
    MigrationItem,
    MigrationPlan,
    Obstacle,
    Reason,
    Verdict,
    check_plan,
    counts_by_reason,
    generate,
)
from engine.domain.ports import UnitOfWork
from engine.domain.procedure import ProcedureVersion
from engine.domain.task import Task, TaskStatus
from engine.services.catalogue import Catalogue
from engine.services.procedure_drafts import require_admin
from engine.services.progress import record_progress
from engine.workflow import StepInfo, WorkflowError, migration

LISTED = 200  # dossiers listed by a check or a progress page; the counts cover them all
_BATCH = 500


@dataclass(frozen=True)
class PlanDraft:
    """A generated plan with the user tasks of both versions, for the admin to edit."""

    plan: MigrationPlan
    old_steps: list[StepInfo]
    new_steps: list[StepInfo]
    versions: list[int] = field(default_factory=list)
    """Every version of the procedure, oldest first."""


@dataclass(frozen=True)
class CheckResult:
    """What a plan would do now: how many dossiers move, how many not and why (the lists are capped)."""

    movable: int
    blocked: int
    by_reason: dict[str, int]
    movable_codes: list[str]
    blocked_verdicts: list[Verdict]


@dataclass(frozen=True)
class Progress:
    migration: Migration
    not_moved: list[MigrationItem] = field(default_factory=list)


@dataclass(frozen=True)
class _Versions:
    old: ProcedureVersion
    new: ProcedureVersion


def plan(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, code: str, from_version: int | None = None,
         to_version: int | None = None) -> PlanDraft:
    """The plan mapping every user task of `from_version` (by default the one before the latest) to the same id
    in `to_version` (by default the latest), where there is one."""
    with uow:
        require_admin(uow, actor)
        numbers = [row[2] for row in uow.procedures.versions(code)]
        to_version = to_version or (numbers[-1] if numbers else 0)
        from_version = from_version or (numbers[-2] if len(numbers) > 1 else to_version)
        versions = _versions(uow, catalogue, code, from_version, to_version)
    old, new = catalogue.spec(versions.old).human_steps, catalogue.spec(versions.new).human_steps
    return PlanDraft(generate(from_version, to_version, [s.step for s in old], [s.step for s in new]),
                     list(old), list(new), numbers)


def check(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, code: str, plan: MigrationPlan) -> CheckResult:
    """Which running dossiers of the plan's old version can move now, and why the others cannot.

    Raises:
        ValidationFailedError: The plan names versions or steps that do not exist (422, with pointers).
    """
    with uow:
        require_admin(uow, actor)
        verdicts = _verdicts(uow, catalogue, _checked(uow, catalogue, code, plan), plan)
    blocked = [v for v in verdicts if not v.movable]
    return CheckResult(len(verdicts) - len(blocked), len(blocked), counts_by_reason(verdicts),
                       [v.dossier_code for v in verdicts if v.movable][:LISTED], blocked[:LISTED])


def start(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, clock: Callable[[], datetime], code: str,
          plan: MigrationPlan) -> Migration:
    """Store the migration with an item per running dossier, and a job for each that can move now."""
    with uow:
        require_admin(uow, actor)
        versions = _checked(uow, catalogue, code, plan)
        verdicts = _verdicts(uow, catalogue, versions, plan)
        now = clock()
        assert versions.old.id is not None and versions.new.id is not None
        started = Migration(code, plan, versions.old.id, versions.new.id, actor.user_id, now)
        items = [MigrationItem(v.dossier_id, v.dossier_code, ItemStatus.PENDING if v.movable else ItemStatus.BLOCKED,
                               list(v.obstacles)) for v in verdicts]
        uow.migrations.add(started, items)
        for item in items:
            if item.status == ItemStatus.PENDING:
                uow.jobs.add(Job(JobKind.MIGRATE_DOSSIER, now, dossier_id=item.dossier_id,
                                 payload={"migration": started.id}))
        uow.commit()
    started.counts = {ItemStatus.PENDING.value: sum(v.movable for v in verdicts),
                      ItemStatus.BLOCKED.value: sum(not v.movable for v in verdicts)}
    return started


def progress(uow: UnitOfWork, *, actor: Actor, code: str, migration_id: int, offset: int = 0) -> Progress:
    """A migration's counts by item status, and the dossiers that did not move with why."""
    with uow:
        require_admin(uow, actor)
        found = uow.migrations.get(migration_id)
        if found is None or found.procedure_code != code:
            raise NotFoundError(f"procedure {code} has no migration {migration_id}")
        return Progress(found, uow.migrations.not_moved(migration_id, limit=LISTED, offset=offset))


def move(uow: UnitOfWork, job: Job, *, now: datetime, catalogue: Catalogue, calendar: WorkingCalendar) -> None:
    """The MIGRATE_DOSSIER job: check the dossier again (it may have moved on) and move it, or record why not.
    Runs once per item: a retry or a second worker finds the item done and does nothing."""
    item = uow.migrations.item(int(job.payload["migration"]), job.dossier_id) if job.dossier_id else None
    if item is None or item.status != ItemStatus.PENDING:
        return
    assert item.migration_id is not None
    started = uow.migrations.get(item.migration_id)
    dossier = uow.dossiers.get_by_id(item.dossier_id, lock=True)
    assert started is not None and dossier is not None
    versions = _Versions(catalogue.version(uow.procedures, started.from_version_id),
                         catalogue.version(uow.procedures, started.to_version_id))
    verdict = _verdict(dossier, catalogue, versions, started.plan)
    if verdict.movable:
        try:
            with uow.jobs.attempt():  # a savepoint: a move failing half-way leaves nothing behind
                _apply(uow, dossier, catalogue, versions, started, now=now, calendar=calendar)
        except WorkflowError as exc:  # recorded as the dossier's reason rather than retried: it would fail again
            verdict = _with(verdict, Obstacle(Reason.NOT_MOVABLE, str(exc)))
    item.status = ItemStatus.MOVED if verdict.movable else ItemStatus.FAILED
    item.obstacles = list(verdict.obstacles)
    uow.migrations.finish(item, now)


def _apply(uow: UnitOfWork, dossier: Dossier, catalogue: Catalogue, versions: _Versions, started: Migration, *,
           now: datetime, calendar: WorkingCalendar) -> None:
    assert dossier.id is not None and versions.new.id is not None
    old_spec, new_spec = catalogue.spec(versions.old), catalogue.spec(versions.new)
    instance, moved = migration.migrate(old_spec, new_spec, dossier.workflow_state, started.plan.steps)
    rows = {t.id: t for t in uow.tasks.of_dossier(dossier.id) if t.status == TaskStatus.READY}
    old_steps, new_steps = {s.step: s for s in old_spec.human_steps}, {s.step: s for s in new_spec.human_steps}
    for step in moved:
        if step.task_id in rows:
            _repoint(rows[step.task_id], old_steps[step.old_step], new_steps[step.new_step], dossier,
                     versions.new, calendar)
            uow.migrations.repoint_step(rows[step.task_id])
    dossier.procedure_version_id = versions.new.id
    dossier.record(EventKind.MIGRATED, now, started.actor_id, None, migration=started.id,
                   from_version=versions.old.version, to_version=versions.new.version,
                   steps={s.old_step: s.new_step for s in moved})
    record_progress(uow, dossier, instance, versions.new, completed=None,
                    ready_before=frozenset(s.task_id for s in moved), actor_id=started.actor_id, now=now,
                    calendar=calendar)
    uow.dossiers.update(dossier)


def _repoint(row: Task, old: StepInfo, new: StepInfo, dossier: Dossier, procedure: ProcedureVersion,
             calendar: WorkingCalendar) -> None:
    """A waiting step's row on the new step: the same start; the same holder while it stays at the same role and
    unit; the same due time while the allotment is the same, else the new allotment from its start."""
    binding = procedure.lane(new.lane)
    unit_id = dossier.unit_for(binding.unit)
    if (binding.role, unit_id) != (row.role, row.unit_id):
        row.claimed_by, row.claimed_at = None, None
    hours = new.properties.get("allotted_hours", "0")
    if hours != old.properties.get("allotted_hours", "0"):
        row.due_at = calendar.add_working_hours(row.created_at, float(hours))
    row.step, row.name, row.lane, row.role, row.unit_id = new.step, new.name, new.lane or "", binding.role, unit_id
    row.form_id = new.properties.get("form")


def _verdicts(uow: UnitOfWork, catalogue: Catalogue, versions: _Versions, plan: MigrationPlan) -> list[Verdict]:
    assert versions.old.id is not None
    ids = uow.migrations.running_on(versions.old.id)
    # Read in batches: a province's busy procedure has thousands running, each with its workflow state.
    return [_verdict(d, catalogue, versions, plan) for start in range(0, len(ids), _BATCH)
            for d in uow.dossiers.by_ids(ids[start:start + _BATCH])]


def _verdict(dossier: Dossier, catalogue: Catalogue, versions: _Versions, plan: MigrationPlan) -> Verdict:
    assert dossier.id is not None
    verdict = Verdict(dossier.id, dossier.code, dossier.status.value, ())
    if dossier.status.is_final:
        return _with(verdict, Obstacle(Reason.FINISHED, f"it finished ({dossier.status.value})"))
    if dossier.procedure_version_id != versions.old.id:
        return _with(verdict, Obstacle(Reason.OTHER_VERSION, f"it no longer runs version {versions.old.version}"))
    old_spec, new_spec = catalogue.spec(versions.old), catalogue.spec(versions.new)
    waiting = migration.waiting_steps(old_spec, dossier.workflow_state)
    found = migration.obstacles(old_spec, new_spec, dossier.workflow_state, plan.steps)
    found += _lane_obstacles(dossier, versions.new, new_spec.human_steps, [plan.target(s) for s in waiting])
    found += _application_obstacles(dossier, versions.new)
    return Verdict(dossier.id, dossier.code, dossier.status.value, tuple(waiting), tuple(found))


def _with(verdict: Verdict, obstacle: Obstacle) -> Verdict:
    return Verdict(verdict.dossier_id, verdict.dossier_code, verdict.status, verdict.waiting, (obstacle,))


def _lane_obstacles(dossier: Dossier, procedure: ProcedureVersion, steps: tuple[StepInfo, ...],
                    targets: list[str | None]) -> list[Obstacle]:
    """A new step bound to a unit the dossier was never routed to (routes are fixed at reception)."""
    lanes = {s.step: s.lane for s in steps}
    found = []
    for target in (t for t in targets if t in lanes):
        unit_rule = procedure.lane(lanes[target]).unit
        try:
            dossier.unit_for(unit_rule)
        except KeyError:
            found.append(Obstacle(Reason.LANE_UNROUTED, f"step {target} of the new version is in lane {lanes[target]}, "
                                  f"bound to {unit_rule}, which this dossier was never routed to",
                                  {"step": str(target), "lane": str(lanes[target]), "unit": unit_rule}))
    return found


def _application_obstacles(dossier: Dossier, procedure: ProcedureVersion) -> list[Obstacle]:
    """Data already entered stays; an application the new version's form refuses would fail its later steps."""
    try:
        procedure.check_form(procedure.application_form, dossier.application)
    except (ValidationFailedError, NotFoundError) as exc:
        return [Obstacle(Reason.APPLICATION_INVALID, f"its application does not satisfy the application form of "
                                                     f"version {procedure.version}: {exc}")]
    return []


def _checked(uow: UnitOfWork, catalogue: Catalogue, code: str, plan: MigrationPlan) -> _Versions:
    versions = _versions(uow, catalogue, code, plan.from_version, plan.to_version)
    old, new = catalogue.spec(versions.old).human_steps, catalogue.spec(versions.new).human_steps
    check_plan(plan, [s.step for s in old], [s.step for s in new])
    return versions


def _versions(uow: UnitOfWork, catalogue: Catalogue, code: str, from_version: int, to_version: int) -> _Versions:
    rows = {row[2]: row[0] for row in uow.procedures.versions(code)}
    if not rows:
        raise NotFoundError(f"procedure {code} does not exist")
    unknown = [FieldError(pointer, f"procedure {code} has no version {number}")
               for pointer, number in (("/from_version", from_version), ("/to_version", to_version))
               if number not in rows]
    if unknown:
        raise ValidationFailedError("the migration plan names versions that do not exist", unknown,
                                    code="migration_plan_invalid")
    return _Versions(catalogue.version(uow.procedures, rows[from_version]),
                     catalogue.version(uow.procedures, rows[to_version]))
