"""The task index: the human steps ready in each unit's inbox, kept in step with the workflows."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.adapters.records import TaskRecord
from engine.domain.task import Task, TaskStatus


class TaskRepository:
    def __init__(self, session: Session):
        self._s = session
        self._added: dict[str, TaskRecord] = {}

    def add(self, task: Task) -> None:
        values = asdict(task)
        values["status"] = task.status.value
        record = self._added[task.id] = TaskRecord(**values)
        self._s.add(record)

    def get(self, task_id: str) -> Task | None:
        query = select(TaskRecord).where(TaskRecord.id == task_id).execution_options(populate_existing=True)
        record = self._s.scalar(query)
        return task_from_record(record) if record else None

    def update(self, task: Task) -> None:
        record = self._added.get(task.id)
        if record is not None and record in self._s.new:
            # Added by this command and not written yet (the reception step, indexed and completed at once):
            # its INSERT carries the change.
            record.status, record.completed_at = task.status.value, task.completed_at
            record.completed_by, record.due_at, record.data = task.completed_by, task.due_at, task.data
            return
        self._s.execute(update(TaskRecord).where(TaskRecord.id == task.id)
                        .values(status=task.status.value, completed_at=task.completed_at,
                                completed_by=task.completed_by, due_at=task.due_at, data=task.data)
                        .execution_options(synchronize_session=False))

    def cancel(self, task_ids: Collection[str], at: datetime) -> None:
        """Take ready tasks out of every inbox (no statement when there are none)."""
        if task_ids:
            self._s.execute(update(TaskRecord)
                            .where(TaskRecord.id.in_(sorted(task_ids)), TaskRecord.status == TaskStatus.READY.value)
                            .values(status=TaskStatus.CANCELLED.value, completed_at=at)
                            .execution_options(synchronize_session=False))

    def inbox(self, *, unit_id: str, roles: Iterable[str], status: str, limit: int,
              offset: int) -> tuple[list[Task], int]:
        query = select(TaskRecord).where(TaskRecord.unit_id == unit_id, TaskRecord.status == status,
                                         TaskRecord.role.in_(list(roles)))
        total = self._s.scalar(select(func.count()).select_from(query.subquery())) or 0
        page = self._s.scalars(query.order_by(TaskRecord.due_at, TaskRecord.created_at)
                               .limit(limit).offset(offset))
        return [task_from_record(r) for r in page], total

    def of_dossier(self, dossier_id: int) -> list[Task]:
        query = select(TaskRecord).where(TaskRecord.dossier_id == dossier_id).order_by(TaskRecord.created_at)
        return [task_from_record(r) for r in self._s.scalars(query)]


def task_from_record(r: TaskRecord) -> Task:
    return Task(id=r.id, dossier_code=r.dossier_code, step=r.step, name=r.name, lane=r.lane, role=r.role,
                unit_id=r.unit_id, form_id=r.form_id, created_at=r.created_at, due_at=r.due_at,
                status=TaskStatus(r.status), completed_at=r.completed_at, completed_by=r.completed_by,
                dossier_id=r.dossier_id, data=r.data)
