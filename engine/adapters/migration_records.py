"""Procedure migrations (engine/domain/migration_plan.py): the migration rows, one item row per dossier, progress
counted from the items, the running dossiers of a version, and a waiting step's row re-pointed at its new step.

Never commits; the unit of work does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.adapters.records import (
    DossierRecord,
    ProcedureMigrationItemRecord,
    ProcedureMigrationRecord,
    TaskRecord,
)
from engine.domain.migration_plan import ItemStatus, Migration, MigrationItem, MigrationPlan, Obstacle
from engine.domain.status import DossierStatus
from engine.domain.task import Task

_FINAL = sorted(s.value for s in DossierStatus if s.is_final)


class MigrationRepository:
    def __init__(self, session: Session):
        self._s = session

    def add(self, migration: Migration, items: Sequence[MigrationItem]) -> None:
        """Insert the migration and its items; sets the ids."""
        record = ProcedureMigrationRecord(procedure_code=migration.procedure_code, plan=migration.plan.to_json(),
                                          from_version_id=migration.from_version_id,
                                          to_version_id=migration.to_version_id, actor_id=migration.actor_id,
                                          started_at=migration.started_at)
        self._s.add(record)
        self._s.flush()
        migration.id = record.id
        self._s.add_all([ProcedureMigrationItemRecord(migration_id=record.id, dossier_id=item.dossier_id,
                                                      dossier_code=item.dossier_code, status=item.status.value,
                                                      obstacles=[o.to_json() for o in item.obstacles])
                         for item in items])
        self._s.flush()
        for item in items:
            item.migration_id = record.id

    def get(self, migration_id: int) -> Migration | None:
        record = self._s.get(ProcedureMigrationRecord, migration_id)
        if record is None:
            return None
        counts = self._s.execute(select(ProcedureMigrationItemRecord.status, func.count())
                                 .where(ProcedureMigrationItemRecord.migration_id == migration_id)
                                 .group_by(ProcedureMigrationItemRecord.status)).all()
        return Migration(record.procedure_code, MigrationPlan.from_json(record.plan), record.from_version_id,
                         record.to_version_id, record.actor_id, record.started_at,
                         {status: count for status, count in counts}, record.id)

    def item(self, migration_id: int, dossier_id: int) -> MigrationItem | None:
        """A dossier's item, locked until the transaction ends (a job's retry or a second worker waits for it)."""
        record = self._s.scalar(select(ProcedureMigrationItemRecord)
                                .where(ProcedureMigrationItemRecord.migration_id == migration_id,
                                       ProcedureMigrationItemRecord.dossier_id == dossier_id)
                                .with_for_update().execution_options(populate_existing=True))
        return _item(record) if record else None

    def finish(self, item: MigrationItem, at: datetime) -> None:
        """Store an item's outcome (moved or failed, with why)."""
        self._s.execute(update(ProcedureMigrationItemRecord)
                        .where(ProcedureMigrationItemRecord.migration_id == item.migration_id,
                               ProcedureMigrationItemRecord.dossier_id == item.dossier_id)
                        .values(status=item.status.value, obstacles=[o.to_json() for o in item.obstacles], done_at=at)
                        .execution_options(synchronize_session=False))

    def not_moved(self, migration_id: int, *, limit: int, offset: int) -> list[MigrationItem]:
        """The items that failed or were blocked, with their reasons, by dossier code."""
        query = (select(ProcedureMigrationItemRecord)
                 .where(ProcedureMigrationItemRecord.migration_id == migration_id,
                        ProcedureMigrationItemRecord.status.in_([ItemStatus.FAILED.value, ItemStatus.BLOCKED.value]))
                 .order_by(ProcedureMigrationItemRecord.dossier_code).limit(limit).offset(offset))
        return [_item(r) for r in self._s.scalars(query)]

    def running_on(self, version_id: int) -> list[int]:
        """The ids of the dossiers running version `version_id` (not in a final status), oldest first."""
        return list(self._s.scalars(select(DossierRecord.id)
                                    .where(DossierRecord.procedure_version_id == version_id,
                                           DossierRecord.status.not_in(_FINAL))
                                    .order_by(DossierRecord.id)))

    def repoint_step(self, task: Task) -> None:
        """Write a waiting step's row as it is on the new version: its step, name, lane, role, unit, form, due
        time and holder (the index row keeps its id, its start time and its dossier)."""
        self._s.execute(update(TaskRecord).where(TaskRecord.id == task.id)
                        .values(step=task.step, name=task.name, lane=task.lane, role=task.role, unit_id=task.unit_id,
                                form_id=task.form_id, due_at=task.due_at, claimed_by=task.claimed_by,
                                claimed_at=task.claimed_at)
                        .execution_options(synchronize_session=False))


def _item(r: ProcedureMigrationItemRecord) -> MigrationItem:
    return MigrationItem(r.dossier_id, r.dossier_code, ItemStatus(r.status),
                         [Obstacle.from_json(o) for o in r.obstacles], r.migration_id)
