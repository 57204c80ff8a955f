"""The lookup_failures table: wrong secrets tried per dossier code (engine/domain/lookup_lock.py).

A failure is counted with one upsert, so concurrent wrong guesses all count, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.adapters.records import LookupFailureRecord
from engine.domain.lookup_lock import LOCK, MAX_FAILURES, WINDOW, LookupFailures


class LookupFailureRepository:
    def __init__(self, session: Session):
        self._s = session

    def get(self, code: str) -> LookupFailures | None:
        record = self._s.get(LookupFailureRecord, code, populate_existing=True)
        return None if record is None else LookupFailures(record.failures, record.window_started_at,
                                                          record.locked_until)

    def count_failure(self, code: str, now: datetime) -> None:
        """One more wrong secret for `code`: a new window when the last is over; locked at MAX_FAILURES."""
        dialect = postgresql if self._s.get_bind().dialect.name == "postgresql" else sqlite
        table = LookupFailureRecord.__table__
        moment = table.c.window_started_at.type  # times bound as the columns store them (UTC)
        stale = table.c.window_started_at <= literal(now - WINDOW, moment)
        failures = case((stale, 1), else_=table.c.failures + 1)
        statement = dialect.insert(table).values(code=code, failures=1, window_started_at=now, locked_until=None)
        self._s.execute(statement.on_conflict_do_update(index_elements=[table.c.code], set_={
            "failures": failures,
            "window_started_at": case((stale, literal(now, moment)), else_=table.c.window_started_at),
            "locked_until": case((failures >= MAX_FAILURES, literal(now + LOCK, moment)), else_=table.c.locked_until),
        }))
