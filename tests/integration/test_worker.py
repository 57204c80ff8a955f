"""The background worker against a real database (SQLite file and PostgreSQL): due jobs run and others
wait, a failing job is retried with backoff and then left FAILED, a crash mid-job leaves it pending
with nothing applied, and two real worker processes sharing one queue run each job exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest

from api.settings import ROOT
from api.wiring import Wiring
from engine.adapters.uow import SqlUnitOfWork
from engine.domain.dossier import Dossier, EventKind, HistoryEvent
from engine.domain.errors import ConflictError
from engine.domain.job import FIRST_RETRY, MAX_ATTEMPTS, Job, JobKind, JobStatus
from engine.services import worker
from tests.conftest import PHU_XUAN, Clock
from tests.integration._support import Actors, history_of, receive


class Crash(BaseException):
    """The worker process dies here (killed, power lost): not an error the worker can record."""


def _add(wiring: Wiring, *jobs: Job) -> list[int]:
    with wiring.uow() as uow:
        for job in jobs:
            uow.jobs.add(job)
        uow.commit()
    return [job.id for job in jobs if job.id is not None]


def _job(wiring: Wiring, job_id: int) -> Job:
    with wiring.uow() as uow:
        job = uow.jobs.get(job_id)
    assert job is not None
    return job


def _run(wiring: Wiring, clock: Clock, handler: Any) -> int:
    """Run what is due with `handler` for deadline checks (the kind these tests schedule)."""
    return worker.run_due(wiring.uow, handlers={JobKind.DEADLINE_WATCH: handler}, clock=clock)


def _noting(seen: list[int]) -> Any:
    """A handler that writes a history event on the job's dossier, then remembers the job."""
    def handler(uow: Any, job: Job, *, now: datetime, **_: Any) -> None:
        dossier = uow.dossiers.get_by_id(job.dossier_id)
        dossier.record(EventKind.NEAR_DUE, now, None, None, job=job.id)
        seen.append(job.id)
    return handler


def _noted(wiring: Wiring, dossier: Dossier) -> list[HistoryEvent]:
    return [e for e in history_of(wiring, dossier) if "job" in e.data]


@pytest.fixture
def dossier(wiring: Wiring, clock: Clock) -> Dossier:
    """A received dossier, its reception's deadline check (due when it turns near due) out of the way."""
    received = receive(wiring, Actors(wiring)(f"reception.{PHU_XUAN}"))
    now, clock.now = clock.now, received.due_at
    assert _run(wiring, clock, lambda uow, job, **_: None) == 1
    clock.now = now
    return received


def test_due_jobs_run_in_order_and_later_ones_wait(wiring: Wiring, clock: Clock, dossier: Dossier) -> None:
    now = clock.now
    at_now, minute_ago, five_minutes_ago, in_a_second = _add(wiring, *(
        Job(JobKind.DEADLINE_WATCH, now + delta, dossier.id)
        for delta in (timedelta(0), timedelta(minutes=-1), timedelta(minutes=-5), timedelta(seconds=1))))
    seen: list[int] = []
    assert _run(wiring, clock, _noting(seen)) == 3
    due = [five_minutes_ago, minute_ago, at_now]
    assert seen == due
    assert [(_job(wiring, i).status, _job(wiring, i).done_at) for i in due] == [(JobStatus.DONE, now)] * 3
    assert [e.data["job"] for e in _noted(wiring, dossier)] == due  # each effect committed with its job
    assert _job(wiring, in_a_second).status == JobStatus.PENDING
    assert _run(wiring, clock, _noting(seen)) == 0

    clock.now = now + timedelta(seconds=1)
    assert _run(wiring, clock, _noting(seen)) == 1
    assert seen[-1] == in_a_second and _job(wiring, in_a_second).status == JobStatus.DONE


def test_a_failing_job_is_retried_with_backoff_then_left_failed(wiring: Wiring, clock: Clock,
                                                                dossier: Dossier) -> None:
    start = clock.now
    [job_id] = _add(wiring, Job(JobKind.DEADLINE_WATCH, start, dossier.id))
    calls: list[datetime] = []

    def failing(uow: Any, job: Job, *, now: datetime, **_: Any) -> None:
        _noting([])(uow, job, now=now)  # written, then undone with the failed attempt
        calls.append(now)
        raise ValueError(f"step {len(calls)} went wrong")

    expected_gaps = [timedelta(seconds=30 * 2 ** n) for n in range(MAX_ATTEMPTS - 1)]  # 30 s, 1, 2, 4 min
    for attempt, gap in enumerate(expected_gaps, start=1):
        assert _run(wiring, clock, failing) == 1
        job = _job(wiring, job_id)
        assert (job.status, job.attempts, job.run_at) == (JobStatus.PENDING, attempt, clock.now + gap)
        assert job.last_error == f"ValueError: step {attempt} went wrong"
        clock.now += gap - timedelta(seconds=1)
        assert _run(wiring, clock, failing) == 0  # not before the backoff has passed
        clock.now += timedelta(seconds=1)
    assert _run(wiring, clock, failing) == 1
    job = _job(wiring, job_id)
    assert (job.status, job.attempts, job.done_at) == (JobStatus.FAILED, MAX_ATTEMPTS, None)
    assert job.last_error == f"ValueError: step {MAX_ATTEMPTS} went wrong"
    assert len(calls) == MAX_ATTEMPTS and calls[-1] - calls[0] == sum(expected_gaps, timedelta())
    clock.now += timedelta(days=1)
    assert _run(wiring, clock, failing) == 0  # a failed job stays for an operator
    assert _noted(wiring, dossier) == []


def test_a_job_of_unknown_kind_fails_without_stopping_the_others(wiring: Wiring, clock: Clock,
                                                                 dossier: Dossier) -> None:
    stray, fine = _add(wiring, Job(JobKind.SUPPLEMENT_EXPIRY, clock.now, dossier.id),
                       Job(JobKind.DEADLINE_WATCH, clock.now, dossier.id))
    seen: list[int] = []
    assert _run(wiring, clock, _noting(seen)) == 2
    assert seen == [fine]
    assert _job(wiring, stray).last_error == "LookupError: no handler for job kind supplement_expiry"


def test_a_crash_mid_job_leaves_it_pending_and_nothing_applied(wiring: Wiring, clock: Clock,
                                                               dossier: Dossier) -> None:
    [job_id] = _add(wiring, Job(JobKind.DEADLINE_WATCH, clock.now, dossier.id))
    before = history_of(wiring, dossier)

    def crashing(uow: Any, job: Job, *, now: datetime, **_: Any) -> None:
        _noting([])(uow, job, now=now)
        raise Crash

    with pytest.raises(Crash):
        _run(wiring, clock, crashing)
    job = _job(wiring, job_id)
    assert (job.status, job.attempts, job.last_error, job.run_at) == (JobStatus.PENDING, 0, None, clock.now)
    assert history_of(wiring, dossier) == before

    seen: list[int] = []
    assert _run(wiring, clock, _noting(seen)) == 1  # the next worker runs it whole
    assert seen == [job_id] and _job(wiring, job_id).status == JobStatus.DONE
    assert len(_noted(wiring, dossier)) == 1


def test_a_crash_at_commit_leaves_the_job_pending(wiring: Wiring, clock: Clock, dossier: Dossier,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    [job_id] = _add(wiring, Job(JobKind.DEADLINE_WATCH, clock.now, dossier.id))

    def crash(self: SqlUnitOfWork) -> None:
        self.flush()  # the effect and the done mark are written, never committed
        raise Crash

    monkeypatch.setattr(SqlUnitOfWork, "commit", crash)
    with pytest.raises(Crash):
        _run(wiring, clock, _noting([]))
    monkeypatch.undo()
    assert _job(wiring, job_id).status == JobStatus.PENDING and _noted(wiring, dossier) == []


def test_a_commit_that_fails_counts_as_a_failed_attempt(wiring: Wiring, clock: Clock, dossier: Dossier,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    [job_id] = _add(wiring, Job(JobKind.DEADLINE_WATCH, clock.now, dossier.id))
    real_commit = SqlUnitOfWork.commit
    commits = 0

    def first_commit_conflicts(self: SqlUnitOfWork) -> None:
        nonlocal commits
        commits += 1
        if commits == 1:
            raise ConflictError("another request changed the same data at the same time; try again")
        real_commit(self)

    monkeypatch.setattr(SqlUnitOfWork, "commit", first_commit_conflicts)
    assert _run(wiring, clock, _noting([])) == 1
    job = _job(wiring, job_id)
    assert (job.status, job.attempts, job.run_at) == (JobStatus.PENDING, 1, clock.now + FIRST_RETRY)
    assert job.last_error is not None and job.last_error.startswith("ConflictError: another request")
    assert _noted(wiring, dossier) == []  # the effect went with the lost transaction


def test_a_handler_can_ask_to_run_later(wiring: Wiring, clock: Clock, dossier: Dossier) -> None:
    [job_id] = _add(wiring, Job(JobKind.DEADLINE_WATCH, clock.now, dossier.id))
    later = clock.now + timedelta(hours=1)
    assert _run(wiring, clock, lambda uow, job, now, **_: later) == 1
    job = _job(wiring, job_id)
    assert (job.status, job.attempts, job.run_at) == (JobStatus.PENDING, 0, later)


def test_the_real_handlers_mark_an_overdue_dossier_once(wiring: Wiring, clock: Clock) -> None:
    dossier = receive(wiring, Actors(wiring)(f"reception.{PHU_XUAN}"))
    clock.now = dossier.due_at + timedelta(hours=1)
    handlers = worker.handlers(calendar=wiring.calendar, catalogue=wiring.catalogue)
    assert worker.run_due(wiring.uow, handlers=handlers, clock=clock) == 1
    assert worker.run_due(wiring.uow, handlers=handlers, clock=clock) == 0
    assert [e.kind for e in history_of(wiring, dossier)].count(EventKind.OVERDUE) == 1


# Two real worker processes -------------------------------------------------------------------------

DOSSIERS, JOBS_PER_DOSSIER = 20, 10


@pytest.fixture
def in_time_dossiers(wiring: Wiring, clock: Clock) -> list[Dossier]:
    """Dossiers received in 2030: by the machine's clock they are in time, so each deadline check
    plans exactly one next check (a side effect that doubles if a check runs twice)."""
    clock.now = datetime(2030, 7, 15, 2, 0, tzinfo=UTC)  # a Monday, 09:00 in Huế
    officer = Actors(wiring)(f"reception.{PHU_XUAN}")
    return [receive(wiring, officer) for _ in range(DOSSIERS)]


def _worker_process(database_url: str, log: IO[str]) -> subprocess.Popen[str]:
    """`flask --app api worker` on the test database, once it says it is running."""
    env = {**os.environ, "ONESTOP_DATABASE_URL": database_url, "ONESTOP_SECRET_KEY": "worker-test"}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "api", "worker", "--interval", "0.05"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    assert process.stdout is not None
    ready = process.stdout.readline()
    assert ready.startswith("worker: running due jobs"), ready
    return process


@pytest.fixture
def two_workers(database_url: str, in_time_dossiers: list[Dossier],
                tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    with ExitStack() as stack:
        logs = [stack.enter_context((tmp_path / f"worker{n}.log").open("w")) for n in (1, 2)]
        processes = [stack.enter_context(_worker_process(database_url, log)) for log in logs]
        yield processes
        for process in processes:
            if process.poll() is None:
                process.kill()


def _pending_watches(wiring: Wiring, dossiers: list[Dossier]) -> set[int]:
    with wiring.uow() as uow:
        return {j.id for d in dossiers for j in uow.jobs.pending(d.id, JobKind.DEADLINE_WATCH) if j.id}


def test_two_worker_processes_run_each_job_exactly_once(wiring: Wiring, database_url: str,
                                                        in_time_dossiers: list[Dossier],
                                                        two_workers: list[subprocess.Popen[str]]) -> None:
    planned = _pending_watches(wiring, in_time_dossiers)  # the reception's checks, due in 2030
    due_at = datetime.now(UTC) - timedelta(minutes=1)
    ids = set(_add(wiring, *(Job(JobKind.DEADLINE_WATCH, due_at, d.id) for d in in_time_dossiers
                             for _ in range(JOBS_PER_DOSSIER))))
    assert len(ids) == DOSSIERS * JOBS_PER_DOSSIER == 200
    deadline = time.monotonic() + 15
    while any(_job(wiring, i).status == JobStatus.PENDING for i in ids):
        assert time.monotonic() < deadline, "the workers did not finish in time"
        time.sleep(0.1)
    totals = []
    for process in two_workers:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=10)
        assert process.returncode == 0, out
        totals.append(int(out.strip().rsplit("after ", 1)[1].split()[0]))

    assert {_job(wiring, i).status for i in ids} == {JobStatus.DONE}
    assert sum(totals) == 200, totals  # no job ran twice
    if database_url.startswith("postgresql"):
        assert min(totals) > 0, totals  # both took jobs at once (SQLite lets one writer keep the lock)
    follow_ups = _pending_watches(wiring, in_time_dossiers) - planned
    assert len(follow_ups) == 200  # each run planned exactly one next check
    with wiring.uow() as uow:
        assert all(len(uow.jobs.pending(d.id, JobKind.DEADLINE_WATCH)) == 1 + JOBS_PER_DOSSIER
                   for d in in_time_dossiers)
