"""The task index: the human steps ready in each unit's inbox, kept in step with the workflows."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, false, func, or_, select, update
from sqlalchemy.orm import Session

from engine.adapters.pending_rows import PendingRows, Row, table_of
from engine.adapters.records import DossierRecord, TaskRecord
from engine.domain.inbox import Holding, InboxItem, InboxOrder, InboxQuery, UrgentSteps
from engine.domain.task import Task, TaskStatus


class TaskRepository:
    def __init__(self, session: Session):
        self._s = session
        self._added: dict[str, Row] = {}

    def add(self, task: Task) -> None:
        # The fields as they are (dataclasses.asdict would deep-copy the step's data, a third of this command's
        # work): the row is written with this command's other rows, the data not changed meanwhile.
        values = {f.name: getattr(task, f.name) for f in fields(Task) if f.name != "holder_name"}  # read, never stored
        values["status"] = task.status.value
        self._added[task.id] = PendingRows.of(self._s).insert(_TABLE, values)

    def get(self, task_id: str) -> Task | None:
        found = self._s.execute(_BY_ID, {"task_id": task_id}).first()
        return task_from_record(found) if found else None

    def update(self, task: Task) -> None:
        row = self._added.get(task.id)
        if row is not None and not row.sent:
            # Added by this command and not written yet (the reception step, indexed and completed at once):
            # its INSERT carries the change.
            row.update(_changeable(task))
            return
        PendingRows.of(self._s).update(_TABLE, {"id": task.id}, _changeable(task))

    def cancel(self, task_ids: Collection[str], at: datetime) -> None:
        """Take ready tasks out of every inbox (no statement when there are none)."""
        if task_ids:
            self._s.execute(update(TaskRecord)
                            .where(TaskRecord.id.in_(sorted(task_ids)), TaskRecord.status == TaskStatus.READY.value)
                            .values(status=TaskStatus.CANCELLED.value, completed_at=at)
                            .execution_options(synchronize_session=False))

    def inbox(self, *, unit_id: str, roles: Iterable[str], query: InboxQuery, urgent: UrgentSteps | None,
              limit: int, offset: int) -> tuple[list[InboxItem], int]:
        """The unit's steps for `roles` that `query` (and `urgent`, its urgency resolved) selects, with each one's
        applicant and procedure read in the same query, and the total of the whole selection."""
        joined = (select(TaskRecord).join(DossierRecord, DossierRecord.id == TaskRecord.dossier_id)
                  .where(TaskRecord.unit_id == unit_id, TaskRecord.status == query.status.value,
                         TaskRecord.role.in_(list(roles))))
        if query.procedure_code is not None:
            joined = joined.where(DossierRecord.procedure_code == query.procedure_code)
        if urgent is not None:
            joined = joined.where(_urgent(urgent))
        if query.holding is not None:
            joined = joined.where(TaskRecord.claimed_by == query.me if query.holding == Holding.MINE
                                  else TaskRecord.claimed_by.is_(None))
        total = self._s.scalar(joined.with_only_columns(func.count(), maintain_column_froms=True)) or 0
        order = ((TaskRecord.due_at, TaskRecord.created_at) if query.order == InboxOrder.DUE
                 else (TaskRecord.created_at, TaskRecord.due_at))
        page = self._s.execute(joined.add_columns(*_DOSSIER_COLUMNS).order_by(*order, TaskRecord.id)
                               .limit(limit).offset(offset))
        return [InboxItem(task_from_record(r), name, procedure, paused if finished is None else None)
                for r, name, procedure, paused, finished in page], total

    def ready_due_between(self, *, unit_id: str, roles: Iterable[str], start: datetime,
                          end: datetime) -> list[Task]:
        """The unit's ready steps for `roles` due from `start` to `end`: those that may be near due."""
        query = select(TaskRecord).where(TaskRecord.unit_id == unit_id, TaskRecord.status == TaskStatus.READY.value,
                                         TaskRecord.role.in_(list(roles)), TaskRecord.due_at >= start,
                                         TaskRecord.due_at <= end)
        return [task_from_record(r) for r in self._s.scalars(query.execution_options(populate_existing=True))]

    def of_dossier(self, dossier_id: int) -> list[Task]:
        return [task_from_record(r) for r in self._s.execute(_OF_DOSSIER, {"dossier_id": dossier_id})]


_TABLE = table_of(TaskRecord)
_BY_ID = select(_TABLE).where(_TABLE.c.id == bindparam("task_id"))
_OF_DOSSIER = select(_TABLE).where(_TABLE.c.dossier_id == bindparam("dossier_id")).order_by(_TABLE.c.created_at)
_DOSSIER_COLUMNS = (DossierRecord.applicant_name, DossierRecord.procedure_code, DossierRecord.paused_at,
                    DossierRecord.finished_at)


def _urgent(urgent: UrgentSteps) -> ColumnElement[bool]:
    """Ready steps with an allotment, of dossiers whose clock runs, that are overdue or named near due
    (engine/domain/timeliness.of_step; the pages mark no step of a stopped clock)."""
    kinds = []
    if urgent.overdue:
        kinds.append(TaskRecord.due_at < urgent.now)
    if urgent.near_due_ids is not None:
        kinds.append(TaskRecord.id.in_(sorted(urgent.near_due_ids)))
    return and_(TaskRecord.status == TaskStatus.READY.value, TaskRecord.due_at > TaskRecord.created_at,
                or_(DossierRecord.paused_at.is_(None), DossierRecord.finished_at.is_not(None)),
                or_(false(), *kinds))


def _changeable(task: Task) -> dict[str, Any]:
    """The columns a command may change on a step: its status, completion, due time, data and holder."""
    return {"status": task.status.value, "completed_at": task.completed_at, "completed_by": task.completed_by,
            "due_at": task.due_at, "data": task.data, "claimed_by": task.claimed_by, "claimed_at": task.claimed_at,
            "sent_back_reason": task.sent_back_reason}


def task_from_record(r: Any) -> Task:
    """The task of a record or row (columns by name)."""
    return Task(id=r.id, dossier_code=r.dossier_code, step=r.step, name=r.name, lane=r.lane, role=r.role,
                unit_id=r.unit_id, form_id=r.form_id, created_at=r.created_at, due_at=r.due_at,
                status=TaskStatus(r.status), completed_at=r.completed_at, completed_by=r.completed_by,
                dossier_id=r.dossier_id, data=r.data, claimed_by=r.claimed_by, claimed_at=r.claimed_at,
                sent_back_reason=r.sent_back_reason)
