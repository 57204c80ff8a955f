"""Fake repositories of units, procedure versions, dossiers, tasks and history."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime

from engine.domain.dossier import Dossier, HistoryEvent
from engine.domain.errors import ConflictError
from engine.domain.history_chain import Head, Link
from engine.domain.inbox import Holding, InboxItem, InboxOrder, InboxQuery, UrgentSteps
from engine.domain.procedure import ProcedureVersion
from engine.domain.search import OpenDeadline, SearchCriteria
from engine.domain.task import Task, TaskStatus
from engine.domain.unit import Unit
from tests.fakes import dossier_search
from tests.fakes.store import Database, as_stored


class FakeUnitRepository:
    def __init__(self, db: Database):
        self._db = db

    def get(self, unit_id: str) -> Unit | None:
        return self._db.tables.units.get(unit_id)

    def upsert(self, units: Iterable[Unit], *, batch: int = 1000) -> int:
        rows, stored = list(units), self._db.tables.units
        stored.update((u.id, dataclasses.replace(u, agency_code=stored[u.id].agency_code) if u.id in stored else u)
                      for u in rows)
        return len(rows)

    def agency_codes(self) -> dict[str, str | None]:
        return {u.id: u.agency_code for u in self._db.tables.units.values()}

    def set_agency_codes(self, codes: Mapping[str, str]) -> None:
        units = self._db.tables.units
        units.update((i, dataclasses.replace(units[i], agency_code=code)) for i, code in codes.items())

    def list(self, *, province_id: str | None = None, kind: str | None = None,
             agency: str | None = None) -> list[Unit]:
        return [u for _, u in sorted(self._db.tables.units.items())
                if (agency is None or u.agency == agency) and (kind is None or u.kind == kind)
                and (province_id is None or province_id in (u.province_id, u.id))]


class FakeProcedureRepository:
    def __init__(self, db: Database):
        self._db = db

    def get(self, version_id: int) -> ProcedureVersion | None:
        found = self._db.tables.procedures.get(version_id)
        return found[0] if found else None

    def latest_id(self, code: str) -> int | None:
        mine = [(p.version, i) for i, (p, _) in self._db.tables.procedures.items() if p.code == code]
        return max(mine)[1] if mine else None

    def latest_ids(self) -> list[int]:
        codes = sorted({p.code for p, _ in self._db.tables.procedures.values()})
        return [i for i in map(self.latest_id, codes) if i is not None]

    def versions(self, code: str | None = None) -> list[tuple[int, str, int, datetime, str]]:
        rows = [(i, p.code, p.version, at, p.checksum) for i, (p, at) in self._db.tables.procedures.items()
                if code in (None, p.code)]
        return sorted(rows, key=lambda r: (r[1], r[2]))

    def add(self, procedure: ProcedureVersion, *, published_at: datetime) -> int:
        if any((p.code, p.version) == (procedure.code, procedure.version)
               for p, _ in self._db.tables.procedures.values()):
            raise ConflictError(f"version {procedure.version} of procedure {procedure.code} was published by "
                                "someone else meanwhile; reload it and try again")
        version_id = self._db.next_id("procedures")
        self._db.tables.procedures[version_id] = (dataclasses.replace(procedure, id=version_id), published_at)
        return version_id


class FakeDossierRepository:
    def __init__(self, db: Database):
        self._db = db
        self.seen: list[Dossier] = []
        """Dossiers handed out in this unit of work: their recorded events are stored at commit."""

    def next_sequence(self, unit_id: str, day: date) -> int:
        sequences = self._db.tables.sequences
        sequences[unit_id, day] = sequences.get((unit_id, day), 0) + 1
        return sequences[unit_id, day]

    def add(self, dossier: Dossier) -> None:
        clash = [d for d in self._db.tables.dossiers.values() if d.code == dossier.code or (
            dossier.idempotency_key is not None and (d.receiving_unit_id, d.idempotency_key)
            == (dossier.receiving_unit_id, dossier.idempotency_key))]
        if clash:
            raise ConflictError(f"dossier {dossier.code} or its Idempotency-Key exists already")
        dossier.id, dossier.version = self._db.next_id("dossiers"), 1
        self._write(dossier)
        self.seen.append(dossier)

    def get(self, code: str, *, lock: bool = False) -> Dossier | None:
        return self._loaded(next((d for d in self._db.tables.dossiers.values() if d.code == code), None))

    def get_by_id(self, dossier_id: int, *, lock: bool = False) -> Dossier | None:
        return self._loaded(self._db.tables.dossiers.get(dossier_id))

    def by_ids(self, ids: Sequence[int]) -> list[Dossier]:
        return [d for i in ids if (d := self.get_by_id(i)) is not None]

    def by_codes(self, codes: Iterable[str]) -> list[Dossier]:
        return [d for code in dict.fromkeys(codes) if (d := self.get(code)) is not None]

    def with_task(self, task_id: str, *, lock: bool = False) -> tuple[Dossier, Task] | None:
        task = self._db.tables.tasks.get(task_id)
        if task is None or task.dossier_id is None:
            return None
        dossier = self.get_by_id(task.dossier_id)
        assert dossier is not None, "a task belongs to a stored dossier"
        return dossier, as_stored(task)

    def by_idempotency_key(self, unit_id: str, key: str) -> Dossier | None:
        return self._loaded(next((d for d in self._db.tables.dossiers.values()
                                  if (d.receiving_unit_id, d.idempotency_key) == (unit_id, key)), None))

    def update(self, dossier: Dossier) -> None:
        assert dossier.id is not None, "a dossier is added before it is updated"
        stored = self._db.tables.dossiers.get(dossier.id)
        if stored is None or stored.version != dossier.version:
            raise ConflictError(f"dossier {dossier.code} was changed by someone else; reload it")
        dossier.version += 1
        self._write(dossier)

    def store_recorded(self) -> None:
        for dossier in self.seen:
            self._store_recorded(dossier)

    def _loaded(self, stored: Dossier | None) -> Dossier | None:
        if stored is None:
            return None
        dossier = as_stored(stored)
        self.seen.append(dossier)
        return dossier

    def _write(self, dossier: Dossier) -> None:
        self._store_recorded(dossier)
        self._db.tables.dossiers[dossier.id or 0] = as_stored(dossier)

    def _store_recorded(self, dossier: Dossier) -> None:
        assert dossier.id is not None or not dossier.recorded, "a dossier is added before its events are stored"
        for event in dossier.recorded:
            event.dossier_id = dossier.id
            self._db.tables.history.append(dataclasses.replace(as_stored(event), id=self._db.next_id("history")))
        dossier.recorded.clear()

    def open_deadlines(self, *, unit_id: str, received_at_any: Sequence[str] | None, now: datetime,
                       before: datetime) -> list[OpenDeadline]:
        scoped, _ = self.list(unit_id=unit_id, received_at_any=received_at_any, limit=len(self._db.tables.dossiers),
                              offset=0)
        return [OpenDeadline(d.id or 0, d.received_at, d.deadline_at or d.due_at, d.paused_at) for d in scoped
                if dossier_search.may_be_near_due(d, now, before)]

    def list(self, *, unit_id: str, limit: int, offset: int, status: str | None = None,
             received_at_any: Sequence[str] | None = None,
             criteria: SearchCriteria | None = None, count_up_to: int | None = None) -> tuple[list[Dossier], int]:
        stepped = {t.dossier_id for t in self._db.tables.tasks.values() if t.unit_id == unit_id}
        criteria = criteria or SearchCriteria()
        found = [d for d in self._db.tables.dossiers.values()
                 if (d.receiving_unit_id in received_at_any if received_at_any is not None
                     else unit_id in (d.receiving_unit_id, d.competent_unit_id, d.return_unit_id) or d.id in stepped)
                 and (status is None or d.status.value == status) and dossier_search.matches(criteria, d)]
        key, newest_first = dossier_search.sort_key(criteria.sort)
        found.sort(key=key, reverse=newest_first)
        total = len(found) if count_up_to is None else min(len(found), count_up_to + 1)
        return [as_stored(d) for d in found[offset:offset + limit]], total


class FakeTaskRepository:
    def __init__(self, db: Database):
        self._db = db

    def add(self, task: Task) -> None:
        if task.id in self._db.tables.tasks:
            raise ConflictError(f"task {task.id} exists already")
        self._db.tables.tasks[task.id] = as_stored(dataclasses.replace(task, holder_name=None))  # read, never stored

    def get(self, task_id: str) -> Task | None:
        task = self._db.tables.tasks.get(task_id)
        return as_stored(task) if task else None

    def update(self, task: Task) -> None:
        """Writes what the SQL update writes: the status, completion, due time, data and holder."""
        stored = self._db.tables.tasks.get(task.id)
        if stored is not None:
            self._db.tables.tasks[task.id] = as_stored(dataclasses.replace(
                stored, status=task.status, completed_at=task.completed_at, completed_by=task.completed_by,
                due_at=task.due_at, data=task.data, claimed_by=task.claimed_by, claimed_at=task.claimed_at,
                sent_back_reason=task.sent_back_reason))

    def cancel(self, task_ids: Collection[str], at: datetime) -> None:
        for task_id in task_ids:
            task = self._db.tables.tasks.get(task_id)
            if task is not None and task.status == TaskStatus.READY:
                task.status, task.completed_at = TaskStatus.CANCELLED, at

    def inbox(self, *, unit_id: str, roles: Iterable[str], query: InboxQuery, urgent: UrgentSteps | None,
              limit: int, offset: int) -> tuple[list[InboxItem], int]:
        """As the SQL query: the filters over the whole selection, the dossier's columns beside each step."""
        roles, dossiers = set(roles), {d.id: d for d in self._db.tables.dossiers.values()}
        found = [InboxItem(t, d.applicant_name, d.procedure_code, d.paused_at if d.finished_at is None else None)
                 for t in self._db.tables.tasks.values() if t.dossier_id in dossiers
                 for d in [dossiers[t.dossier_id]]
                 if t.unit_id == unit_id and t.status == query.status and t.role in roles
                 and query.procedure_code in (None, d.procedure_code) and (urgent is None or _urgent(t, d, urgent))
                 and _held(t, query)]
        order = ((lambda i: (i.task.due_at, i.task.created_at, i.task.id)) if query.order == InboxOrder.DUE
                 else (lambda i: (i.task.created_at, i.task.due_at, i.task.id)))
        found.sort(key=order)
        return [dataclasses.replace(i, task=as_stored(i.task)) for i in found[offset:offset + limit]], len(found)

    def ready_due_between(self, *, unit_id: str, roles: Iterable[str], start: datetime,
                          end: datetime) -> list[Task]:
        return [as_stored(t) for t in self._db.tables.tasks.values()
                if t.unit_id == unit_id and t.status == TaskStatus.READY and t.role in set(roles)
                and start <= t.due_at <= end]

    def of_dossier(self, dossier_id: int) -> list[Task]:
        found = [t for t in self._db.tables.tasks.values() if t.dossier_id == dossier_id]
        return [as_stored(t) for t in sorted(found, key=lambda t: t.created_at)]


def _urgent(task: Task, dossier: Dossier, urgent: UrgentSteps) -> bool:
    running = dossier.paused_at is None or dossier.finished_at is not None
    named = (urgent.overdue and task.due_at < urgent.now) or task.id in (urgent.near_due_ids or ())
    return task.status == TaskStatus.READY and task.due_at > task.created_at and running and named


def _held(task: Task, query: InboxQuery) -> bool:
    if query.holding is None:
        return True
    return task.claimed_by == query.me if query.holding == Holding.MINE else task.claimed_by is None


class FakeHistoryRepository:
    def __init__(self, db: Database):
        self._db = db

    def of_dossier(self, dossier_id: int) -> list[HistoryEvent]:
        return [as_stored(e) for e in self._db.tables.history if e.dossier_id == dossier_id]

    def chains(self, *, after: int, limit: int, dossier_code: str | None = None) -> list[tuple[Head, list[Link]]]:
        raise NotImplementedError("the fake keeps no hash chain: verify chains against SQLite "
                                  "(tests/integration/test_history_chain.py)")
