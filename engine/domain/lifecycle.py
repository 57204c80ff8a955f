"""The one-stop lifecycle: one table of which action may move a dossier from which status to which.

A submission (engine/domain/submission.py) is `submitted` until the counter decides: accept (it is
received and becomes a dossier with a code), guide to complete (it stays submitted), or refuse reception
(`refused`, never received). After reception nothing is refused: a dossier the competent unit finds
ineligible, or whose supplementation never came, is `stopped` (national status 8).

Every status change in the engine goes through `next_status`, so an action the table does not allow
(returning a refused dossier, supplementing twice at once, stopping a returned one) is a 409 that
names the current status, whichever endpoint, task or background job tried it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from engine.domain.calendar import VN_TZ, WorkingCalendar
from engine.domain.errors import ConflictError
from engine.domain.status import DossierStatus as S


class Action(StrEnum):
    ACCEPT = "accept"                          # the counter accepts a submission: it is received
    GUIDE = "guide"                            # the counter guides a submission to complete (Mẫu 02)
    RESUBMIT = "resubmit"                      # the applicant completes a guided submission
    REFUSE = "refuse"                          # the counter refuses reception (Mẫu 03): never received
    START_PROCESSING = "start_processing"      # a `processing` milestone (the reception step is done)
    COMPLETE_STEP = "complete_step"            # an officer completes a BPMN user task
    REQUEST_SUPPLEMENT = "request_supplement"  # one written list of what is missing; the clock stops
    SUPPLEMENT = "supplement"                  # the applicant brings it; the clock restarts
    AWAIT_PAYMENT = "await_payment"            # a BPMN step waits for the financial obligation
    RECORD_PAYMENT = "record_payment"          # the payment is recorded; the clock restarts
    FINISH = "finish"                          # the result is ready at the return centre
    RETURN = "return"                          # the result is handed to the applicant
    WITHDRAW = "withdraw"                      # the applicant withdraws the dossier
    STOP = "stop"                              # ineligible after reception, or supplementation not made in time
    EXTEND = "extend"                          # apology and a new appointment, before the old one passes
    SEND_BACK = "send_back"                    # a step returns the dossier to an earlier step (trả lại)


_IN_HAND = frozenset({S.RECEIVED, S.PROCESSING})
_OPEN = _IN_HAND | {S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT}

# action -> (statuses it may start from, status it leads to; None keeps the status)
TRANSITIONS: dict[Action, tuple[frozenset[S], S | None]] = {
    Action.ACCEPT: (frozenset({S.SUBMITTED}), S.RECEIVED),
    Action.GUIDE: (frozenset({S.SUBMITTED}), None),
    Action.RESUBMIT: (frozenset({S.SUBMITTED}), None),
    Action.REFUSE: (frozenset({S.SUBMITTED}), S.REFUSED),
    Action.START_PROCESSING: (_IN_HAND, S.PROCESSING),
    Action.COMPLETE_STEP: (_IN_HAND | {S.AWAITING_PAYMENT, S.RESULT_READY}, None),
    Action.REQUEST_SUPPLEMENT: (_IN_HAND, S.SUPPLEMENT_REQUESTED),
    Action.SUPPLEMENT: (frozenset({S.SUPPLEMENT_REQUESTED}), S.PROCESSING),
    Action.AWAIT_PAYMENT: (_IN_HAND, S.AWAITING_PAYMENT),
    Action.RECORD_PAYMENT: (frozenset({S.AWAITING_PAYMENT}), S.PROCESSING),
    Action.FINISH: (_IN_HAND, S.RESULT_READY),
    Action.RETURN: (frozenset({S.RESULT_READY}), S.RETURNED),
    Action.WITHDRAW: (_OPEN, S.WITHDRAWN),
    Action.STOP: (_OPEN, S.STOPPED),
    Action.EXTEND: (_IN_HAND | {S.AWAITING_PAYMENT}, None),
    # Only while it is processed: not while it waits for the applicant, nor once the result is ready.
    Action.SEND_BACK: (_IN_HAND, None),
}

# Task milestones (BPMN task property `milestone`): completing such a task takes this action.
MILESTONES = {
    "processing": Action.START_PROCESSING,
    "result_ready": Action.FINISH,
    "returned": Action.RETURN,
}

# Statuses in which the dossier's processing has ended (Decision 766: the first end state reached).
# `refused` is here for dossiers stored before issue 19, when a received dossier could still be refused.
PROCESSING_ENDS = frozenset({S.RESULT_READY, S.RETURNED, S.REFUSED, S.WITHDRAWN, S.STOPPED})


def next_status(action: Action, current: S) -> S:
    """The status `action` leads to from `current`; ConflictError (409) if the table does not allow it."""
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise ConflictError(f"cannot {action.value.replace('_', ' ')} a dossier that is {current.value}",
                            status=current.value, code=_conflict_code(current), action=action.value)
    return current if target is None else target


def _conflict_code(current: S) -> str:
    """Why the table refuses, in the words a page needs: the dossier waits for its applicant (no step moves
    until they supplement or pay), it is closed, or the action does not fit this status."""
    if current in (S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT):
        return "dossier_waits_for_applicant"
    return "dossier_closed" if current.is_final else "action_not_allowed"


def allows(action: Action, current: S) -> bool:
    return current in TRANSITIONS[action][0]


def apology_deadline(due_at: datetime, received_at: datetime, calendar: WorkingCalendar) -> datetime:
    """The last moment the apology with a new appointment (Mẫu 04) may be issued for an appointment `due_at`.

    Decision (issue 21): the handling unit notifies the centre and sends the apology *no later than one working
    day before the appointment* ("chậm nhất 01 ngày trước ngày hết hạn", Decree 61/2018/NĐ-CP Art. 16; quoted
    for 2018 practice in DOMAIN.md §12 [I]); Decree 118/2025's article could not be read and is taken to carry it
    over, as its new form's name "đề nghị gia hạn" (asking for an extension) implies a request made in advance.
    So the limit is the closing time of the working day before the appointment's day. A procedure whose legal
    limit is shorter than that (same day, or that moment had passed when it was received) keeps the older limit,
    the appointment itself: provincial civil-status procedures issue the apology for same-day results too.
    """
    day = calendar.previous_working_day(due_at.astimezone(VN_TZ).date())
    day_before = datetime.combine(day, calendar.closing_time(day), tzinfo=VN_TZ)
    return day_before if day_before > received_at else due_at

