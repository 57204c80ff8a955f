"""The dossier (hồ sơ), its human tasks and its history events, as plain data.

A dossier's identity is its code `{unit id}-{YYMMDD}-{NNNN}`; its `version` guards concurrent updates.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from engine.domain.notice import Notice, NoticeKind
from engine.domain.status import DossierStatus

# Unambiguous letters and digits for the secret printed on the receipt (no 0/O, 1/I/L).
_SECRET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def format_dossier_code(unit_id: str, day: date, sequence: int) -> str:
    if not 1 <= sequence <= 9999:
        raise ValueError(f"the daily sequence of unit {unit_id} is exhausted ({sequence})")
    return f"{unit_id}-{day:%y%m%d}-{sequence:04d}"


SECRET_LENGTH = 10
"""Ten of 31 characters: 49 bits (the first dossiers had four: those keep working)."""
_SECRET_GROUP = 5
_SEPARATORS = str.maketrans("", "", " -.\t")


def new_lookup_secret() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(SECRET_LENGTH))


def grouped_secret(secret: str) -> str:
    """The secret as printed and shown, in groups of five a citizen can read back: `K7M4Q-X9TRB`."""
    return "-".join(secret[i:i + _SECRET_GROUP] for i in range(0, len(secret), _SECRET_GROUP))


def typed_secret(text: str) -> str:
    """What a citizen typed, as stored: without spaces or dashes, in capitals."""
    return text.translate(_SEPARATORS).upper()


class Channel(StrEnum):
    """How the dossier came in (KenhThucHien 1, 2, 3)."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    POST = "post"


@dataclass
class Dossier:
    code: str
    secret: str
    procedure_code: str
    procedure_version_id: int
    status: DossierStatus
    channel: Channel
    receiving_unit_id: str
    competent_unit_id: str
    return_unit_id: str
    applicant_name: str
    application: dict[str, Any]
    received_at: datetime
    due_at: datetime
    workflow_state: dict[str, Any]
    received_by: int
    result_ready_at: datetime | None = None
    returned_at: datetime | None = None
    idempotency_key: str | None = None
    request_digest: str | None = None
    """SHA-256 (hex) of the reception request that came with `idempotency_key`: a retry with the key must
    send the same request. None on dossiers received before it was kept (they match any retry)."""
    routes: dict[str, str] = field(default_factory=dict)
    """Unit of each lane unit rule of the procedure (e.g. `agency:police`), resolved at reception."""
    paused_at: datetime | None = None
    """Set while the clock is stopped (waiting for the applicant's financial obligation)."""
    fee_vnd: int = 0
    deadline_at: datetime | None = None
    """The appointment timeliness is judged against: `due_at` before any apology moved it (pauses for
    the applicant and the verification extension move both; an apology only moves `due_at`)."""
    finished_at: datetime | None = None
    """End of processing (Decision 766): when the first end state was reached."""
    notices: list[Notice] = field(default_factory=list)
    return_method: ReturnMethod | None = None
    id: int | None = None
    version: int = 0

    def __post_init__(self) -> None:
        if self.deadline_at is None:
            self.deadline_at = self.due_at

    def notices_of(self, kind: NoticeKind) -> list[Notice]:
        return [n for n in self.notices if n.kind == kind]

    @property
    def pending_supplement(self) -> Notice | None:
        """The supplementation request the applicant has not answered yet."""
        return next((n for n in self.notices_of(NoticeKind.SUPPLEMENT_REQUEST) if n.answered_at is None), None)

    @property
    def supplement_rounds(self) -> int:
        return len(self.notices_of(NoticeKind.SUPPLEMENT_REQUEST))

    def unit_for(self, unit_rule: str) -> str:
        """The unit a lane bound to `unit_rule` sends its tasks to."""
        own = {"receiving_centre": self.receiving_unit_id, "competent_unit": self.competent_unit_id,
               "return_centre": self.return_unit_id}
        return own[unit_rule] if unit_rule in own else self.routes[unit_rule]

    def involves(self, unit_id: str) -> bool:
        return unit_id in (self.receiving_unit_id, self.competent_unit_id, self.return_unit_id,
                           *self.routes.values())


class ReturnMethod(StrEnum):
    """How the result reached the applicant (DOMAIN.md §2.2, step 4)."""

    COUNTER = "counter"
    POST = "post"
    ONLINE = "online"


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


class EventKind(StrEnum):
    RECEIVED = "received"
    TASK_COMPLETED = "task_completed"
    HANDED_OVER = "handed_over"
    STATUS_CHANGED = "status_changed"
    CLOCK_PAUSED = "clock_paused"
    CLOCK_RESUMED = "clock_resumed"
    DEADLINE_EXTENDED = "deadline_extended"
    NOTICE_ISSUED = "notice_issued"
    SUPPLEMENTED = "supplemented"
    NEAR_DUE = "near_due"
    OVERDUE = "overdue"
    TIMER_FIRED = "timer_fired"  # a BPMN timer event fired (data: the BPMN ids of the timers)
    RATED = "rated"  # the citizen rated the service (data: the level only, never the comment)


@dataclass
class HistoryEvent:
    """One line of a dossier's append-only log. `data` holds no personal data."""

    kind: EventKind
    at: datetime
    actor_id: int | None
    unit_id: str | None
    data: dict[str, Any] = field(default_factory=dict)
    dossier_id: int | None = None
    id: int | None = None
