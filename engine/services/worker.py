"""The background worker: runs the due jobs of the jobs table (DESIGN.md "State and persistence").

Each job runs in one transaction that claims it, applies its handler and marks it done, so the effect
and the `done` mark commit together: a worker that dies half-way leaves the job pending and nothing
applied, and the next worker runs it whole. On PostgreSQL claiming skips rows other workers hold, so
any number of workers on any number of nodes share the queue and each job runs once.

A handler is `handler(uow, job, *, now) -> datetime | None`, bound to what else it needs by
`handlers()`. It runs inside the open unit of work and never commits. Returning a time keeps the job
pending until then (the work is not possible yet); raising means the attempt failed: its writes are
undone, and the job is retried with exponential backoff until MAX_ATTEMPTS, then left FAILED with the
exception's message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from engine.domain.calendar import WorkingCalendar
from engine.domain.exchange import REPLAY_WINDOW
from engine.domain.job import Job, JobKind, retry_delay
from engine.domain.ports import UnitOfWork
from engine.services import deadlines, dossier_migrations, lifecycle, timers
from engine.services.catalogue import Catalogue

log = logging.getLogger(__name__)



class Handler(Protocol):
    def __call__(self, uow: UnitOfWork, job: Job, *, now: datetime) -> datetime | None: ...


def handlers(*, calendar: WorkingCalendar, catalogue: Catalogue) -> dict[JobKind, Handler]:
    """The handler of each job kind, each given the dependencies it uses."""
    return {
        JobKind.DEADLINE_WATCH: partial(deadlines.watch, calendar=calendar),
        JobKind.SUPPLEMENT_EXPIRY: lifecycle.expire_supplement,
        JobKind.WORKFLOW_TIMER: partial(timers.fire, calendar=calendar, catalogue=catalogue),
        JobKind.MIGRATE_DOSSIER: partial(dossier_migrations.move, catalogue=catalogue, calendar=calendar),
    }


BATCH = 100  # jobs run before the loop looks at its stop event again
PAUSE_AFTER_ERROR = 5.0  # seconds, at least, after the database could not be used
HOUSEKEEPING_EVERY = timedelta(hours=1)


def run_due(uow_factory: Callable[[], UnitOfWork], *, handlers: dict[JobKind, Handler],
            clock: Callable[[], datetime], limit: int = BATCH) -> int:
    """Run due jobs one per transaction until none is due or `limit` ran; return how many ran
    (succeeded, postponed or failed)."""
    ran = 0
    while ran < limit and _run_one(uow_factory, handlers, clock):
        ran += 1
    return ran


def forget_nonces(uow_factory: Callable[[], UnitOfWork], *, now: datetime) -> int:
    """Drop the exchange's nonces older than twice the replay window (engine/domain/exchange.py): a package
    that carries one again is refused as expired by its `sent_at`, so remembering it longer protects nothing."""
    with uow_factory() as uow:
        forgotten = uow.exchange_receipts.forget_nonces(now - 2 * REPLAY_WINDOW)
        uow.commit()
    return forgotten


def _run_one(uow_factory: Callable[[], UnitOfWork], handlers: dict[JobKind, Handler],
             clock: Callable[[], datetime]) -> bool:
    """Claim one due job and run it in the same transaction; False when nothing is due."""
    with uow_factory() as uow:
        now = clock()
        claimed = uow.jobs.claim_due(now, limit=1)
        if not claimed:
            return False
        job = claimed[0]
        _attempt(uow, handlers, job, now)
        try:
            uow.commit()
            return True
        except Exception as error:  # the whole transaction is lost: count the attempt in a new one
            failure = error
    _fail_apart(uow_factory, job, failure, now)
    return True


def _attempt(uow: UnitOfWork, handlers: dict[JobKind, Handler], job: Job, now: datetime) -> None:
    """Run the job's handler; mark it done, postponed, or failed (its writes undone), uncommitted."""
    assert job.id is not None
    try:
        with uow.jobs.attempt():
            later = _handler(handlers, job)(uow, job, now=now)
    except Exception as error:  # the handler's writes are undone; the job row is still locked by us
        _fail(uow, job, error, now)
        return
    if later is not None:
        uow.jobs.reschedule(job.id, later)
    else:
        uow.jobs.mark_done(job.id, now)


def _handler(handlers: dict[JobKind, Handler], job: Job) -> Handler:
    if job.kind not in handlers:
        raise LookupError(f"no handler for job kind {job.kind.value}")
    return handlers[job.kind]


def _fail(uow: UnitOfWork, job: Job, error: Exception, now: datetime) -> None:
    # The message only: a traceback's locals are never stored (they may hold an applicant's data).
    message = f"{type(error).__name__}: {error}"
    assert job.id is not None, "a claimed job has its id"
    failed = uow.jobs.record_failure(job.id, message, now + retry_delay(job.attempts + 1))
    log.warning("job %s (%s) failed, attempt %s: %s", job.id, job.kind.value,
                failed.attempts if failed else "?", message)


def _fail_apart(uow_factory: Callable[[], UnitOfWork], job: Job, error: Exception, now: datetime) -> None:
    with uow_factory() as uow:
        _fail(uow, job, error, now)
        uow.commit()


def run_forever(uow_factory: Callable[[], UnitOfWork], *, handlers: dict[JobKind, Handler],
                clock: Callable[[], datetime], interval_seconds: float, stop_event: threading.Event,
                housekeeping: Callable[[datetime], None] | None = None,
                outbound: Callable[[], int] | None = None) -> int:
    """Run due jobs until `stop_event` is set, sleeping `interval_seconds` whenever none is due, and
    `housekeeping` (the file store's orphan collection) and `forget_nonces` at start and then every
    HOUSEKEEPING_EVERY.
    `outbound` delivers due outbox messages (engine/services/outbound.py) after each batch of jobs; it returns
    how many it tried, and a full batch of either means the loop does not sleep.

    A job in progress always finishes (or rolls back) before the loop stops. An error outside any
    job (the database is unreachable, the schema not migrated) is logged in one line and retried
    after PAUSE_AFTER_ERROR. Returns the number of jobs run.
    """
    total, kept_at = 0, None
    while not stop_event.is_set():
        try:
            if kept_at is None or clock() - kept_at >= HOUSEKEEPING_EVERY:
                kept_at = clock()
                forget_nonces(uow_factory, now=kept_at)
                if housekeeping is not None:  # every worker may run it: deleting a blob twice is harmless
                    housekeeping(kept_at)
            ran = run_due(uow_factory, handlers=handlers, clock=clock)
            ran = max(ran, outbound()) if outbound is not None else ran
        except Exception as error:
            pause = max(interval_seconds, PAUSE_AFTER_ERROR)
            log.error("the worker could not use the jobs table (%s: %s); trying again in %ss",
                      type(error).__name__, str(error).splitlines()[0] if str(error) else "", pause)
            stop_event.wait(pause)
            continue
        total += ran
        if ran < BATCH:
            stop_event.wait(interval_seconds)
    return total
