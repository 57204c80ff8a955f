"""The jobs table: schedule background work, and let workers claim what is due.

Claiming happens inside the transaction that runs the job (see engine/services/worker.py), so the
job's effect and its `done` mark commit together. On PostgreSQL the claim takes the row lock with
SKIP LOCKED: workers on any number of nodes each get a different job and never wait on each other.
SQLite takes its write lock when the transaction begins (BEGIN IMMEDIATE), so there a plain select is
already serialised.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.adapters.pending_rows import PendingRows, table_of
from engine.adapters.records import JobRecord
from engine.domain.job import MAX_ATTEMPTS, Job, JobKind, JobStatus

MAX_ERROR_CHARS = 2000


class JobRepository:
    def __init__(self, session: Session):
        self._s = session

    def add(self, job: Job) -> None:
        """Schedule the job; it is written with the command's other rows, and gets its id then."""
        def numbered(job_id: int) -> None:
            job.id = job_id

        PendingRows.of(self._s).insert(table_of(JobRecord), dict(
            kind=job.kind.value, dossier_id=job.dossier_id, run_at=job.run_at, payload=job.payload,
            status=job.status.value, attempts=job.attempts, last_error=job.last_error, done_at=job.done_at),
            on_id=numbered)

    def claim_due(self, now: datetime, limit: int = 1) -> list[Job]:
        """Lock and return up to `limit` pending jobs due at `now`, earliest first, skipping any
        another transaction holds; they stay locked until this transaction ends."""
        query = (select(JobRecord)
                 .where(JobRecord.status == JobStatus.PENDING.value, JobRecord.run_at <= now)
                 .order_by(JobRecord.run_at, JobRecord.id).limit(limit)
                 .with_for_update(skip_locked=True)
                 .execution_options(populate_existing=True))
        return [_job(r) for r in self._s.scalars(query)]

    def pending(self, dossier_id: int, kind: JobKind) -> list[Job]:
        """A dossier's jobs of one kind that have not run yet."""
        query = select(JobRecord).where(JobRecord.dossier_id == dossier_id, JobRecord.kind == kind.value,
                                        JobRecord.status == JobStatus.PENDING.value).order_by(JobRecord.run_at)
        return [_job(r) for r in self._s.scalars(query)]

    def get(self, job_id: int) -> Job | None:
        record = self._s.get(JobRecord, job_id, populate_existing=True)
        return _job(record) if record else None

    def mark_done(self, job_id: int, at: datetime) -> None:
        record = self._locked(job_id)
        record.status, record.done_at = JobStatus.DONE.value, at
        self._s.flush()

    def reschedule(self, job_id: int, run_at: datetime) -> None:
        """Keep the job pending until `run_at`, without counting an attempt (it asked to run later)."""
        record = self._locked(job_id)
        record.run_at = run_at
        self._s.flush()

    def record_failure(self, job_id: int, error: str, retry_at: datetime) -> Job | None:
        """Count a failed attempt: pending again at `retry_at`, or FAILED after MAX_ATTEMPTS.

        Does nothing (returns None) if the job is no longer pending, e.g. another worker finished it.
        """
        record = self._locked(job_id)
        if record.status != JobStatus.PENDING.value:
            return None
        record.attempts += 1
        record.last_error = error[:MAX_ERROR_CHARS]
        if record.attempts >= MAX_ATTEMPTS:
            record.status = JobStatus.FAILED.value
        else:
            record.run_at = retry_at
        self._s.flush()
        return _job(record)

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """Run a job's work inside a savepoint: if it raises, its writes are undone while the claimed
        job row stays locked, so the failure is recorded before any other worker can claim it."""
        pending = PendingRows.of(self._s)
        with pending.savepoint(), self._s.begin_nested():
            yield
            pending.send()  # a constraint the work breaks fails here, inside the savepoint
            self._s.flush()

    def _locked(self, job_id: int) -> JobRecord:
        record = self._s.get(JobRecord, job_id, with_for_update=True, populate_existing=True)
        if record is None:
            raise LookupError(f"job {job_id} does not exist")
        return record


def _job(r: JobRecord) -> Job:
    return Job(JobKind(r.kind), r.run_at, r.dossier_id, r.payload, JobStatus(r.status), r.attempts, r.last_error,
               r.done_at, r.id)
