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
