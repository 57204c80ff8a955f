"""The jobs table: schedule background work, and let workers claim what is due.

Claiming happens inside the transaction that runs the job (see engine/services/worker.py), so the
job's effect and its `done` mark commit together.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.adapters.records import JobRecord
from engine.domain.job import Job, JobKind, JobStatus


class JobRepository:
    def __init__(self, session: Session):
        self._s = session

    def add(self, job: Job) -> None:
        record = JobRecord(kind=job.kind.value, dossier_id=job.dossier_id, run_at=job.run_at, payload=job.payload,
                           status=job.status.value, attempts=job.attempts, last_error=job.last_error,
                           done_at=job.done_at)
        self._s.add(record)
        self._s.flush()
        job.id = record.id


def _job(r: JobRecord) -> Job:
    return Job(JobKind(r.kind), r.run_at, r.dossier_id, r.payload, JobStatus(r.status), r.attempts, r.last_error,
               r.done_at, r.id)
