"""The reads behind /metrics (engine/domain/monitoring.py), made at every scrape: each an aggregate over an
index (dossiers' status; the open dossiers' statistics spans; jobs' status and due time), never a scan of the
history or a list of rows. And the connection pool's state, which is the process's, not the database's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.orm import Session

from engine.adapters.records import DossierRecord, JobRecord, StatSpanRecord
from engine.adapters.stat_queries import overdue_at
from engine.domain.job import JobStatus
from engine.domain.monitoring import IN_PROCESS, WATCHED_JOBS, Workload
from engine.domain.status import DossierStatus


class MonitoringQueries:
    def __init__(self, session: Session):
        self._s = session

    def workload(self, now: datetime) -> Workload:
        d, s, j = DossierRecord, StatSpanRecord, JobRecord
        dossiers = self._s.execute(select(d.status, func.count()).group_by(d.status)).all()
        # The figures' own `in_process_overdue` condition, on the open span of each dossier still in process: the
        # status index finds those, a province's few tens of thousands rather than its million.
        overdue = self._s.scalar(
            select(func.count()).select_from(d).join(s, and_(s.dossier_id == d.id, s.until.is_(None)))
            .where(d.status.in_([status.value for status in IN_PROCESS]), overdue_at(now)))
        pending = j.status == JobStatus.PENDING.value
        jobs = self._s.execute(
            select(j.status, func.count(), func.min(j.run_at).filter(pending, j.run_at <= now))
            .where(j.status.in_([status.value for status in WATCHED_JOBS])).group_by(j.status)).all()
        return Workload(dossiers={DossierStatus(status): count for status, count in dossiers},
                        overdue=overdue or 0, jobs={JobStatus(status): count for status, count, _ in jobs},
                        oldest_due_job_at=min((due for _, _, due in jobs if due is not None), default=None))


def pool_connections(engine: Engine) -> tuple[int, int]:
    """(checked out, idle) connections of the engine's pool in this process; (0, 0) for a pool that keeps
    none (NullPool, SQLite in memory's StaticPool)."""
    pool: Any = engine.pool
    checked_out, idle = getattr(pool, "checkedout", None), getattr(pool, "checkedin", None)
    return (int(checked_out()) if checked_out else 0, int(idle()) if idle else 0)
