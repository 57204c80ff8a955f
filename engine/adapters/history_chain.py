"""The history hash chain in the database: extending a dossier's chain as events are appended, reading
chains back for the verifier, and back-filling the chain of events older than it (migration 0006).

The hashing and checking are engine/domain/history_chain.py; this module only keeps the heads and
writes them without costing a command an extra statement where it can.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, select, text, update
from sqlalchemy.orm import Session

from engine.adapters import session_hooks
from engine.adapters.pending_rows import PendingRows, Row, table_of
from engine.adapters.records import DossierRecord, HistoryEventRecord
from engine.domain import json_codec
from engine.domain.dossier import HistoryEvent
from engine.domain.history_chain import GENESIS, Head, Link, digest

# Appends to one dossier never interleave, so a head read at the start of a command stays the head
# until its commit: every command that appends locks the dossier row first (DossierRepository.get or
# get_by_id with lock=True: task completion, the lifecycle actions, timers, deadline marks, the expiry
# of supplementation) or has just inserted it (reception), and SQLite runs one writing transaction at a
# time (BEGIN IMMEDIATE). The citizen's rating reads the dossier unlocked; for it, and for any future
# command that forgets the lock, the unique (dossier_id, seq) index makes two appends from the same
# head collide, so a chain can never fork: the later command gets a ConflictError and writes nothing.


_HISTORY = table_of(HistoryEventRecord)


@dataclass
class _Chain:
    base: tuple[int, bytes]
    """The head (count, last hash) as the dossier row held it when this session read it."""
    written: tuple[int, bytes] | None
    """The head this session last put in the row; None when a rolled-back savepoint may have undone it."""
    appended: list[Row] = field(default_factory=list)

    def head(self) -> tuple[int, bytes]:
        # Events written in a savepoint that rolled back are gone: the chain goes on without them.
        last = next((r for r in reversed(self.appended) if not r.dropped), None)
        return (last["seq"], last["hash"]) if last is not None else self.base


class ChainHeads:
    """The head of each dossier chain a session extends; one per session, shared through `session.info` by
    the dossier and history repositories (the unit of work builds them apart).

    The new head goes into the dossier row with the UPDATE the command makes anyway
    (DossierRepository.update asks `unwritten`); a command that appends without writing the dossier (a
    rating, a near-due mark) gets one UPDATE at commit. The head comes from the dossier row the command
    loaded through the repository, so appending reads nothing more.
    """

    @staticmethod
    def of(session: Session) -> ChainHeads:
        heads = session.info.get(ChainHeads)
        if heads is None:
            heads = session.info[ChainHeads] = ChainHeads(session)
        return heads

    def __init__(self, session: Session):
        self._s = session
        self._chains: dict[int, _Chain] = {}
        session_hooks.on(session, "before_commit", self._write_unwritten)
        session_hooks.on(session, "after_soft_rollback", self._forget_written)
        session_hooks.on(session, "after_commit", lambda _session: self._chains.clear())

    def loaded(self, dossier_id: int, count: int, head: bytes) -> None:
        """The dossier row was read (again): its head is the base, unless this session extended it already."""
        chain = self._chains.get(dossier_id)
        if chain is None or not chain.appended:
            self._chains[dossier_id] = _Chain((count, head), (count, head))

    def extend(self, history_event: HistoryEvent, request_id: str | None) -> Row:
        """The next event of its dossier's chain, numbered, hashed and pending (engine/adapters/pending_rows.py)."""
        dossier_id = history_event.dossier_id
        assert dossier_id is not None
        chain = self._chains.get(dossier_id) or self._read(dossier_id)
        count, prev_hash = chain.head()
        # Hash exactly what the JSON column will give back (tuples become lists, keys become text).
        data = json_codec.copy(history_event.data)
        kind = history_event.kind.value
        row = PendingRows.of(self._s).insert(_HISTORY, dict(
            dossier_id=dossier_id, kind=kind, at=history_event.at, actor_id=history_event.actor_id,
            unit_id=history_event.unit_id, data=data, seq=count + 1, prev_hash=prev_hash,
            hash=digest(dossier_id=dossier_id, seq=count + 1, kind=kind, at=history_event.at,
                        actor_id=history_event.actor_id, unit_id=history_event.unit_id, data=data,
                        prev_hash=prev_hash), request_id=request_id))
        chain.appended.append(row)
        return row

    def unwritten(self, dossier_id: int | None) -> dict[str, Any]:
        """The head columns to add to an UPDATE of the dossier row, if its head moved since it was written."""
        chain = self._chains.get(dossier_id) if dossier_id is not None else None
        if chain is None:
            return {}
        head = chain.head()
        # After a savepoint rolled back, the row holds the base or this session's surviving head: compared
        # with the base, a head that may be missing is written (again, at worst).
        if head == (chain.written if chain.written is not None else chain.base):
            return {}
        chain.written = head
        return {"history_count": head[0], "history_head": head[1]}

    def _read(self, dossier_id: int) -> _Chain:
        """The head of a dossier nobody loaded through the repository in this session: one SELECT."""
        row = self._s.execute(select(DossierRecord.history_count, DossierRecord.history_head)
                              .where(DossierRecord.id == dossier_id)).one()
        chain = self._chains[dossier_id] = _Chain((row.history_count, row.history_head), None)
        return chain

    def _write_unwritten(self, _session: Session) -> None:
        for dossier_id in list(self._chains):
            values = self.unwritten(dossier_id)
            if values:
                self._s.execute(update(DossierRecord).where(DossierRecord.id == dossier_id).values(**values)
                                .execution_options(synchronize_session=False))

    def _forget_written(self, _session: Session) -> None:
        for chain in self._chains.values():
            chain.written = None


def read_chains(session: Session, *, after: int, limit: int, code: str | None) -> list[tuple[Head, list[Link]]]:
    """The next `limit` dossiers by id after `after` (or the one with `code`), each with its events in chain
    order. One statement, so a dossier's head and its events come from the same snapshot."""
    d, h = DossierRecord.__table__.c, HistoryEventRecord.__table__.c
    page = select(d.id).where(d.id > after).order_by(d.id).limit(limit)
    if code is not None:
        page = page.where(d.code == code)
    query = (select(d.id.label("dossier_id"), d.code, d.history_count, d.history_head, h.id, h.seq, h.kind, h.at,
                    h.actor_id, h.unit_id, h.data, h.prev_hash, h.hash)
             .select_from(DossierRecord.__table__.outerjoin(HistoryEventRecord.__table__, h.dossier_id == d.id))
             .where(d.id.in_(page.scalar_subquery()))
             .order_by(d.id, h.seq, h.id))
    return [(Head(dossier_id, rows[0].code, rows[0].history_count, rows[0].history_head),
             [_link(r) for r in rows if r.id is not None])
            for dossier_id, rows in ((k, list(g)) for k, g in groupby(session.execute(query), lambda r: r.dossier_id))]


def _link(r: Any) -> Link:
    return Link(r.id, r.seq, r.kind, r.at, r.actor_id, r.unit_id, r.data, r.prev_hash, r.hash)


def backfill(connection: Connection, *, batch: int = 1000) -> int:
    """Number and hash the events written before the chain existed, in id order per dossier, and give
    every dossier its head; `batch` dossiers at a time. Returns how many events were hashed."""
    d, h = DossierRecord.__table__.c, HistoryEventRecord.__table__.c
    hashed, after = 0, 0
    while ids := list(connection.scalars(select(d.id).where(d.id > after).order_by(d.id).limit(batch))):
        rows = connection.execute(select(h.id, h.dossier_id, h.kind, h.at, h.actor_id, h.unit_id, h.data)
                                  .where(h.dossier_id.in_(ids)).order_by(h.dossier_id, h.id)).all()
        chains = {dossier_id: _chained(dossier_id, events) for dossier_id, events
                  in groupby(rows, lambda r: r.dossier_id)}
        links = [link for chain in chains.values() for link in chain]
        if links:
            _update_many(connection, "history_events", links)
        _update_many(connection, "dossiers", [
            {"id": i, "history_count": len(chains.get(i, [])),
             "history_head": chains[i][-1]["hash"] if chains.get(i) else GENESIS} for i in ids])
        hashed, after = hashed + len(links), ids[-1]
    return hashed


def _chained(dossier_id: int, events: Iterable[Any]) -> list[dict[str, Any]]:
    links: list[dict[str, Any]] = []
    prev_hash = GENESIS
    for seq, r in enumerate(events, start=1):
        hash_ = digest(dossier_id=dossier_id, seq=seq, kind=r.kind, at=r.at, actor_id=r.actor_id, unit_id=r.unit_id,
                       data=r.data, prev_hash=prev_hash)
        links.append({"id": r.id, "seq": seq, "prev_hash": prev_hash, "hash": hash_})
        prev_hash = hash_
    return links


def _update_many(connection: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """Set each row's values in `table` by id. On PostgreSQL one statement over arrays: on millions of
    rows, executemany costs more in the client than the updates on the server."""
    names = list(rows[0])
    sets = ", ".join(f"{name} = v.{name}" for name in names if name != "id")
    if connection.dialect.name == "postgresql":
        arrays = ", ".join(f"CAST(:{name} AS {'bytea' if isinstance(rows[0][name], bytes) else 'integer'}[])"
                           for name in names)
        connection.execute(text(f"UPDATE {table} AS t SET {sets} FROM unnest({arrays}) AS v({', '.join(names)}) "
                                "WHERE t.id = v.id"), {name: [row[name] for row in rows] for name in names})
        return
    connection.execute(text(f"UPDATE {table} SET {sets.replace('v.', ':')} WHERE id = :id"), rows)
