"""The dossier (hồ sơ) and the one-stop rules every procedure obeys; its human tasks; its history events.

A dossier's identity is its code `{unit id}-{YYMMDD}-{NNNN}`; its `version` guards concurrent updates.
Every change of status, clock, appointment and notice is a method of the dossier: it asks the lifecycle
table (engine/domain/lifecycle.py) and records the history events the change implies in `recorded`,
which the repository stores with the dossier. Who may act is engine/domain/permissions.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from engine.domain.calendar import VN_TZ, WorkingCalendar
from engine.domain.contact import Contact
from engine.domain.errors import ConflictError, FieldError, ValidationFailedError
from engine.domain.exchange import Exchange
from engine.domain.files import Component
from engine.domain.lifecycle import PROCESSING_ENDS, Action, apology_deadline, next_status
from engine.domain.notice import MissingItem, Notice, NoticeKind
from engine.domain.status import DossierStatus
from engine.domain.task import Task, TaskStatus


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
    submitted_at: datetime | None = None
    """When it was handed in (NgayNopHoSo): online, before it was received; at the counter, `received_at`."""
    submission_reference: str | None = None
    """The submission it was accepted from (engine/domain/submission.py), if it came through the queue."""
    components: list[Component] = field(default_factory=list)
    """What was actually brought, per component, with the form it came in (TaiLieuNop); its files are rows of
    their own (engine/domain/files.py)."""
    result_file_id: int | None = None
    """Its electronic result, signed by the issuing unit (engine/services/results.py), once issued."""
    contact: Contact | None = None
    """Where the citizen wants notices, and whether they agreed to (engine/domain/contact.py)."""
    exchange: Exchange | None = None
    """Its part in an exchange with another province's deployment (engine/domain/exchange.py): None for a
    dossier received and handled in this province."""
    id: int | None = None
    version: int = 0
    recorded: list[HistoryEvent] = field(default_factory=list, repr=False, compare=False)
    """History events recorded since the dossier was loaded or last stored: the repository stores them."""

    def __post_init__(self) -> None:
        if self.deadline_at is None:
            self.deadline_at = self.due_at
        if self.submitted_at is None:
            self.submitted_at = self.received_at

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

    # -- the one-stop rules (Decree 118, DOMAIN.md §2.3); `by` is the officer's id, None for the engine ---

    def record(self, kind: EventKind, at: datetime, by: int | None, unit_id: str | None, **data: Any) -> None:
        """Add a line to the history; it is stored with the dossier. `data` must hold no personal data."""
        self.recorded.append(HistoryEvent(kind, at, by, unit_id, data, dossier_id=self.id))

    def take(self, action: Action, now: datetime, by: int | None, unit_id: str | None) -> None:
        """Move the status as `action` does, or raise ConflictError (409) if the status does not allow it."""
        status = next_status(action, self.status)
        if status == self.status:
            return
        previous, self.status = self.status, status
        facts: dict[str, Any] = {}  # the statistics fold these from the history (engine/domain/stat_spans.py)
        if status == DossierStatus.RESULT_READY:
            self.result_ready_at = now
        elif status == DossierStatus.RETURNED:
            self.returned_at = now
            facts["method"] = self.return_method.value if self.return_method else None
            facts["electronic_result"] = self.result_file_id is not None  # Decision 766 indicator 4.1
        if status in PROCESSING_ENDS:
            self.finished_at = self.finished_at or now
            facts["finished_at"] = self.finished_at.isoformat()
        self.record(EventKind.STATUS_CHANGED, now, by, unit_id, status=status.value, previous=previous.value,
                    action=action.value, **facts)

    def issue_result(self, file_id: int, now: datetime, by: int, unit_id: str) -> None:
        """Record its electronic result (once: a result is issued, never replaced)."""
        if self.result_file_id is not None:
            raise ConflictError(f"dossier {self.code} has its electronic result already", status=self.status.value,
                                code="result_already_issued", dossier=self.code)
        next_status(Action.COMPLETE_STEP, self.status)  # issued while it is processed, not after
        self.result_file_id = file_id
        self.record(EventKind.RESULT_ISSUED, now, by, unit_id, file=file_id)

    def pause_clock(self, now: datetime, by: int | None, unit_id: str | None, reason: str) -> None:
        if self.paused_at is None:
            self.paused_at = now
            self.record(EventKind.CLOCK_PAUSED, now, by, unit_id, reason=reason)

    def resume_clock(self, now: datetime, by: int | None, unit_id: str | None, reason: str,
                     calendar: WorkingCalendar, steps: list[Task]) -> list[Task]:
        """Restart a stopped clock: the appointment, the deadline and the ready `steps` move by the paused
        office hours. Returns the steps it moved."""
        if self.paused_at is None:
            return []
        paused_at, self.paused_at = self.paused_at, None
        self.due_at = calendar.resume(self.due_at, paused_at, now)
        self.deadline_at = calendar.resume(self.deadline_at or self.due_at, paused_at, now)
        moved = [step for step in steps if step.status == TaskStatus.READY]
        for step in moved:
            step.due_at = calendar.resume(step.due_at, paused_at, now)
        self.record(EventKind.CLOCK_RESUMED, now, by, unit_id, reason=reason,
                    paused_hours=calendar.working_hours_between(paused_at, now), due_at=self.due_at.isoformat(),
                    deadline_at=self.deadline_at.isoformat())
        return moved

    def issue(self, kind: NoticeKind, now: datetime, by: int | None, unit_id: str, reasons: str,
              **details: Any) -> Notice:
        """A written notice (the slip prints it); its reasons are required."""
        _require_reasons(reasons)
        notice = Notice(kind, len(self.notices_of(kind)) + 1, now, unit_id, by, reasons.strip(), **details)
        self.notices.append(notice)
        self.record(EventKind.NOTICE_ISSUED, now, by, unit_id, notice=kind.value, number=notice.number)
        return notice

    def request_supplement(self, now: datetime, by: int | None, unit_id: str, reasons: str,
                           items: list[MissingItem], reply_by: datetime | None) -> Notice:
        """Ask once, in writing, for every missing component; the clock stops until they arrive.

        Only once per dossier (issue 21): guidance is given in writing, once, listing every item (DOMAIN.md §2.3
        [C], DESIGN.md); Decision 766 counts a second round as late because it breaches that rule, so a second
        request is refused (409) rather than printed as "lần 2"."""
        if not items:
            raise ValidationFailedError("list every missing component", [FieldError("/items", "must not be empty")],
                                        code="supplement_items_missing")
        next_status(Action.REQUEST_SUPPLEMENT, self.status)
        if self.notices_of(NoticeKind.SUPPLEMENT_REQUEST):
            raise ConflictError(f"dossier {self.code} had its supplementation request already: the law allows one "
                                "written request listing everything to supplement", status=self.status.value,
                                code="supplement_already_requested", dossier=self.code)
        _require_reasons(reasons)  # every check before the first change: a refused request changes nothing
        self.take(Action.REQUEST_SUPPLEMENT, now, by, unit_id)
        notice = self.issue(NoticeKind.SUPPLEMENT_REQUEST, now, by, unit_id, reasons, items=items,
                            due_before=self.due_at, reply_by=reply_by)
        self.pause_clock(now, by, unit_id, reason=SUPPLEMENTATION)
        return notice

    def supplement(self, now: datetime, by: int | None, unit_id: str, note: str, calendar: WorkingCalendar,
                   steps: list[Task]) -> list[Task]:
        """The applicant brought the missing components: the clock restarts and the appointment moves.
        Returns the ready steps whose due time moved."""
        self.take(Action.SUPPLEMENT, now, by, unit_id)
        notice = self.pending_supplement
        assert notice is not None, "a dossier waiting for supplementation has an open request"
        moved = self.resume_clock(now, by, unit_id, SUPPLEMENTATION, calendar, steps)
        notice.answered_at, notice.answered_by, notice.due_after = now, by, self.due_at
        notice.answer_note = note.strip()
        self.record(EventKind.SUPPLEMENTED, now, by, unit_id, number=notice.number, due_at=self.due_at.isoformat())
        return moved

    def await_payment(self, now: datetime, by: int | None, unit_id: str, reason: str) -> None:
        """A step waits for the applicant's financial obligation: the clock stops meanwhile."""
        self.take(Action.AWAIT_PAYMENT, now, by, unit_id)
        self.pause_clock(now, by, unit_id, reason)

    def record_payment(self, now: datetime, by: int | None, unit_id: str, reason: str, calendar: WorkingCalendar,
                       steps: list[Task]) -> list[Task]:
        """The obligation is met: the clock restarts, processing goes on. Returns the steps it moved."""
        next_status(Action.RECORD_PAYMENT, self.status)  # before the clock moves
        moved = self.resume_clock(now, by, unit_id, reason, calendar, steps)
        self.take(Action.RECORD_PAYMENT, now, by, unit_id)
        return moved

    def end(self, action: Action, now: datetime, by: int | None, unit_id: str, reasons: str,
            steps: list[Task]) -> list[Task]:
        """Processing ends early (withdrawn, stopped): the notice, the status, and the ready steps
        leave every inbox. Returns the steps it cancelled."""
        next_status(action, self.status)
        _require_reasons(reasons)
        if self.paused_at is not None:
            # Waiting for the applicant when it ended: the wait is not the agency's time (Decision 766).
            self.finished_at, self.paused_at = self.paused_at, None
        self.issue(_ENDING_NOTICES[action], now, by, unit_id, reasons)
        self.take(action, now, by, unit_id)
        cancelled = [step for step in steps if step.status == TaskStatus.READY]
        for step in cancelled:
            step.status, step.completed_at = TaskStatus.CANCELLED, now
        return cancelled

    def extend(self, now: datetime, by: int | None, unit_id: str, reasons: str, new_due_at: datetime,
               calendar: WorkingCalendar) -> None:
        """Apologise and set a new appointment: once per dossier, no later than one working day before the
        appointment (engine/domain/lifecycle.py `apology_deadline`). The deadline timeliness is judged by stays
        where it was."""
        next_status(Action.EXTEND, self.status)
        if self.notices_of(NoticeKind.APOLOGY):
            raise ConflictError(f"dossier {self.code} already had its appointment moved once",
                                status=self.status.value, code="appointment_already_moved", dossier=self.code)
        latest = apology_deadline(self.due_at, self.received_at, calendar)
        if now > latest or now >= self.due_at:
            due = f"{self.due_at.astimezone(VN_TZ):%H:%M %d/%m/%Y}"
            when = (f"before the appointment ({due}), which has passed" if latest == self.due_at else
                    f"by {latest.astimezone(VN_TZ):%H:%M %d/%m/%Y}, one working day before the appointment ({due})")
            raise ConflictError(f"too late for an apology with a new appointment for dossier {self.code}: it must "
                                f"come {when}", status=self.status.value, code="apology_too_late",
                                dossier=self.code, latest=latest, due_at=self.due_at)
        _check_new_appointment(calendar, self.due_at, new_due_at)
        self.issue(NoticeKind.APOLOGY, now, by, unit_id, reasons, due_before=self.due_at, due_after=new_due_at)
        self.due_at = new_due_at
        self.record(EventKind.DEADLINE_EXTENDED, now, by, unit_id, reason="apology", due_at=new_due_at.isoformat())

    def extend_for_verification(self, now: datetime, by: int | None, unit_id: str, working_days: int,
                                calendar: WorkingCalendar) -> None:
        """A step found that the dossier needs verification: the law gives it more working days."""
        self.due_at = calendar.extend_working_days(self.due_at, working_days)
        self.deadline_at = calendar.extend_working_days(self.deadline_at or self.due_at, working_days)
        self.record(EventKind.DEADLINE_EXTENDED, now, by, unit_id, reason="verification", working_days=working_days,
                    due_at=self.due_at.isoformat(), deadline_at=self.deadline_at.isoformat())

class ReturnMethod(StrEnum):
    """How the result reached the applicant (DOMAIN.md §2.2, step 4)."""

    COUNTER = "counter"
    POST = "post"
    ONLINE = "online"


class EventKind(StrEnum):
    SUBMITTED = "submitted"  # handed in before it was received (data: channel, when guided and resubmitted)
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
    FILE_ATTACHED = "file_attached"  # a file on a component (data: its id, document, source; never its name)
    RESULT_ISSUED = "result_issued"  # the electronic result, signed by the issuing unit (data: its file id)
    TASK_CLAIMED = "task_claimed"  # an officer took a ready step (data: step, task)
    TASK_RELEASED = "task_released"  # its holder or the unit's leader let it go (data: step, task, holder)
    TASK_ASSIGNED = "task_assigned"  # the unit's leader gave it to an officer (data: step, task, holder, previous)
    TASK_SENT_BACK = "task_sent_back"  # a step returned the dossier to an earlier one (data: from/to step, task,
    # from_unit, to_unit; the reason is on the re-opened step, as free text may name people)
    MIGRATED = "migrated"  # moved to another version of its procedure (data: migration, from/to version, steps)
    SENT_TO_PROVINCE = "sent_to_province"  # handed to another province's deployment, which handles it (data:
    # province, package kind); the package itself leaves through the outbox (engine/domain/exchange_sender.py)
    RECEIVED_FROM_PROVINCE = "received_from_province"  # a package from the other province's deployment applied
    # (data: province, package kind, package_id)


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


SUPPLEMENTATION = "supplementation"  # the clock-pause reason while the applicant supplements

_ENDING_NOTICES = {Action.WITHDRAW: NoticeKind.WITHDRAWAL, Action.STOP: NoticeKind.STOP}


def _require_reasons(reasons: str) -> None:
    if not reasons.strip():
        raise ValidationFailedError("write the reasons", [FieldError("/reasons", "must not be empty")],
                                    code="reasons_missing")


def _check_new_appointment(calendar: WorkingCalendar, due_at: datetime, new_due_at: datetime) -> None:
    problem = None
    if new_due_at.tzinfo is None:
        problem = "must carry a time zone"
    elif new_due_at <= due_at:
        problem = "must be later than the current appointment"
    elif not calendar.is_working_day(new_due_at.astimezone(VN_TZ).date()):
        problem = "must fall on a working day"
    if problem:
        raise ValidationFailedError("the new appointment is not usable", [FieldError("/new_due_at", problem)],
                                    code="new_appointment_invalid")
