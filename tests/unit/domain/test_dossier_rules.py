"""The one-stop rules the Dossier carries (engine/domain/dossier.py), against the aggregate alone: every cell
of the lifecycle table, what each rule changes and records, and what it refuses (409 naming the status,
422 naming the field). Times are the real working calendar's; T0 is a Monday 09:00 in Huế."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.domain.calendar import VN_TZ
from engine.domain.dossier import SUPPLEMENTATION, Dossier, EventKind, ReturnMethod
from engine.domain.errors import ConflictError, ValidationFailedError
from engine.domain.lifecycle import TRANSITIONS, Action
from engine.domain.notice import NoticeKind
from engine.domain.status import DossierStatus as S
from engine.domain.task import TaskStatus
from tests.conftest import PHU_XUAN, VY_DA
from tests.unit.builders import CALENDAR, ITEMS, T0, dossier, step

ALLOWED = [(a, s) for a, (starts, _) in TRANSITIONS.items() for s in sorted(starts)]
REFUSED = [(a, s) for a, (starts, _) in TRANSITIONS.items() for s in S if s not in starts]
DUE = datetime(2025, 7, 17, 17, 0, tzinfo=VN_TZ)  # the birth group's 3 working days from T0
NEXT_DAY = T0 + timedelta(days=1)  # Tuesday 09:00: 8 office hours after T0
ENDINGS = {Action.WITHDRAW: (NoticeKind.WITHDRAWAL, S.WITHDRAWN), Action.STOP: (NoticeKind.STOP, S.STOPPED)}
OPEN = [S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT]


def kinds(d: Dossier) -> list[EventKind]:
    return [e.kind for e in d.recorded]


def event(d: Dossier, kind: EventKind) -> dict[str, Any]:
    found = [e.data for e in d.recorded if e.kind == kind]
    assert len(found) == 1, f"expected one {kind} event, got {kinds(d)}"
    return found[0]


# -- the lifecycle table, cell by cell, through Dossier.take ---------------------------------------------

@pytest.mark.parametrize(("action", "status"), ALLOWED, ids=[f"{a}-{s}" for a, s in ALLOWED])
def test_take_moves_where_the_table_says(action: Action, status: S) -> None:
    d = dossier(status)
    d.take(action, NEXT_DAY, 7, VY_DA)
    target = TRANSITIONS[action][1] or status
    assert d.status == target
    assert kinds(d) == ([EventKind.STATUS_CHANGED] if target != status else [])


@pytest.mark.parametrize(("action", "status"), REFUSED, ids=[f"{a}-{s}" for a, s in REFUSED])
def test_take_refuses_what_the_table_does_not_allow_with_409_naming_the_status(action: Action, status: S) -> None:
    d = dossier(status)
    before = copy.deepcopy(d)
    with pytest.raises(ConflictError) as refused:
        d.take(action, NEXT_DAY, 7, VY_DA)
    assert refused.value.status == status.value
    assert d == before and d.recorded == []


# -- each rule refuses, as a whole, the statuses its action may not start from -----------------------

def _supplement(d: Dossier) -> None:
    d.supplement(NEXT_DAY, 7, PHU_XUAN, "", CALENDAR, [])


def _request(d: Dossier) -> None:
    d.request_supplement(NEXT_DAY, 7, PHU_XUAN, "Thiếu giấy tờ", ITEMS, None)


def _extend(d: Dossier) -> None:
    d.extend(NEXT_DAY, 7, VY_DA, "Cần thêm thời gian", DUE + timedelta(days=1), CALENDAR)


RULES = {
    Action.REQUEST_SUPPLEMENT: _request,
    Action.SUPPLEMENT: _supplement,
    Action.AWAIT_PAYMENT: lambda d: d.await_payment(NEXT_DAY, 7, VY_DA, "fee"),
    Action.RECORD_PAYMENT: lambda d: d.record_payment(NEXT_DAY, 7, VY_DA, "fee", CALENDAR, []),
    Action.WITHDRAW: lambda d: d.end(Action.WITHDRAW, NEXT_DAY, 7, PHU_XUAN, "Lý do", []),
    Action.STOP: lambda d: d.end(Action.STOP, NEXT_DAY, 7, VY_DA, "Lý do", []),
    Action.EXTEND: _extend,
}
def _rule_refusal(action: Action, status: S) -> Any:
    # record_payment from supplement_requested is the only refusal of a paused dossier: it once resumed the
    # clock before the table refused it.
    return pytest.param(action, status, id=f"{action}-{status}")


@pytest.mark.parametrize(("action", "status"), [_rule_refusal(a, s) for a, s in REFUSED if a in RULES])
def test_each_rule_refuses_a_status_its_action_may_not_start_from_and_changes_nothing(action: Action,
                                                                                      status: S) -> None:
    d = dossier(status)
    before = copy.deepcopy(d)
    with pytest.raises(ConflictError) as refused:
        RULES[action](d)
    assert refused.value.status == status.value
    assert d == before and d.recorded == []


# -- status changes: the event's facts, the end of processing ------------------------------------------

def test_status_changed_event_names_the_status_the_previous_one_and_the_action() -> None:
    d = dossier(S.RECEIVED)
    d.take(Action.START_PROCESSING, NEXT_DAY, 7, PHU_XUAN)
    [e] = d.recorded
    assert (e.kind, e.at, e.actor_id, e.unit_id) == (EventKind.STATUS_CHANGED, NEXT_DAY, 7, PHU_XUAN)
    assert e.data == {"status": "processing", "previous": "received", "action": "start_processing"}


def test_finishing_stamps_result_ready_at_and_finished_at_and_says_so_in_the_event() -> None:
    d = dossier(S.PROCESSING)
    d.take(Action.FINISH, NEXT_DAY, 7, VY_DA)
    assert d.result_ready_at == d.finished_at == NEXT_DAY and d.returned_at is None
    assert event(d, EventKind.STATUS_CHANGED) == {"status": "result_ready", "previous": "processing",
                                                  "action": "finish", "finished_at": NEXT_DAY.isoformat()}


def test_finished_at_stays_at_the_first_end_state_when_the_result_is_returned_later() -> None:
    d = dossier(S.RESULT_READY)  # finished at T0
    d.take(Action.RETURN, NEXT_DAY, 7, PHU_XUAN)
    assert (d.finished_at, d.result_ready_at, d.returned_at) == (T0, T0, NEXT_DAY)
    assert event(d, EventKind.STATUS_CHANGED) == {"status": "returned", "previous": "result_ready",
                                                  "action": "return", "method": "counter",
                                                  "electronic_result": False, "finished_at": T0.isoformat()}


@pytest.mark.parametrize(("method", "recorded"), [(ReturnMethod.POST, "post"), (None, None)])
def test_the_return_event_carries_the_return_method(method: ReturnMethod | None, recorded: str | None) -> None:
    d = dossier(S.RESULT_READY)
    d.return_method = method
    d.take(Action.RETURN, NEXT_DAY, 7, PHU_XUAN)
    assert event(d, EventKind.STATUS_CHANGED)["method"] == recorded


# -- the clock: pause and resume -------------------------------------------------------------------------

def test_pausing_records_when_and_why() -> None:
    d = dossier(S.PROCESSING)
    d.pause_clock(NEXT_DAY, 7, VY_DA, "fee")
    assert d.paused_at == NEXT_DAY
    assert event(d, EventKind.CLOCK_PAUSED) == {"reason": "fee"}


def test_pausing_a_paused_clock_keeps_the_first_pause_and_records_nothing() -> None:
    d = dossier(S.AWAITING_PAYMENT)  # paused at T0
    d.pause_clock(NEXT_DAY, 7, VY_DA, "fee")
    assert d.paused_at == T0 and d.recorded == []


def test_resuming_a_running_clock_moves_nothing() -> None:
    d = dossier(S.PROCESSING)
    ready = step(d)
    assert d.resume_clock(NEXT_DAY, 7, VY_DA, "fee", CALENDAR, [ready]) == []
    assert d.due_at == DUE and ready.due_at == step(d).due_at and d.recorded == []


def test_resuming_moves_the_appointment_the_deadline_and_ready_steps_by_the_paused_office_hours() -> None:
    d = dossier(S.AWAITING_PAYMENT)  # paused Monday 09:00, resumed Tuesday 09:00: 8 office hours
    ready, done = step(d, "review"), step(d, "sign", status=TaskStatus.COMPLETED)
    moved = d.resume_clock(NEXT_DAY, 7, VY_DA, "fee", CALENDAR, [ready, done])
    friday = datetime(2025, 7, 18, 17, 0, tzinfo=VN_TZ)
    assert d.paused_at is None and d.due_at == d.deadline_at == friday
    assert moved == [ready] and ready.due_at == datetime(2025, 7, 15, 14, 30, tzinfo=VN_TZ)  # Monday 14:30 + 8 h
    assert done.due_at == step(d, "sign").due_at
    assert event(d, EventKind.CLOCK_RESUMED) == {"reason": "fee", "paused_hours": 8.0, "due_at": friday.isoformat(),
                                                 "deadline_at": friday.isoformat()}


def test_resuming_moves_an_apologised_appointment_and_the_deadline_each_from_where_it_was() -> None:
    d = dossier(S.PROCESSING)
    d.extend(T0, 7, VY_DA, "Cần thêm thời gian", DUE + timedelta(days=4), CALENDAR)  # Monday 21 July
    d.await_payment(T0, 7, VY_DA, "fee")
    d.record_payment(NEXT_DAY, 7, VY_DA, "fee", CALENDAR, [])
    assert d.due_at == datetime(2025, 7, 22, 17, 0, tzinfo=VN_TZ)
    assert d.deadline_at == datetime(2025, 7, 18, 17, 0, tzinfo=VN_TZ)


def test_a_pause_over_a_weekend_counts_only_office_hours() -> None:
    friday_16h = datetime(2025, 7, 18, 16, 0, tzinfo=VN_TZ)
    d = dossier(S.AWAITING_PAYMENT, at=friday_16h)  # due Wednesday 23 July 17:00
    d.record_payment(datetime(2025, 7, 21, 8, 30, tzinfo=VN_TZ), 7, VY_DA, "fee", CALENDAR, [])
    assert event(d, EventKind.CLOCK_RESUMED)["paused_hours"] == 2.0
    assert d.due_at == datetime(2025, 7, 24, 9, 30, tzinfo=VN_TZ)  # Wednesday 17:00 + 2 office hours


# -- supplementation -------------------------------------------------------------------------------------

def test_a_supplementation_request_lists_the_items_stops_the_clock_and_is_notice_one() -> None:
    d = dossier(S.PROCESSING)
    reply_by = CALENDAR.add_working_days(NEXT_DAY, 7)
    notice = d.request_supplement(NEXT_DAY, 7, PHU_XUAN, "  Thiếu giấy chứng sinh  ", ITEMS, reply_by)
    assert d.status == S.SUPPLEMENT_REQUESTED and d.paused_at == NEXT_DAY and d.pending_supplement is notice
    assert (notice.kind, notice.number, notice.items, notice.reply_by) == (
        NoticeKind.SUPPLEMENT_REQUEST, 1, ITEMS, reply_by)
    assert (notice.reasons, notice.due_before, notice.officer_id, notice.unit_id) == (
        "Thiếu giấy chứng sinh", DUE, 7, PHU_XUAN)
    assert kinds(d) == [EventKind.STATUS_CHANGED, EventKind.NOTICE_ISSUED, EventKind.CLOCK_PAUSED]
    assert event(d, EventKind.NOTICE_ISSUED) == {"notice": "supplement_request", "number": 1}
    assert event(d, EventKind.CLOCK_PAUSED) == {"reason": SUPPLEMENTATION}


def test_a_supplementation_request_needs_the_missing_items() -> None:
    d = dossier(S.PROCESSING)
    with pytest.raises(ValidationFailedError) as refused:
        d.request_supplement(NEXT_DAY, 7, PHU_XUAN, "Thiếu giấy tờ", [], None)
    assert [e.pointer for e in refused.value.errors] == ["/items"]
    assert d.status == S.PROCESSING and d.notices == [] and d.recorded == []


def test_a_supplementation_request_needs_its_reasons() -> None:
    d = dossier(S.PROCESSING)
    with pytest.raises(ValidationFailedError) as refused:
        d.request_supplement(NEXT_DAY, 7, PHU_XUAN, "   ", ITEMS, None)
    assert [(e.pointer, e.message) for e in refused.value.errors] == [("/reasons", "must not be empty")]


def test_a_supplementation_request_refused_for_its_reasons_leaves_the_dossier_as_it_was() -> None:
    d = dossier(S.PROCESSING)
    with pytest.raises(ValidationFailedError):
        d.request_supplement(NEXT_DAY, 7, PHU_XUAN, "", ITEMS, None)
    assert d.status == S.PROCESSING and d.recorded == []


def test_only_one_supplementation_request_is_open_at_a_time() -> None:
    d = dossier(S.SUPPLEMENT_REQUESTED)
    with pytest.raises(ConflictError) as refused:
        d.request_supplement(NEXT_DAY, 7, PHU_XUAN, "Thiếu thêm", ITEMS, None)
    assert refused.value.status == "supplement_requested" and len(d.notices) == 1


def test_supplementing_answers_the_request_restarts_the_clock_and_moves_the_appointment() -> None:
    d = dossier(S.SUPPLEMENT_REQUESTED)  # asked at T0
    ready = step(d)
    moved = d.supplement(NEXT_DAY, 8, PHU_XUAN, "  Đã nộp bản chính  ", CALENDAR, [ready])
    friday = datetime(2025, 7, 18, 17, 0, tzinfo=VN_TZ)
    [notice] = d.notices
    assert d.status == S.PROCESSING and d.paused_at is None and d.pending_supplement is None
    assert (notice.answered_at, notice.answered_by, notice.due_after, notice.answer_note) == (
        NEXT_DAY, 8, friday, "Đã nộp bản chính")
    assert moved == [ready] and d.due_at == friday
    assert kinds(d) == [EventKind.STATUS_CHANGED, EventKind.CLOCK_RESUMED, EventKind.SUPPLEMENTED]
    assert event(d, EventKind.SUPPLEMENTED) == {"number": 1, "due_at": friday.isoformat()}
    assert event(d, EventKind.CLOCK_RESUMED)["reason"] == SUPPLEMENTATION


def test_notices_are_numbered_per_kind() -> None:
    d = dossier(S.SUPPLEMENT_REQUESTED)
    d.supplement(T0, 8, PHU_XUAN, "", CALENDAR, [])
    d.extend(T0, 7, VY_DA, "Cần thêm thời gian", DUE + timedelta(days=1), CALENDAR)
    d.end(Action.WITHDRAW, NEXT_DAY, 8, PHU_XUAN, "Người nộp rút hồ sơ", [])
    assert [(n.kind, n.number) for n in d.notices] == [
        (NoticeKind.SUPPLEMENT_REQUEST, 1), (NoticeKind.APOLOGY, 1), (NoticeKind.WITHDRAWAL, 1)]


def test_supplementation_is_asked_once_a_second_request_is_refused() -> None:
    d = dossier(S.SUPPLEMENT_REQUESTED)
    d.supplement(T0, 8, PHU_XUAN, "", CALENDAR, [])
    recorded = len(d.recorded)
    with pytest.raises(ConflictError, match="the law allows one written request") as refused:
        d.request_supplement(NEXT_DAY, 7, PHU_XUAN, "Thiếu thêm", ITEMS, None)
    assert refused.value.status == "processing" and d.supplement_rounds == 1 and len(d.recorded) == recorded


# -- a financial obligation ------------------------------------------------------------------------------

def test_awaiting_payment_stops_the_clock() -> None:
    d = dossier(S.PROCESSING)
    d.await_payment(NEXT_DAY, 7, VY_DA, "fee")
    assert d.status == S.AWAITING_PAYMENT and d.paused_at == NEXT_DAY
    assert kinds(d) == [EventKind.STATUS_CHANGED, EventKind.CLOCK_PAUSED]


def test_recording_the_payment_restarts_the_clock_and_processing() -> None:
    d = dossier(S.AWAITING_PAYMENT)
    ready = step(d)
    assert d.record_payment(NEXT_DAY, 7, VY_DA, "fee", CALENDAR, [ready]) == [ready]
    assert d.status == S.PROCESSING and d.paused_at is None
    assert kinds(d) == [EventKind.CLOCK_RESUMED, EventKind.STATUS_CHANGED]


# -- ending early: withdrawal, stop -----------------------------------------------------------------------

@pytest.mark.parametrize("action", list(ENDINGS))
def test_ending_early_issues_the_notice_ends_processing_and_cancels_only_ready_steps(action: Action) -> None:
    d = dossier(S.PROCESSING)
    ready, done = step(d, "review"), step(d, "receive", status=TaskStatus.COMPLETED)
    cancelled = d.end(action, NEXT_DAY, 7, PHU_XUAN, " Lý do ", [ready, done])
    kind, status = ENDINGS[action]
    assert d.status == status and d.finished_at == NEXT_DAY
    assert [(n.kind, n.number, n.reasons) for n in d.notices] == [(kind, 1, "Lý do")]
    assert cancelled == [ready] and (ready.status, ready.completed_at) == (TaskStatus.CANCELLED, NEXT_DAY)
    assert done.status == TaskStatus.COMPLETED
    assert kinds(d) == [EventKind.NOTICE_ISSUED, EventKind.STATUS_CHANGED]


@pytest.mark.parametrize(("action", "status"), [(Action.WITHDRAW, S.SUPPLEMENT_REQUESTED),
                                                (Action.WITHDRAW, S.AWAITING_PAYMENT),
                                                (Action.STOP, S.SUPPLEMENT_REQUESTED),
                                                (Action.STOP, S.AWAITING_PAYMENT)])
def test_ending_while_the_clock_is_stopped_finishes_when_the_wait_began(action: Action, status: S) -> None:
    d = dossier(status)  # paused at T0
    d.end(action, NEXT_DAY, 7, PHU_XUAN, "Lý do", [])
    assert d.finished_at == T0 and d.paused_at is None
    assert event(d, EventKind.STATUS_CHANGED)["finished_at"] == T0.isoformat()


def test_ending_needs_reasons() -> None:
    d = dossier(S.PROCESSING)
    with pytest.raises(ValidationFailedError) as refused:
        d.end(Action.STOP, NEXT_DAY, 7, VY_DA, "  ", [])
    assert [e.pointer for e in refused.value.errors] == ["/reasons"]
    assert d.status == S.PROCESSING and d.notices == []


def test_ending_refused_for_its_reasons_leaves_a_waiting_dossier_as_it_was() -> None:
    d = dossier(S.SUPPLEMENT_REQUESTED)
    with pytest.raises(ValidationFailedError):
        d.end(Action.STOP, NEXT_DAY, 7, VY_DA, "", [])
    assert d.paused_at == T0 and d.finished_at is None


@pytest.mark.parametrize("status", OPEN)
def test_a_received_dossier_is_never_refused_only_stopped(status: S) -> None:
    """Refusal is of reception (a submission's, engine/domain/submission.py): once received, a dossier found
    ineligible or never supplemented is stopped (status 8)."""
    d = dossier(status)
    before = copy.deepcopy(d)
    with pytest.raises(ConflictError) as refused:
        d.end(Action.REFUSE, NEXT_DAY, 7, PHU_XUAN, "Lý do", [step(d)])
    assert refused.value.status == status.value
    assert d == before and d.recorded == []
    d.end(Action.STOP, NEXT_DAY, 7, VY_DA, "Lý do", [])
    assert d.status == S.STOPPED and [n.kind for n in d.notices if n.kind != NoticeKind.SUPPLEMENT_REQUEST] == [
        NoticeKind.STOP]


# -- a new appointment -----------------------------------------------------------------------------------

def test_an_apology_moves_the_appointment_not_the_deadline() -> None:
    d = dossier(S.PROCESSING)
    new = DUE + timedelta(days=1)
    d.extend(NEXT_DAY, 7, VY_DA, "Cần thêm thời gian", new, CALENDAR)
    [notice] = d.notices
    assert d.due_at == new and d.deadline_at == DUE
    assert (notice.kind, notice.due_before, notice.due_after) == (NoticeKind.APOLOGY, DUE, new)
    assert event(d, EventKind.DEADLINE_EXTENDED) == {"reason": "apology", "due_at": new.isoformat()}


def test_the_appointment_is_moved_once() -> None:
    d = dossier(S.PROCESSING)
    d.extend(NEXT_DAY, 7, VY_DA, "Cần thêm thời gian", DUE + timedelta(days=1), CALENDAR)
    with pytest.raises(ConflictError, match="once") as refused:
        d.extend(NEXT_DAY, 7, VY_DA, "Lần nữa", DUE + timedelta(days=4), CALENDAR)
    assert refused.value.status == "processing" and d.due_at == DUE + timedelta(days=1)


DAY_BEFORE_CLOSING = datetime(2025, 7, 16, 17, 0, tzinfo=VN_TZ)  # Wednesday: the working day before DUE


@pytest.mark.parametrize("now", [DAY_BEFORE_CLOSING + timedelta(minutes=1), DUE - timedelta(minutes=1), DUE],
                         ids=["day-before-after-closing", "appointment-day", "at"])
def test_an_apology_comes_one_working_day_before_the_appointment(now: datetime) -> None:
    d = dossier(S.PROCESSING)
    with pytest.raises(ConflictError, match="17:00 16/07/2025, one working day before") as refused:
        d.extend(now, 7, VY_DA, "Trễ", DUE + timedelta(days=1), CALENDAR)
    assert refused.value.status == "processing" and d.notices == [] and d.due_at == DUE


def test_an_apology_at_the_closing_of_the_working_day_before_is_in_time() -> None:
    d = dossier(S.PROCESSING)
    d.extend(DAY_BEFORE_CLOSING, 7, VY_DA, "Cần xác minh", DUE + timedelta(days=1), CALENDAR)
    assert d.due_at == DUE + timedelta(days=1)


def test_a_same_day_dossier_may_apologise_until_its_appointment() -> None:
    d = dossier(S.PROCESSING)
    d.due_at = d.deadline_at = T0.replace(hour=17)  # same day: the working day before is before its reception
    d.extend(T0.replace(hour=16, minute=59), 7, VY_DA, "Cần xác minh", DUE, CALENDAR)
    late = dossier(S.PROCESSING)
    late.due_at = late.deadline_at = T0.replace(hour=17)
    with pytest.raises(ConflictError, match="has passed"):
        late.extend(T0.replace(hour=17), 7, VY_DA, "Trễ", DUE, CALENDAR)


@pytest.mark.parametrize(("new_due_at", "problem"), [
    (DUE, "must be later than the current appointment"),
    (DUE - timedelta(days=1), "must be later than the current appointment"),
    (DUE.replace(tzinfo=None) + timedelta(days=1), "must carry a time zone"),
    (datetime(2025, 7, 19, 10, 0, tzinfo=VN_TZ), "must fall on a working day"),  # a Saturday
    (datetime(2025, 9, 2, 10, 0, tzinfo=VN_TZ), "must fall on a working day"),   # National Day
], ids=["same", "earlier", "naive", "saturday", "holiday"])
def test_the_new_appointment_must_be_later_aware_and_on_a_working_day(new_due_at: datetime, problem: str) -> None:
    d = dossier(S.PROCESSING)
    with pytest.raises(ValidationFailedError) as refused:
        d.extend(NEXT_DAY, 7, VY_DA, "Cần thêm thời gian", new_due_at, CALENDAR)
    assert [(e.pointer, e.message) for e in refused.value.errors] == [("/new_due_at", problem)]
    assert d.notices == [] and d.due_at == DUE and d.recorded == []


@pytest.mark.parametrize(("new_due_at", "accepted"), [
    (datetime(2025, 7, 20, 23, 0, tzinfo=UTC), True),   # Monday 06:00 in Huế
    (datetime(2025, 7, 18, 17, 30, tzinfo=UTC), False),  # Saturday 00:30 in Huế
], ids=["sunday-utc", "friday-utc"])
def test_the_working_day_of_a_new_appointment_is_judged_in_huế_time(new_due_at: datetime, accepted: bool) -> None:
    d = dossier(S.PROCESSING)
    if accepted:
        d.extend(NEXT_DAY, 7, VY_DA, "Cần thêm thời gian", new_due_at, CALENDAR)
        assert d.due_at == new_due_at
    else:
        with pytest.raises(ValidationFailedError, match="not usable"):
            d.extend(NEXT_DAY, 7, VY_DA, "Cần thêm thời gian", new_due_at, CALENDAR)


def test_verification_adds_working_days_to_the_appointment_and_the_deadline() -> None:
    d = dossier(S.PROCESSING)
    d.extend_for_verification(NEXT_DAY, 7, VY_DA, 2, CALENDAR)
    monday = datetime(2025, 7, 21, 17, 0, tzinfo=VN_TZ)  # Thursday 17:00 + 16 office hours
    assert d.due_at == d.deadline_at == monday
    assert event(d, EventKind.DEADLINE_EXTENDED) == {"reason": "verification", "working_days": 2,
                                                     "due_at": monday.isoformat(), "deadline_at": monday.isoformat()}
