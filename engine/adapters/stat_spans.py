"""Keeping the stat_spans table in step with the history, and rebuilding it from the history.

Every tracked history event goes through `StatSpans.record` in the same transaction that appends it,
so the table can never disagree with the events it was folded from; `recomputed_rows` folds the raw
events again and is what the tests compare the table with.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.orm import Session

from engine.adapters.records import HistoryEventRecord, StatSpanRecord
from engine.domain.calendar import VN_TZ
from engine.domain.dossier import EventKind, HistoryEvent
from engine.domain.stat_spans import TRACKED, Origin, Snapshot, advance, origin_of, spans_of
from engine.domain.status import DossierStatus
from engine.domain.timeliness import Timeliness

_ORIGIN = ("receiving_unit_id", "competent_unit_id", "procedure_code", "channel", "received_at",
           "received_day", "digitisation", "outside_area")


class StatSpans:
    """The open span of each dossier a command touches, cached for the unit of work."""

    def __init__(self, session: Session):
        self._s = session
        self._open: dict[int, StatSpanRecord] = {}

    def record(self, event: HistoryEvent) -> None:
        if event.kind not in TRACKED or event.dossier_id is None:
            return
        if event.kind == EventKind.RECEIVED:
            self._open_span(event.dossier_id, event.at, _origin_values(origin_of(event)), advance(None, event))
            return
        current = self._open.get(event.dossier_id) or self._read_open(event.dossier_id)
        following = advance(snapshot_of(current), event) if current is not None else None
        if current is None or following is None:
            return
        if current.since == event.at:  # same instant: one span, not an empty one
            for name, value in _snapshot_values(following).items():
                setattr(current, name, value)
            return
        current.until = event.at
        self._open_span(event.dossier_id, event.at, {name: getattr(current, name) for name in _ORIGIN}, following)

    def _read_open(self, dossier_id: int) -> StatSpanRecord | None:
        # The command has added no span of this dossier yet (it would be in _open): nothing to flush first,
        # so the rows it has pending go out together at commit.
        with self._s.no_autoflush:
            return self._s.scalars(select(StatSpanRecord).where(StatSpanRecord.dossier_id == dossier_id,
                                                                StatSpanRecord.until.is_(None))).first()

    def _open_span(self, dossier_id: int, since: Any, origin: dict[str, Any], snapshot: Snapshot | None) -> None:
        assert snapshot is not None
        record = StatSpanRecord(dossier_id=dossier_id, since=since, until=None, **origin,
                                **_snapshot_values(snapshot))
        self._s.add(record)
        self._open[dossier_id] = record


def snapshot_of(r: StatSpanRecord) -> Snapshot:
    return Snapshot(DossierStatus(r.status), r.deadline_at, r.paused_at, r.supplement_rounds, r.finished_at,
                    Timeliness(r.outcome) if r.outcome else None, r.electronic_result, r.rating)


def _snapshot_values(s: Snapshot) -> dict[str, Any]:
    return {"status": s.status.value, "deadline_at": s.deadline_at, "paused_at": s.paused_at,
            "supplement_rounds": s.supplement_rounds, "finished_at": s.finished_at,
            "outcome": s.outcome.value if s.outcome else None, "electronic_result": s.electronic_result,
            "rating": s.rating}


def _origin_values(o: Origin) -> dict[str, Any]:
    return {"receiving_unit_id": o.receiving_unit_id, "competent_unit_id": o.competent_unit_id,
            "procedure_code": o.procedure_code, "channel": o.channel, "received_at": o.received_at,
            "received_day": o.received_at.astimezone(VN_TZ).date(), "digitisation": o.digitisation.value,
            "outside_area": o.outside_area}


def _rows(dossier_id: int, events: list[HistoryEvent]) -> list[dict[str, Any]]:
    received = next((e for e in events if e.kind == EventKind.RECEIVED), None)
    if received is None:
        return []
    origin = _origin_values(origin_of(received))
    return [{"dossier_id": dossier_id, "since": span.since, "until": span.until, **origin,
             **_snapshot_values(span.snapshot)} for span in spans_of(events)]


def tracked_histories(connection: Connection) -> Iterator[tuple[int, list[HistoryEvent]]]:
    """Each dossier's raw history events that the statistics fold, in order."""
    h = HistoryEventRecord.__table__.c
    query = (select(h.dossier_id, h.kind, h.at, h.unit_id, h.data)
             .where(h.kind.in_([k.value for k in TRACKED])).order_by(h.dossier_id, h.id))
    rows = connection.execute(query.execution_options(yield_per=5000))
    for dossier_id, group in groupby(rows, key=lambda r: r.dossier_id):
        yield dossier_id, [HistoryEvent(EventKind(r.kind), r.at, None, r.unit_id, r.data, dossier_id) for r in group]


def recomputed_rows(connection: Connection) -> Iterator[dict[str, Any]]:
    """The rows the table must hold, folded again from every dossier's raw history."""
    for dossier_id, events in tracked_histories(connection):
        yield from _rows(dossier_id, events)


def stored_rows(connection: Connection) -> list[dict[str, Any]]:
    table = StatSpanRecord.__table__
    query = select(*[c for c in table.c if c.name != "id"]).order_by(table.c.dossier_id, table.c.since)
    return [dict(r._mapping) for r in connection.execute(query)]


def rebuild(connection: Connection, *, batch: int = 5000) -> int:
    """Replace the whole table by the fold of the history (after a migration, or to repair it)."""
    connection.execute(delete(StatSpanRecord))
    written = 0
    for chunk in _chunks(recomputed_rows(connection), batch):
        connection.execute(insert(StatSpanRecord), chunk)
        written += len(chunk)
    return written


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
