"""The rows a command writes to its dossier's tables (dossiers, tasks, history events, statistics spans, jobs),
held until the command reads again or commits, then sent together: on PostgreSQL as ONE statement (each table's
rows a data-modifying WITH part, read from a JSON parameter), on SQLite as one executemany per table.

Why not the ORM's unit of work: flushing a command's few objects through it cost more CPU than everything else
the command does (docs/BENCHMARKS.md, issue 27), and it sends one statement per table. The statements here are
built once per shape, so SQLAlchemy compiles each once and psycopg prepares it on the server.

Order and visibility. Every row is either new (an insert) or changes a row that existed before the command's
pending rows were last sent (an update): a change to a row still pending is made in the pending row itself. So
the parts of one statement never touch the same row, and on SQLite the updates go before the inserts (an update
keyed by "the open span of dossier d" must not reach the span inserted next to it). Pending rows go out before any
statement the session executes (the ORM's `do_orm_execute`), before the ORM flushes its own objects (which may
refer to them), and before commit. An update of a dossier carries its expected version: when a row was changed
meanwhile, sending raises the ConflictError given with it, and the transaction is rolled back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, event, insert, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session

from engine.adapters import session_hooks
from engine.domain import json_codec
from engine.domain.errors import ConflictError

# An execution option for a read that no pending row can change (the open statistics span, read while the
# command's other rows wait): it does not send them first, so they still go out together.
UNAFFECTED = "onestop_unaffected_by_pending"


def table_of(record: Any) -> Table:
    """The table of a record class (typed as a Table, which SQLAlchemy's `__table__` is not)."""
    return cast(Table, record.__table__)


class Row(dict[str, Any]):
    """A pending row: its values. `sent` once it went to the database; `dropped` when a savepoint it was
    written in rolled back (the history chain then continues without it)."""

    sent: bool = False
    dropped: bool = False
    on_id: Callable[[int], None] | None = None
    """Told the row's id once it is written (an insert whose caller needs its id)."""


@dataclass
class _Update:
    """Changes to one existing row, found by `key` (column → value; `None` values match NULL)."""

    table: Table
    key: dict[str, Any]
    values: dict[str, Any]
    conflict: Callable[[], Exception] | None = None
    """For an update guarded by `version`: the error when the row was changed meanwhile."""


@dataclass
class PendingRows:
    session: Session
    inserts: list[tuple[Table, Row]] = field(default_factory=list)
    updates: dict[tuple[str, tuple[Any, ...]], _Update] = field(default_factory=dict)
    written: list[Row] = field(default_factory=list)
    """Rows sent since the innermost savepoint began (to mark dropped if it rolls back)."""

    @staticmethod
    def of(session: Session) -> PendingRows:
        pending = session.info.get(PendingRows)
        if pending is None:
            pending = session.info[PendingRows] = PendingRows(session)
            _install()
            session_hooks.on(session, "before_commit", lambda _s: pending.send())
            session_hooks.on(session, "after_soft_rollback", pending._rolled_back)
        return pending

    def insert(self, table: Table, values: dict[str, Any], *, on_id: Callable[[int], None] | None = None) -> Row:
        """A new row; `on_id` is told its id (from the table's sequence) when it is written."""
        row = Row(values)
        row.on_id = on_id
        self.inserts.append((table, row))
        return row

    def update(self, table: Table, key: dict[str, Any], values: dict[str, Any], *,
               conflict: Callable[[], Exception] | None = None) -> None:
        """Change the row found by `key` (an existing row: a pending one is changed in place by its owner).
        With `conflict`, the row must also still have `version` = values["version"] - 1."""
        slot = (table.name, tuple(key.items()))
        known = self.updates.get(slot)
        if known is not None:
            known.values.update(values)
            known.conflict = conflict or known.conflict
            return
        self.updates[slot] = _Update(table, dict(key), dict(values), conflict)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Around a savepoint (a job's attempt): rows written in it and the rows it left pending are dropped if
        it rolls back."""
        self.send()
        outer, self.written = self.written, []
        try:
            yield  # the caller sends what is pending before it releases the savepoint
        except BaseException:
            self._drop()
            raise
        finally:
            outer.extend(self.written)
            self.written = outer

    def send(self) -> None:
        if not (self.inserts or self.updates):
            return
        inserts, updates = self.inserts, list(self.updates.values())
        self.inserts, self.updates = [], {}
        connection = self.session.connection()
        try:
            if connection.dialect.name == "postgresql":
                _send_postgresql(connection, inserts, updates)
            else:
                _send_each(connection, inserts, updates)
        except IntegrityError as error:  # a unique key taken by a concurrent command (the unit of work's mapping)
            raise ConflictError("another request changed the same data at the same time; try again",
                                code="changed_meanwhile") from error
        for _table, row in inserts:
            row.sent = True
            self.written.append(row)

    def _drop(self) -> None:
        for row in self.written:
            row.dropped = True
        for _table, row in self.inserts:
            row.dropped = True
        self.inserts, self.updates, self.written = [], {}, []

    def _rolled_back(self, session: Session) -> None:
        if not session.in_transaction():  # the whole transaction (a savepoint's rollback is `savepoint`'s)
            self._drop()


def _send_each(connection: Any, inserts: list[tuple[Table, Row]], updates: list[_Update]) -> None:
    """SQLite: the updates, then the inserts, one executemany per table and shape."""
    for u in updates:
        equal, null = _key_columns(u)
        statement = _update_statement(u.table, equal, null, tuple(u.values), guarded=u.conflict is not None)
        params = {f"k_{n}": u.key[n] for n in equal} | {f"v_{n}": value for n, value in u.values.items()}
        if u.conflict is not None:
            params["k_expected"] = u.values["version"] - 1
        result = connection.execute(statement, params)
        if u.conflict is not None and result.rowcount != 1:
            raise u.conflict()
    for (table, _names, numbered), rows in _grouped(inserts).items():
        if not numbered:
            connection.execute(insert(table), rows)
        for row in rows if numbered else ():
            assert row.on_id is not None
            row.on_id(int(connection.execute(insert(table).returning(table.c.id), row).scalar_one()))


def _send_postgresql(connection: Any, inserts: list[tuple[Table, Row]], updates: list[_Update]) -> None:
    """PostgreSQL: one statement. Each group of rows is one JSON parameter, spread into rows of the table's own
    type by json_populate_recordset; a guarded update returns the ids it changed, to find the ones it did not,
    and an insert whose rows want their ids returns them."""
    parts: list[tuple[str, list[Row]]] = []  # (the WITH part's text, its rows)
    numbered: dict[int, list[Row]] = {}  # part → rows told their ids
    guarded_part_of: dict[int, int] = {}  # id(update) → part
    for (table, names, wants_ids), rows in _grouped(inserts).items():
        if wants_ids:
            numbered[len(parts)] = rows
        parts.append((_pg_insert(table.name, names, wants_ids), rows))
    for (table, equal, null, names, guarded), group in _grouped_updates(updates).items():
        if guarded:
            guarded_part_of.update((id(u), len(parts)) for u in group)
        rows = [Row({**{k: u.key[k] for k in equal}, **u.values}) for u in group]
        parts.append((_pg_update(table.name, equal, null, names, guarded), rows))
    returning = sorted({*numbered, *guarded_part_of.values()})
    ctes = ", ".join(f"w{i} AS ({template.format(p=f':p{i}')})" for i, (template, _rows) in enumerate(parts))
    tail = (" UNION ALL ".join(f"SELECT {i} AS part, id FROM w{i}" for i in returning)
            if returning else "SELECT NULL AS part, NULL AS id")
    params = {f"p{i}": _json_rows(rows) for i, (_template, rows) in enumerate(parts)}
    changed: dict[int, set[Any]] = {}
    for part, row_id in connection.execute(_text(f"WITH {ctes} {tail}"), params):
        if part is not None:
            changed.setdefault(part, set()).add(row_id)
    for u in updates:
        if u.conflict is not None and u.key["id"] not in changed.get(guarded_part_of[id(u)], ()):
            raise u.conflict()
    for i, rows in numbered.items():
        # Inserted in the rows' order (ORDER BY ordinality), so the sequence gave them ascending ids.
        for row, row_id in zip(rows, sorted(changed.get(i, ())), strict=True):
            assert row.on_id is not None
            row.on_id(row_id)


def _grouped(inserts: list[tuple[Table, Row]]) -> dict[tuple[Table, tuple[str, ...], bool], list[Row]]:
    """Rows by table, columns and whether they want their ids."""
    groups: dict[tuple[Table, tuple[str, ...], bool], list[Row]] = {}
    for table, row in inserts:
        groups.setdefault((table, tuple(row), row.on_id is not None), []).append(row)
    return groups


_Shape = tuple[Table, tuple[str, ...], tuple[str, ...], tuple[str, ...], bool]


def _grouped_updates(updates: list[_Update]) -> dict[_Shape, list[_Update]]:
    groups: dict[_Shape, list[_Update]] = {}
    for u in updates:
        equal, null = _key_columns(u)
        assert not set(equal) & set(u.values), "a column matched by value is not also set"
        groups.setdefault((u.table, equal, null, tuple(u.values), u.conflict is not None), []).append(u)
    return groups


def _key_columns(u: _Update) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The key's columns matched by value, and those matched as NULL ("the open span": until IS NULL)."""
    return (tuple(k for k, v in u.key.items() if v is not None), tuple(k for k, v in u.key.items() if v is None))


@cache
def _text(sql: str) -> Any:
    return text(sql)


@cache
def _pg_insert(table: str, names: tuple[str, ...], numbered: bool) -> str:
    columns = ", ".join(names)
    rows = f"json_populate_recordset(NULL::{table}, CAST({{p}} AS json))"
    if numbered:  # inserted in the rows' order, returning their ids
        return f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {rows} WITH ORDINALITY AS r " \
               "ORDER BY r.ordinality RETURNING id"
    return f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {rows}"


@cache
def _pg_update(table: str, equal: tuple[str, ...], null: tuple[str, ...], names: tuple[str, ...],
               guarded: bool) -> str:
    sets = ", ".join(f"{n} = r.{n}" for n in names)
    match = " AND ".join([*(f"t.{k} = r.{k}" for k in equal), *(f"t.{k} IS NULL" for k in null)])
    if guarded:  # returning the rows it changed, to find those changed meanwhile
        match += " AND t.version = r.version - 1 RETURNING t.id"
    return (f"UPDATE {table} AS t SET {sets} FROM json_populate_recordset(NULL::{table}, CAST({{p}} AS json)) AS r "
            f"WHERE {match}")


@cache
def _update_statement(table: Table, equal: tuple[str, ...], null: tuple[str, ...], names: tuple[str, ...],
                      guarded: bool) -> Any:
    conditions = [*(table.c[k] == bindparam(f"k_{k}") for k in equal), *(table.c[k].is_(None) for k in null)]
    if guarded:
        conditions.append(table.c.version == bindparam("k_expected"))
    return update(table).where(and_(*conditions)).values({n: bindparam(f"v_{n}", type_=table.c[n].type)
                                                          for n in names})


def _json_rows(rows: list[Row]) -> str:
    """The rows as JSON text PostgreSQL reads into the table's types: times in UTC (never naive, as
    records.UTCDateTime refuses), bytes as bytea's hex text, JSON columns as their JSON."""
    return json_codec.dumps([{name: _json_value(value) for name, value in row.items()} for row in rows])


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return "\\x" + value.hex()
    return value


def _before_execute(state: ORMExecuteState) -> None:
    pending = state.session.info.get(PendingRows)
    if pending is not None and not state.execution_options.get(UNAFFECTED):
        pending.send()


def _before_flush(session: Session, *_: Any) -> None:
    pending = session.info.get(PendingRows)
    if pending is not None:
        pending.send()


def _install() -> None:
    if not _installed:
        with _installing:
            if not event.contains(Session, "do_orm_execute", _before_execute):
                event.listen(Session, "do_orm_execute", _before_execute)
                event.listen(Session, "before_flush", _before_flush)
            _installed.append(True)


_installed: list[bool] = []
_installing = threading.Lock()
