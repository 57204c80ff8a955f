"""What /metrics reports of the work in the database: how many dossiers are in each status and how many are
overdue, and how the background jobs keep up. Counts only, nothing of a dossier or a citizen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from engine.domain.job import JobStatus
from engine.domain.lifecycle import PROCESSING_ENDS
from engine.domain.status import DossierStatus

IN_PROCESS = tuple(s for s in DossierStatus if s not in PROCESSING_ENDS and s is not DossierStatus.SUBMITTED)
"""The statuses of a received dossier whose processing has not ended: the only ones that can be overdue."""

WATCHED_JOBS = (JobStatus.PENDING, JobStatus.FAILED)
"""Done jobs are history; these are the ones an operator watches."""


@dataclass(frozen=True)
class Workload:
    dossiers: dict[DossierStatus, int] = field(default_factory=dict)
    """Dossiers per status; a status without any is absent."""
    overdue: int = 0
    """In process and past the deadline, as the figures count them (stat_spans.Snapshot.overdue_at)."""
    jobs: dict[JobStatus, int] = field(default_factory=dict)
    """Pending and failed jobs."""
    oldest_due_job_at: datetime | None = None
    """When the job due the longest ago, still pending, was due; None when no pending job is due."""
