"""Dossiers and the history events each records: the optimistic update, the daily sequence, the unit lists.

They never commit; the unit of work does. Row-to-object conversion lives here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import CursorResult, Select, bindparam, exists, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from engine.adapters import dossier_search, session_hooks
from engine.adapters.history import HistoryRepository
from engine.adapters.history_chain import ChainHeads
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
        session_hooks.on(session, "after_soft_rollback", self._forget_seen)

    def _forget_seen(self, _session: Session) -> None:
        """A rollback (a job's savepoint included) undoes the command: what its dossiers recorded and had not
        stored yet goes with it, and the dossiers it loaded are not stored at commit."""
        for dossier in self._seen:
            dossier.recorded.clear()
        self._seen.clear()
        self._changes.clear()

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
        return dossier, task_from_record(row[1])

    def by_idempotency_key(self, unit_id: str, key: str) -> Dossier | None:
        return self._loaded(self._s.scalar(select(DossierRecord).where(DossierRecord.receiving_unit_id == unit_id,
                                                                       DossierRecord.idempotency_key == key)))

    def _loaded(self, record: DossierRecord | None) -> Dossier | None:
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
        head = ChainHeads.of(self._s).unwritten(dossier.id)
        values = {**_dossier_values(dossier), **head, "version": dossier.version + 1}
        params = {f"v_{key}": value for key, value in values.items()}
        params.update(w_id=dossier.id, w_version=dossier.version)
        result: CursorResult[Any] = self._s.execute(  # type: ignore[assignment]
            _dossier_update(with_head=bool(head)), params, execution_options={"synchronize_session": False})
        if result.rowcount != 1:
            raise ConflictError(f"dossier {dossier.code} was changed by someone else; reload it",
                                code="changed_meanwhile", dossier=dossier.code)
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



@cache
def _dossier_update(*, with_head: bool) -> Any:
    """The optimistic UPDATE of a dossier row, built once: building it with its 25 values on every command
    cost more than running it (0.4 ms)."""
    columns = DossierRecord.__table__.c
    keys = [*_DOSSIER_FIELDS, *_SEARCH_FIELDS, "version", *(("history_count", "history_head") if with_head else ())]
    return (update(DossierRecord)
            .where(DossierRecord.id == bindparam("w_id"), DossierRecord.version == bindparam("w_version"))
            .values({key: bindparam(f"v_{key}", type_=columns[key].type) for key in keys}))


def _dossier_values(d: Dossier) -> dict[str, object]:
    values = {key: getattr(d, key) for key in _DOSSIER_FIELDS}
    values["status"], values["channel"] = d.status.value, d.channel.value
    values["notices"] = [n.to_json() for n in d.notices]
    values["return_method"] = d.return_method.value if d.return_method else None
    values["components"] = [c.to_json() for c in d.components]
    values["contact"] = d.contact.to_json() if d.contact else None
    values["exchange"] = d.exchange.to_json() if d.exchange else None
    return values | dossier_search.searchable_values(d.applicant_name, d.application)


def dossier_from_record(r: DossierRecord) -> Dossier:
    values = {key: getattr(r, key) for key in _DOSSIER_FIELDS}
    values["status"], values["channel"] = DossierStatus(r.status), Channel(r.channel)
    values["notices"] = [Notice.from_json(n) for n in r.notices]
    values["return_method"] = ReturnMethod(r.return_method) if r.return_method else None
    values["components"] = [Component(**c) for c in r.components]
    values["contact"] = Contact.from_json(r.contact)
    values["exchange"] = Exchange.from_json(r.exchange) if r.exchange else None
    return Dossier(**values, id=r.id, version=r.version)
