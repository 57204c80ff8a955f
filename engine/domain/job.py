"""Background jobs: work the engine schedules for later (DESIGN.md "State and persistence").

A job is a row in the jobs table with a kind, an optional dossier and the time it becomes due. The
worker runs a due job in the same transaction that claims it, so its effect and its `done` mark
commit together: a job is never half-run, and two workers never both run it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class JobKind(StrEnum):
    SUPPLEMENT_EXPIRY = "supplement_expiry"  # refuse a dossier whose applicant did not supplement in time
    DEADLINE_WATCH = "deadline_watch"        # mark a dossier near due, then overdue
    WORKFLOW_TIMER = "workflow_timer"        # fire the BPMN timer events that are due


class JobStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS; kept for an operator to read


MAX_ATTEMPTS = 5


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
