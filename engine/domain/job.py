"""Background jobs: work the engine schedules for later (DESIGN.md "State and persistence").

A job is a row in the jobs table with a kind, an optional dossier and the time it becomes due. The
worker runs a due job in the same transaction that claims it, so its effect and its `done` mark
commit together: a job is never half-run, and two workers never both run it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class JobKind(StrEnum):
    SUPPLEMENT_EXPIRY = "supplement_expiry"  # refuse a dossier whose applicant did not supplement in time
    DEADLINE_WATCH = "deadline_watch"        # mark a dossier near due, then overdue
    WORKFLOW_TIMER = "workflow_timer"        # fire the BPMN timer events that are due
    MIGRATE_DOSSIER = "migrate_dossier"      # move a dossier to another procedure version (payload: migration)


class JobStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS; kept for an operator to read


MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)  # then 1, 2, 4 minutes: a passing fault clears, a bug stops soon


def retry_delay(attempts: int, *, longest: timedelta | None = None) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt before trying again (a job's, or an outbound
    message's, engine/domain/outbox.py): FIRST_RETRY, doubling each time, at most `longest`."""
    doublings: int = 2 ** max(attempts - 1, 0)
    delay = FIRST_RETRY * doublings
    return min(delay, longest) if longest is not None else delay


@dataclass
class Job:
    kind: JobKind
    run_at: datetime
    dossier_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    status: JobStatus = JobStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    done_at: datetime | None = None
    id: int | None = None
