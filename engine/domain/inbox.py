"""What an officer asks of the inbox (status, procedure, urgency, order) and what each of its rows shows.

Pure: the repository turns an InboxQuery into SQL (engine/adapters/tasks.py), so its filters hold for the whole
result and the total counts exactly the rows the pages would show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from engine.domain.task import Task, TaskStatus
from engine.domain.timeliness import Timeliness


class InboxOrder(StrEnum):
    DUE = "due"
    """The step's due time, earliest first (the default: what must be done first)."""
    ARRIVAL = "arrival"
    """When the step started, earliest first (first come, first served)."""


class Urgency(StrEnum):
    """The inbox's urgency filter, by the steps' timeliness (engine/domain/timeliness.of_step). A step of a
    dossier whose clock is stopped (waiting for the applicant) is never urgent: its due time will move."""

    URGENT = "urgent"
    """Near due or overdue."""
    NEAR_DUE = "near_due"
    OVERDUE = "overdue"

    @property
    def marks(self) -> frozenset[Timeliness]:
        if self == Urgency.URGENT:
            return frozenset({Timeliness.NEAR_DUE, Timeliness.OVERDUE})
        return frozenset({Timeliness(self.value)})


class Holding(StrEnum):
    """The inbox's filter by who holds the step (engine/services/claims.py); none: every step."""

    MINE = "mine"
    """Held by the officer asking (claimed by them, or assigned to them by a leader)."""
    UNCLAIMED = "unclaimed"
    """Held by no one."""


@dataclass(frozen=True)
class InboxQuery:
    status: TaskStatus = TaskStatus.READY
    procedure_code: str | None = None
    urgency: Urgency | None = None
    """Only ready steps can be near due or overdue: with the completed ones, the filter leaves nothing."""
    order: InboxOrder = InboxOrder.DUE
    holding: Holding | None = None
    me: int | None = None
    """The officer asking, whose steps `mine` selects (set by the service from the actor)."""


@dataclass(frozen=True)
class UrgentSteps:
    """The urgency filter resolved at `now`: overdue is a plain comparison the database makes; which steps are
    near due depends on the working calendar, so the service names them (`near_due_ids`)."""

    now: datetime
    overdue: bool
    near_due_ids: frozenset[str] | None
    """None when near-due steps are not asked for."""


@dataclass(frozen=True)
class InboxItem:
    """One row of the inbox: the step, and what the officer reads of its dossier in the same query."""

    task: Task
    applicant_name: str
    procedure_code: str
    clock_stopped_since: datetime | None = None
    """When the dossier's clock stopped, while it waits for the applicant (its due time will move)."""
    timeliness: Timeliness | None = None
    """The step's mark as of the read (None: no allotment, or the clock is stopped)."""
