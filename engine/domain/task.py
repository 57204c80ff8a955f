"""A task: a human step waiting in a dossier, for one role at one unit (the inbox row)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class TaskStatus(StrEnum):
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    SENT_BACK = "sent_back"
    """Closed by being sent back to an earlier step (trả lại): judged against its allotment like a completed one."""


@dataclass
class Task:
    """A human step waiting in a dossier, for one role at one unit (the inbox row)."""

    id: str
    dossier_code: str
    step: str
    name: str
    lane: str
    role: str
    unit_id: str
    form_id: str | None
    created_at: datetime
    due_at: datetime
    status: TaskStatus = TaskStatus.READY
    completed_at: datetime | None = None
    completed_by: int | None = None
    dossier_id: int | None = None
    data: dict[str, Any] | None = None
    """What the officer recorded when completing it (its form's data), shown to the later steps."""
    claimed_by: int | None = None
    """The officer holding it (who claimed it, or was assigned it by a leader): no one else may complete it."""
    claimed_at: datetime | None = None
    sent_back_reason: str | None = None
    """On a step re-opened by a send-back: why the later step returned it (shown to whoever redoes it)."""
    holder_name: str | None = None
    """The holder's display name: not stored, filled by the reads that show who holds the step."""

    def held_by_other(self, user_id: int) -> bool:
        return self.claimed_by is not None and self.claimed_by != user_id

    @property
    def holder(self) -> Holder | None:
        return Holder(self.claimed_by, self.holder_name) if self.claimed_by is not None else None


@dataclass(frozen=True)
class Holder:
    """Who holds a step: the officer's id and display name (None when it was not read)."""

    id: int
    name: str | None
