"""Dossier history: the hash-chained append (engine/adapters/history_chain.py) and its reads."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.adapters.history_chain import ChainHeads, read_chains
from engine.adapters.pending_rows import table_of
from engine.adapters.records import HistoryEventRecord
from engine.adapters.stat_spans import StatSpans
from engine.domain.dossier import EventKind, HistoryEvent
from engine.domain.history_chain import Head, Link

_EVENTS = table_of(HistoryEventRecord).c
_OF_DOSSIER = (select(_EVENTS.kind, _EVENTS.at, _EVENTS.actor_id, _EVENTS.unit_id, _EVENTS.data, _EVENTS.dossier_id,
                      _EVENTS.id).where(_EVENTS.dossier_id == bindparam("dossier_id")).order_by(_EVENTS.seq))


class HistoryRepository:
    def __init__(self, session: Session, *, request_id: str | None = None):
        """`request_id`: written on every event appended, outside the hash chain."""
        self._s = session
        self._spans = StatSpans(session)
        self._request_id = request_id

    def append(self, event: HistoryEvent) -> int:
        """Append the event to its dossier's hash chain and, in the same transaction, fold it into the
        dossier's statistics span; return its position in the chain."""
        row = ChainHeads.of(self._s).extend(event, self._request_id)
        self._spans.record(event)
        return int(row["seq"])

    def of_dossier(self, dossier_id: int) -> list[HistoryEvent]:
        return [HistoryEvent(EventKind(r.kind), r.at, r.actor_id, r.unit_id, r.data, r.dossier_id, r.id)
                for r in self._s.execute(_OF_DOSSIER, {"dossier_id": dossier_id})]

    def chains(self, *, after: int, limit: int, dossier_code: str | None = None) -> list[tuple[Head, list[Link]]]:
        """The next `limit` dossiers by id after `after` (or the one with `dossier_code`) with their stored
        chains, for the verifier."""
        return read_chains(self._s, after=after, limit=limit, code=dossier_code)
