"""Keeping the stat_spans table in step with the history, and rebuilding it from the history.

Every tracked history event goes through `StatSpans.record` in the same transaction that appends it,
so the table can never disagree with the events it was folded from; `recomputed_rows` folds the raw
events again and is what the tests compare the table with.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select
from sqlalchemy.orm import Session

from engine.adapters.pending_rows import UNAFFECTED, PendingRows, Row, table_of
from engine.adapters.records import HistoryEventRecord, StatSpanRecord
from engine.domain.calendar import VN_TZ
from engine.domain.dossier import EventKind, HistoryEvent
from engine.domain.stat_spans import TRACKED, Origin, Snapshot, advance, origin_of, spans_of
from engine.domain.status import DossierStatus
from engine.domain.timeliness import Timeliness

_ORIGIN = ("receiving_unit_id", "competent_unit_id", "procedure_code", "channel", "received_at",
           "received_day", "digitisation", "outside_area")


class StatSpans:
    """The open span of each dossier a command touches, as the command has left it."""

    def __init__(self, session: Session):
        self._s = session
        self._open: dict[int, Row] = {}

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
        if current["since"] == event.at:  # same instant: one span, not an empty one
            self._change(event.dossier_id, current, _snapshot_values(following))
            return
        self._change(event.dossier_id, current, {"until": event.at})
        self._open_span(event.dossier_id, event.at, {name: current[name] for name in _ORIGIN}, following)

    def _read_open(self, dossier_id: int) -> Row | None:
        # Nothing pending can change it (this command's changes to it are in _open): the pending rows wait,
        # so they still go out together.
        found = self._s.execute(_OPEN_SPAN, {"dossier_id": dossier_id},
                                execution_options={UNAFFECTED: True}).first()
        if found is None:
            return None
        row = self._open[dossier_id] = Row(found._mapping)
        row.sent = True
        return row

    def _change(self, dossier_id: int, span: Row, values: dict[str, Any]) -> None:
        """Change the dossier's open span: in place while it is pending, else by an update of "its open span"."""
        if not span.sent:
            span.update(values)
            return
        PendingRows.of(self._s).update(_TABLE, {"dossier_id": dossier_id, "until": None}, values)
        span.update(values)

    def _open_span(self, dossier_id: int, since: Any, origin: dict[str, Any], snapshot: Snapshot | None) -> None:
        assert snapshot is not None
        self._open[dossier_id] = PendingRows.of(self._s).insert(_TABLE, {
            "dossier_id": dossier_id, "since": since, "until": None, **origin, **_snapshot_values(snapshot)})


_TABLE = table_of(StatSpanRecord)
_OPEN_SPAN = select(_TABLE).where(_TABLE.c.dossier_id == bindparam("dossier_id"), _TABLE.c.until.is_(None))


def snapshot_of(r: Any) -> Snapshot:
    """The snapshot a span row holds (a record or a row's mapping)."""
    get = r.__getitem__ if isinstance(r, dict) else lambda name: getattr(r, name)
    return Snapshot(DossierStatus(get("status")), get("deadline_at"), get("paused_at"), get("supplement_rounds"),
                    get("finished_at"), Timeliness(get("outcome")) if get("outcome") else None,
                    get("electronic_result"), get("rating"))


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
