"""Repositories: load and store domain objects through SQLAlchemy records, one class per aggregate.

They never commit; the unit of work does. Row-to-object conversion lives here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import CursorResult, bindparam, event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from engine.adapters.history_chain import ChainHeads, read_chains
from engine.adapters.records import (
    DossierRecord,
    DossierSequenceRecord,
    HistoryEventRecord,
    ProcedureVersionRecord,
    TaskRecord,
    UnitRecord,
)
from engine.adapters.stat_spans import StatSpans
from engine.domain.dossier import Channel, Dossier, EventKind, HistoryEvent, ReturnMethod, Task, TaskStatus
from engine.domain.errors import ConflictError
from engine.domain.history_chain import GENESIS, Head, Link
from engine.domain.notice import Notice
from engine.domain.procedure import ProcedureVersion
from engine.domain.status import DossierStatus
from engine.domain.unit import Unit, UnitKind


class UnitRepository:
    def __init__(self, session: Session):
        self._s = session

    def get(self, unit_id: str) -> Unit | None:
        record = self._s.get(UnitRecord, unit_id)
        return _unit(record) if record else None

    def list(self, *, province_id: str | None = None, kind: str | None = None,
             agency: str | None = None) -> list[Unit]:
        query = select(UnitRecord).order_by(UnitRecord.id)
        if agency is not None:
            query = query.where(UnitRecord.agency == agency)
        if province_id is not None:
            query = query.where((UnitRecord.province_id == province_id) | (UnitRecord.id == province_id))
        if kind is not None:
            query = query.where(UnitRecord.kind == kind)
        return [_unit(r) for r in self._s.scalars(query)]

    def upsert(self, units: Iterable[Unit], *, batch: int = 1000) -> int:
        """Insert or update units in batches; parents must come before the units that name them."""
        rows = [{"id": u.id, "name": u.name, "kind": u.kind.value, "province_id": u.province_id,
                 "division_type": u.division_type, "agency": u.agency, "parent_id": u.parent_id} for u in units]
        insert = postgresql.insert if self._s.get_bind().dialect.name == "postgresql" else sqlite.insert
        for start in range(0, len(rows), batch):
            statement = insert(UnitRecord).values(rows[start:start + batch])
            columns = ("name", "kind", "province_id", "division_type", "agency", "parent_id")
            self._s.execute(statement.on_conflict_do_update(
                index_elements=["id"], set_={c: getattr(statement.excluded, c) for c in columns}))
        return len(rows)


def _unit(r: UnitRecord) -> Unit:
    return Unit(r.id, r.name, UnitKind(r.kind), r.province_id, r.division_type, r.agency, r.parent_id)


class ProcedureRepository:
    def __init__(self, session: Session):
        self._s = session

    def get(self, version_id: int) -> ProcedureVersion | None:
        record = self._s.get(ProcedureVersionRecord, version_id)
        return _procedure(record) if record else None

    def latest_id(self, code: str) -> int | None:
        query = (select(ProcedureVersionRecord.id).where(ProcedureVersionRecord.code == code)
                 .order_by(ProcedureVersionRecord.version.desc()).limit(1))
        return self._s.scalar(query)

    def latest_ids(self) -> list[int]:
        newest = (select(ProcedureVersionRecord.code, func.max(ProcedureVersionRecord.version).label("v"))
                  .group_by(ProcedureVersionRecord.code).subquery())
        query = (select(ProcedureVersionRecord.id)
                 .join(newest, (ProcedureVersionRecord.code == newest.c.code)
                       & (ProcedureVersionRecord.version == newest.c.v))
                 .order_by(ProcedureVersionRecord.code))
        return list(self._s.scalars(query))

    def versions(self, code: str | None = None) -> list[tuple[int, str, int, datetime, str]]:
        """(id, code, version, published_at, checksum) of each stored version, by code and version, without
        the content; of one procedure when `code` is given."""
        r = ProcedureVersionRecord
        query = select(r.id, r.code, r.version, r.published_at, r.checksum).order_by(r.code, r.version)
        if code is not None:
            query = query.where(r.code == code)
        return [(row.id, row.code, row.version, row.published_at, row.checksum) for row in self._s.execute(query)]

    def add(self, procedure: ProcedureVersion, *, published_at: datetime) -> int:
        """Store a new version; ConflictError when its number was taken by a concurrent publication."""
        record = ProcedureVersionRecord(code=procedure.code, version=procedure.version,
                                        checksum=procedure.checksum, manifest=procedure.manifest,
                                        bpmn=procedure.bpmn, forms=procedure.forms,
                                        decisions=procedure.decisions, published_at=published_at)
        self._s.add(record)
        try:
            self._s.flush()
        except IntegrityError as error:
            raise ConflictError(f"version {procedure.version} of procedure {procedure.code} was published by "
                                "someone else meanwhile; reload it and try again") from error
        return record.id


def _procedure(r: ProcedureVersionRecord) -> ProcedureVersion:
    return ProcedureVersion(code=r.code, version=r.version, manifest=r.manifest, bpmn=r.bpmn,
                            forms=r.forms, decisions=r.decisions, id=r.id, checksum=r.checksum)


# The chain head is the history's business (engine/adapters/history_chain.py), not the Dossier's.
_DOSSIER_FIELDS = [c.key for c in DossierRecord.__table__.columns
                   if c.key not in ("id", "version", "history_count", "history_head")]


class DossierRepository:
    """Dossiers, with the history events each recorded (stored when the dossier is, or at commit)."""

    def __init__(self, session: Session, history: HistoryRepository):
        self._s, self._history = session, history
        self._seen: list[Dossier] = []
        event.listen(session, "after_soft_rollback", self._forget_seen)

    def _forget_seen(self, _session: Session, _transaction: SessionTransaction) -> None:
        """A rollback (a job's savepoint included) undoes the command: what its dossiers recorded and had not
        stored yet goes with it, and the dossiers it loaded are not stored at commit."""
        for dossier in self._seen:
            dossier.recorded.clear()
        self._seen.clear()

    def next_sequence(self, unit_id: str, day: date) -> int:
        """Take the next number of the unit's daily sequence; the row stays locked until commit."""
        dialect = self._s.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (insert(DossierSequenceRecord).values(unit_id=unit_id, day=day, last_value=1)
                     .on_conflict_do_update(index_elements=["unit_id", "day"],
                                            set_={"last_value": DossierSequenceRecord.last_value + 1})
                     .returning(DossierSequenceRecord.last_value))
        return int(self._s.execute(statement).scalar_one())

    def add(self, dossier: Dossier) -> None:
        record = DossierRecord(**_dossier_values(dossier), version=1, history_count=0, history_head=GENESIS)
        self._s.add(record)
        try:
            self._s.flush()
        except IntegrityError as error:
            raise ConflictError(f"dossier {dossier.code} or its Idempotency-Key exists already") from error
        dossier.id, dossier.version = record.id, 1
        ChainHeads.of(self._s).loaded(record.id, 0, GENESIS)
        self._seen.append(dossier)
        self._store_recorded(dossier)

    def get(self, code: str, *, lock: bool = False) -> Dossier | None:
        query = select(DossierRecord).where(DossierRecord.code == code).execution_options(populate_existing=True)
        if lock:
            query = query.with_for_update()
        return self._loaded(self._s.scalar(query))

    def get_by_id(self, dossier_id: int, *, lock: bool = False) -> Dossier | None:
        query = (select(DossierRecord).where(DossierRecord.id == dossier_id)
                 .execution_options(populate_existing=True))
        return self._loaded(self._s.scalar(query.with_for_update() if lock else query))

    def with_task(self, task_id: str, *, lock: bool = False) -> tuple[Dossier, Task] | None:
        """The dossier a task belongs to and the task, in one statement; with `lock`, both rows are locked
        (on PostgreSQL, a command that waited for the lock reads both as the other command left them)."""
        query = (select(DossierRecord, TaskRecord).join(TaskRecord, TaskRecord.dossier_id == DossierRecord.id)
                 .where(TaskRecord.id == task_id).execution_options(populate_existing=True))
        row = self._s.execute(query.with_for_update() if lock else query).first()
        if row is None:
            return None
        dossier = self._loaded(row[0])
        assert dossier is not None
        return dossier, _task(row[1])

    def by_idempotency_key(self, unit_id: str, key: str) -> Dossier | None:
        return self._loaded(self._s.scalar(select(DossierRecord).where(DossierRecord.receiving_unit_id == unit_id,
                                                                       DossierRecord.idempotency_key == key)))

    def _loaded(self, record: DossierRecord | None) -> Dossier | None:
        """The dossier; its history's head is remembered, so appending to its history reads nothing more."""
        if record is None:
            return None
        ChainHeads.of(self._s).loaded(record.id, record.history_count, record.history_head)
        dossier = _dossier(record)
        self._seen.append(dossier)
        return dossier

    def update(self, dossier: Dossier) -> None:
        """Write the dossier if nobody changed it since it was loaded (optimistic lock on `version`), with
        the head of the history events it recorded (in the same statement: no extra one)."""
        self._store_recorded(dossier)
        head = ChainHeads.of(self._s).unwritten(dossier.id)
        values = {**_dossier_values(dossier), **head, "version": dossier.version + 1}
        params = {f"v_{key}": value for key, value in values.items()}
        params.update(w_id=dossier.id, w_version=dossier.version)
        result: CursorResult[Any] = self._s.execute(  # type: ignore[assignment]
            _dossier_update(with_head=bool(head)), params, execution_options={"synchronize_session": False})
        if result.rowcount != 1:
            raise ConflictError(f"dossier {dossier.code} was changed by someone else; reload it")
        dossier.version += 1

    def store_recorded(self) -> None:
        """Store the events recorded by every dossier this unit of work loaded and has not stored since:
        run at commit, so an event recorded without an update of its dossier (a rating) is not lost."""
        for dossier in self._seen:
            self._store_recorded(dossier)

    def _store_recorded(self, dossier: Dossier) -> None:
        assert dossier.id is not None or not dossier.recorded, "a dossier is added before its events are stored"
        for recorded in dossier.recorded:
            recorded.dossier_id = dossier.id
            self._history.append(recorded)
        dossier.recorded.clear()

    def list(self, *, unit_id: str, status: str | None, limit: int, offset: int,
             received_at_any: Sequence[str] | None = None) -> tuple[list[Dossier], int]:
        """Dossiers the unit received, handles, returns or had a step of (or, with `received_at_any`, that
        one of those centres received), newest first, with the total count."""
        if received_at_any is not None:
            query = select(DossierRecord).where(DossierRecord.receiving_unit_id.in_(received_at_any))
        else:
            had_a_step = select(TaskRecord.dossier_id).where(TaskRecord.unit_id == unit_id)
            involved = ((DossierRecord.receiving_unit_id == unit_id) | (DossierRecord.competent_unit_id == unit_id)
                        | (DossierRecord.return_unit_id == unit_id) | DossierRecord.id.in_(had_a_step))
            query = select(DossierRecord).where(involved)
        if status is not None:
            query = query.where(DossierRecord.status == status)
        total = self._s.scalar(select(func.count()).select_from(query.subquery())) or 0
        page = self._s.scalars(query.order_by(DossierRecord.received_at.desc(), DossierRecord.id.desc())
                               .limit(limit).offset(offset))
        return [_dossier(r) for r in page], total


@cache
def _dossier_update(*, with_head: bool) -> Any:
    """The optimistic UPDATE of a dossier row, built once: building it with its 25 values on every command
    cost more than running it (0.4 ms)."""
    columns = DossierRecord.__table__.c
    keys = [*_DOSSIER_FIELDS, "version", *(("history_count", "history_head") if with_head else ())]
    return (update(DossierRecord)
            .where(DossierRecord.id == bindparam("w_id"), DossierRecord.version == bindparam("w_version"))
            .values({key: bindparam(f"v_{key}", type_=columns[key].type) for key in keys}))


def _dossier_values(d: Dossier) -> dict[str, object]:
    values = {key: getattr(d, key) for key in _DOSSIER_FIELDS}
    values["status"], values["channel"] = d.status.value, d.channel.value
    values["notices"] = [n.to_json() for n in d.notices]
    values["return_method"] = d.return_method.value if d.return_method else None
    return values


def _dossier(r: DossierRecord) -> Dossier:
    values = {key: getattr(r, key) for key in _DOSSIER_FIELDS}
    values["status"], values["channel"] = DossierStatus(r.status), Channel(r.channel)
    values["notices"] = [Notice.from_json(n) for n in r.notices]
    values["return_method"] = ReturnMethod(r.return_method) if r.return_method else None
    return Dossier(**values, id=r.id, version=r.version)


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
        return _task(record) if record else None

    def update(self, task: Task) -> None:
        record = self._added.get(task.id)
        if record is not None and record in self._s.new:
            # Added by this command and not written yet (the reception step, indexed and completed at once):
            # its INSERT carries the change.
            record.status, record.completed_at = task.status.value, task.completed_at
            record.completed_by, record.due_at = task.completed_by, task.due_at
            return
        self._s.execute(update(TaskRecord).where(TaskRecord.id == task.id)
                        .values(status=task.status.value, completed_at=task.completed_at,
                                completed_by=task.completed_by, due_at=task.due_at)
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
        return [_task(r) for r in page], total

    def of_dossier(self, dossier_id: int) -> list[Task]:
        query = select(TaskRecord).where(TaskRecord.dossier_id == dossier_id).order_by(TaskRecord.created_at)
        return [_task(r) for r in self._s.scalars(query)]


def _task(r: TaskRecord) -> Task:
    return Task(id=r.id, dossier_code=r.dossier_code, step=r.step, name=r.name, lane=r.lane, role=r.role,
                unit_id=r.unit_id, form_id=r.form_id, created_at=r.created_at, due_at=r.due_at,
                status=TaskStatus(r.status), completed_at=r.completed_at, completed_by=r.completed_by,
                dossier_id=r.dossier_id)


class HistoryRepository:
    def __init__(self, session: Session):
        self._s = session
        self._spans = StatSpans(session)

    def append(self, event: HistoryEvent) -> None:
        """Append the event to its dossier's hash chain and, in the same transaction, fold it into the
        dossier's statistics span."""
        self._s.add(ChainHeads.of(self._s).extend(event))
        self._spans.record(event)

    def of_dossier(self, dossier_id: int) -> list[HistoryEvent]:
        query = (select(HistoryEventRecord).where(HistoryEventRecord.dossier_id == dossier_id)
                 .order_by(HistoryEventRecord.seq))
        return [HistoryEvent(EventKind(r.kind), r.at, r.actor_id, r.unit_id, r.data, r.dossier_id, r.id)
                for r in self._s.scalars(query)]

    def chains(self, *, after: int, limit: int, dossier_code: str | None = None) -> list[tuple[Head, list[Link]]]:
        """The next `limit` dossiers by id after `after` (or the one with `dossier_code`) with their stored
        chains, for the verifier."""
        return read_chains(self._s, after=after, limit=limit, code=dossier_code)

