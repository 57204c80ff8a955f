"""Dossiers and the history events each records: the optimistic update, the daily sequence, the unit lists.

They never commit; the unit of work does. Row-to-object conversion lives here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cache
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Select, bindparam, exists, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from engine.adapters import dossier_search, session_hooks
from engine.adapters.history import HistoryRepository
from engine.adapters.history_chain import ChainHeads
from engine.adapters.pending_rows import PendingRows, Row, table_of
from engine.adapters.records import DossierRecord, DossierSequenceRecord, TaskRecord
from engine.adapters.tasks import task_from_record
from engine.domain.contact import Contact
from engine.domain.dossier import Channel, Dossier, ReturnMethod
from engine.domain.errors import ConflictError
from engine.domain.exchange import Exchange
from engine.domain.files import Component
from engine.domain.history_chain import GENESIS
from engine.domain.notice import Notice
from engine.domain.outbound import Change, Recorded
from engine.domain.search import OpenDeadline, SearchCriteria
from engine.domain.status import DossierStatus
from engine.domain.task import Task

# The chain head is the history's business (engine/adapters/history_chain.py), not the Dossier's.
# The search columns are the repository's too: written from the applicant with the row, never read back.
_SEARCH_FIELDS = ("applicant_folded", "applicant_id_number", "applicant_phone")
_DOSSIER_FIELDS = [c.key for c in DossierRecord.__table__.columns
                   if c.key not in ("id", "version", "history_count", "history_head", *_SEARCH_FIELDS)]


class DossierRepository:
    """Dossiers, with the history events each recorded (stored when the dossier is, or at commit)."""

    def __init__(self, session: Session, history: HistoryRepository):
        self._s, self._history = session, history
        self._seen: list[Dossier] = []
        self._changes: dict[int, tuple[Dossier, list[Recorded]]] = {}
        self._reserved_ids: list[int] = []
        self._added: dict[int, Row] = {}
        session_hooks.on(session, "after_soft_rollback", self._forget_seen)

    def _forget_seen(self, _session: Session) -> None:
        """A rollback (a job's savepoint included) undoes the command: what its dossiers recorded and had not
        stored yet goes with it, and the dossiers it loaded are not stored at commit."""
        for dossier in self._seen:
            dossier.recorded.clear()
        self._seen.clear()
        self._changes.clear()

    def next_sequence(self, unit_id: str, day: date) -> int:
        """Take the next number of the unit's daily sequence; the row stays locked until commit. On PostgreSQL
        the same statement reserves the id of the dossier about to be added, so that the dossier's row can go
        out with its other rows (engine/adapters/pending_rows.py)."""
        postgres = self._s.get_bind().dialect.name == "postgresql"
        row = self._s.execute(_next_sequence(postgres), {"unit_id": unit_id, "day": day}).one()
        if postgres:
            self._reserved_ids.append(int(row[1]))
        return int(row[0])

    def add(self, dossier: Dossier) -> None:
        values = {**_dossier_values(dossier), "version": 1, "history_count": 0, "history_head": GENESIS}
        if self._reserved_ids:
            dossier.id = self._reserved_ids.pop()
            self._added[dossier.id] = PendingRows.of(self._s).insert(_DOSSIERS, {"id": dossier.id, **values})
        else:
            try:
                dossier.id = int(self._s.execute(insert(_DOSSIERS).returning(_DOSSIERS.c.id), values).scalar_one())
            except IntegrityError as error:
                raise ConflictError(f"dossier {dossier.code} or its Idempotency-Key exists already") from error
        dossier.version = 1
        ChainHeads.of(self._s).loaded(dossier.id, 0, GENESIS)
        self._seen.append(dossier)
        self._store_recorded(dossier)

    def get(self, code: str, *, lock: bool = False) -> Dossier | None:
        return self._loaded(self._s.execute(_BY_CODE_LOCKED if lock else _BY_CODE, {"code": code}).first())

    def get_by_id(self, dossier_id: int, *, lock: bool = False) -> Dossier | None:
        return self._loaded(self._s.execute(_BY_ID_LOCKED if lock else _BY_ID, {"id": dossier_id}).first())

    def with_task(self, task_id: str, *, lock: bool = False) -> tuple[Dossier, Task] | None:
        """The dossier a task belongs to and the task, in one statement; with `lock`, both rows are locked
        (on PostgreSQL, a command that waited for the lock reads both as the other command left them)."""
        row = self._s.execute(_WITH_TASK_LOCKED if lock else _WITH_TASK, {"task_id": task_id}).first()
        if row is None:
            return None
        dossier = self._loaded(row)
        assert dossier is not None
        task = {key[len(_TASK_PREFIX):]: value for key, value in row._mapping.items() if key.startswith(_TASK_PREFIX)}
        return dossier, task_from_record(SimpleNamespace(**task))

    def by_idempotency_key(self, unit_id: str, key: str) -> Dossier | None:
        return self._loaded(self._s.scalar(select(DossierRecord).where(DossierRecord.receiving_unit_id == unit_id,
                                                                       DossierRecord.idempotency_key == key)))

    def _loaded(self, record: Any) -> Dossier | None:
        """The dossier; its history's head is remembered, so appending to its history reads nothing more."""
        if record is None:
            return None
        ChainHeads.of(self._s).loaded(record.id, record.history_count, record.history_head)
        dossier = dossier_from_record(record)
        self._seen.append(dossier)
        return dossier

    def update(self, dossier: Dossier) -> None:
        """Write the dossier if nobody changed it since it was loaded (optimistic lock on `version`), with
        the head of the history events it recorded (in the same statement: no extra one)."""
        self._store_recorded(dossier)
        assert dossier.id is not None
        head = ChainHeads.of(self._s).unwritten(dossier.id)
        values = {**_dossier_values(dossier), **head, "version": dossier.version + 1}
        added = self._added.get(dossier.id)
        if added is not None and not added.sent:  # added by this command: its INSERT carries the change
            added.update(values)
        else:
            code = dossier.code
            PendingRows.of(self._s).update(
                _DOSSIERS, {"id": dossier.id}, values,
                conflict=lambda: ConflictError(f"dossier {code} was changed by someone else; reload it",
                                               code="changed_meanwhile", dossier=code))
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
            seq = self._history.append(recorded)
            assert dossier.id is not None
            events = self._changes.get(dossier.id, (dossier, []))[1]
            events.append(Recorded(recorded, seq))
            self._changes[dossier.id] = (dossier, events)  # the newest object of the dossier: its final state
        dossier.recorded.clear()

    def take_changes(self) -> list[Change]:
        """Each dossier that stored events since the last call, as it stands now, with those events (the
        outbox's input at commit, engine/domain/outbound.py)."""
        changes = [Change(dossier, events) for dossier, events in self._changes.values()]
        self._changes.clear()
        return changes

    def by_ids(self, ids: Sequence[int]) -> list[Dossier]:
        """The dossiers of `ids`, in that order (those that do not exist are left out)."""
        found = {r.id: r for r in self._s.scalars(select(DossierRecord).where(DossierRecord.id.in_(ids)))}
        return [dossier_from_record(found[i]) for i in ids if i in found]

    def by_codes(self, codes: Iterable[str]) -> list[Dossier]:
        """The dossiers of `codes` that exist, in one read (a page of the inbox names fifty)."""
        wanted = list(dict.fromkeys(codes))
        if not wanted:
            return []
        found = {r.code: r for r in self._s.scalars(select(DossierRecord).where(DossierRecord.code.in_(wanted)))}
        return [dossier_from_record(found[c]) for c in wanted if c in found]

    def open_deadlines(self, *, unit_id: str, received_at_any: Sequence[str] | None, now: datetime,
                       before: datetime) -> list[OpenDeadline]:
        """The open dossiers in the scope of `list` that may be near due at `now` (engine/domain/search.py)."""
        rows = self._s.execute(dossier_search.open_deadlines(_scoped(unit_id, received_at_any), now, before))
        return [OpenDeadline(*row) for row in rows]

    def list(self, *, unit_id: str, limit: int, offset: int, status: str | None = None,
             received_at_any: Sequence[str] | None = None, criteria: SearchCriteria | None = None,
             count_up_to: int | None = None) -> tuple[list[Dossier], int]:
        """Dossiers the unit received, handles, returns or had a step of (or, with `received_at_any`, that
        one of those centres received), that match `criteria` (engine/adapters/dossier_search.py), in its
        order (newest first without), with the count of the whole result (or of `count_up_to` + 1 of it at most)."""
        query = _scoped(unit_id, received_at_any)
        if status is not None:
            query = query.where(DossierRecord.status == status)
        criteria = criteria or SearchCriteria()
        query = dossier_search.filtered(query, criteria)
        if self._s.get_bind().dialect.name == "postgresql":
            # Compiling the statement (JIT) cost more than running it (40-50 ms of a name search's 80 at 1 M).
            self._s.execute(text("SET LOCAL jit = off"))
        # One statement: the matches in the list's order, at most `count_up_to` + 1 of them (a broad result walks
        # an index in that order and stops there instead of being read whole), counted, and the page cut from
        # them. The matching rows are read once (a selective search's time is finding them).
        matches = dossier_search.ordered(query, criteria.sort)
        if count_up_to is not None:
            matches = matches.limit(count_up_to + 1)
        found = aliased(DossierRecord, matches.subquery())
        page = dossier_search.ordered(cast(Select[Any], select(found, func.count().over())), criteria.sort, found)
        rows = self._s.execute(page.limit(limit).offset(offset)).all()
        if rows or not offset:
            return [dossier_from_record(r[0]) for r in rows], rows[0][1] if rows else 0
        return [], self._s.scalar(select(func.count()).select_from(matches.subquery())) or 0


def _scoped(unit_id: str, received_at_any: Sequence[str] | None) -> Select[Any]:
    """The dossiers `list` reads: those the unit is involved in, or those one of `received_at_any` received.

    Whether the unit had a step of a dossier is asked per dossier through the tasks' (dossier, unit) index: a
    page stops after a few dossiers, while the set of a busy ward's steps (100,000 at a million dossiers) would
    be read whole first."""
    if received_at_any is not None:
        return select(DossierRecord).where(DossierRecord.receiving_unit_id.in_(received_at_any))
    had_a_step = exists().where(TaskRecord.dossier_id == DossierRecord.id, TaskRecord.unit_id == unit_id)
    involved = ((DossierRecord.receiving_unit_id == unit_id) | (DossierRecord.competent_unit_id == unit_id)
                | (DossierRecord.return_unit_id == unit_id) | had_a_step)
    return select(DossierRecord).where(involved)



_DOSSIERS, _TASKS = table_of(DossierRecord), table_of(TaskRecord)
_TASK_PREFIX = "task__"
_BY_CODE = select(_DOSSIERS).where(_DOSSIERS.c.code == bindparam("code"))
_BY_CODE_LOCKED = _BY_CODE.with_for_update()
_BY_ID = select(_DOSSIERS).where(_DOSSIERS.c.id == bindparam("id"))
_BY_ID_LOCKED = _BY_ID.with_for_update()
_WITH_TASK = (select(_DOSSIERS, *[c.label(_TASK_PREFIX + c.key) for c in _TASKS.c])
              .join_from(_DOSSIERS, _TASKS, _TASKS.c.dossier_id == _DOSSIERS.c.id)
              .where(_TASKS.c.id == bindparam("task_id")))
_WITH_TASK_LOCKED = _WITH_TASK.with_for_update()


@cache
def _next_sequence(postgres: bool) -> Any:
    """The upsert of a unit's daily sequence; on PostgreSQL it also takes the next dossier id."""
    s = table_of(DossierSequenceRecord)
    insert_ = postgresql.insert if postgres else sqlite.insert
    statement = (insert_(s).values(unit_id=bindparam("unit_id"), day=bindparam("day"), last_value=1)
                 .on_conflict_do_update(index_elements=["unit_id", "day"], set_={"last_value": s.c.last_value + 1}))
    if postgres:
        return statement.returning(s.c.last_value, func.nextval(func.pg_get_serial_sequence("dossiers", "id")))
    return statement.returning(s.c.last_value)


def _dossier_values(d: Dossier) -> dict[str, object]:
    values = {key: getattr(d, key) for key in _DOSSIER_FIELDS}
    values["status"], values["channel"] = d.status.value, d.channel.value
    values["notices"] = [n.to_json() for n in d.notices]
    values["return_method"] = d.return_method.value if d.return_method else None
    values["components"] = [c.to_json() for c in d.components]
    values["contact"] = d.contact.to_json() if d.contact else None
    values["exchange"] = d.exchange.to_json() if d.exchange else None
    return values | dossier_search.searchable_values(d.applicant_name, d.application)


def dossier_from_record(r: Any) -> Dossier:
    """The dossier of a record or row (columns by name)."""
    values = {key: getattr(r, key) for key in _DOSSIER_FIELDS}
    values["status"], values["channel"] = DossierStatus(r.status), Channel(r.channel)
    values["notices"] = [Notice.from_json(n) for n in r.notices]
    values["return_method"] = ReturnMethod(r.return_method) if r.return_method else None
    values["components"] = [Component(**c) for c in r.components]
    values["contact"] = Contact.from_json(r.contact)
    values["exchange"] = Exchange.from_json(r.exchange) if r.exchange else None
    return Dossier(**values, id=r.id, version=r.version)
