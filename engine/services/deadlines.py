"""Near-due and overdue marking, run by the background worker (job kind `deadline_watch`).

Each check looks at the dossier as it is now: deadlines move (pauses, verification), so a check that
finds the dossier still in time schedules the next one instead of trusting the time it was planned
for. A dossier is marked near due and overdue at most once per deadline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.domain.calendar import WorkingCalendar
from engine.domain.dossier import Dossier, EventKind
from engine.domain.job import Job, JobKind
from engine.domain.ports import UnitOfWork
from engine.domain.timeliness import Timeliness, classify_open, near_due_at

_MARKS = {Timeliness.NEAR_DUE: EventKind.NEAR_DUE, Timeliness.OVERDUE: EventKind.OVERDUE}


def watch(uow: UnitOfWork, job: Job, *, now: datetime, calendar: WorkingCalendar) -> None:
    """Mark the job's dossier near due or overdue if it has become so, and plan the next check."""
    dossier = uow.dossiers.get_by_id(job.dossier_id, lock=True) if job.dossier_id is not None else None
    if dossier is None or dossier.finished_at is not None or dossier.paused_at is not None:
        return  # finished; or paused, and resuming the clock schedules a new watch
    deadline = dossier.deadline_at or dossier.due_at
    timeliness = classify_open(now, deadline, calendar, dossier.received_at)
    if timeliness in _MARKS and not _marked(uow, job.dossier_id, _MARKS[timeliness], deadline):
        dossier.record(_MARKS[timeliness], now, None, dossier.competent_unit_id, deadline=deadline.isoformat())
    if timeliness != Timeliness.OVERDUE:
        # Overdue starts just after the deadline itself (a dossier finished at 17:00 sharp is on time).
        next_check = (near_due_at(deadline, calendar, dossier.received_at) if timeliness == Timeliness.IN_TIME
                      else deadline + timedelta(seconds=1))
        uow.jobs.add(Job(JobKind.DEADLINE_WATCH, next_check, dossier_id=dossier.id))


def _marked(uow: UnitOfWork, dossier_id: int | None, kind: EventKind, deadline: datetime) -> bool:
    assert dossier_id is not None
    return any(e.kind == kind and e.data.get("deadline") == deadline.isoformat()
               for e in uow.history.of_dossier(dossier_id))


def watch_deadline(uow: UnitOfWork, dossier: Dossier, calendar: WorkingCalendar) -> None:
    """Schedule the check that marks the dossier near due (the last quarter of its time, at most one working
    day; engine/domain/timeliness.py), then overdue."""
    uow.jobs.add(Job(JobKind.DEADLINE_WATCH,
                     near_due_at(dossier.deadline_at or dossier.due_at, calendar, dossier.received_at),
                     dossier_id=dossier.id))


@dataclass(frozen=True)
class StoppedClock:
    """A dossier whose clock is stopped while it waits for the applicant: since when, and for what."""

    since: datetime
    waiting_for: str
    """The status it waits in: `supplement_requested` or `awaiting_payment`."""


def stopped_clocks(uow: UnitOfWork, *, dossier_codes: Iterable[str]) -> dict[str, StoppedClock]:
    """Dossier code → its stopped clock, for the dossiers among `dossier_codes` that wait for the applicant:
    their steps show "clock stopped since …" rather than a due time that will move when the clock restarts."""
    with uow:
        return {d.code: StoppedClock(d.paused_at, d.status.value) for d in uow.dossiers.by_codes(dossier_codes)
                if d.paused_at is not None and d.finished_at is None}
