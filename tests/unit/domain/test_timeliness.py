"""Before time / on time / late (Decision 766) and in time / near due / overdue, on hand-computed cases
with weekends, the National Day holidays and clock pauses. Times are Huế wall-clock times."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.domain.calendar import VN_TZ, WorkingCalendar
from engine.domain.dossier import Channel, Dossier
from engine.domain.notice import Notice, NoticeKind
from engine.domain.status import DossierStatus
from engine.domain.task import Task, TaskStatus
from engine.domain.timeliness import Timeliness, classify_finished, classify_open, near_due_at, of_dossier, of_step

CALENDAR = WorkingCalendar()


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=VN_TZ)  # type: ignore[misc]


def dossier(due: datetime, **changes: object) -> Dossier:
    values: dict[str, object] = dict(
        code="19768-250829-0001", secret="ABCD", procedure_code="1.001193", procedure_version_id=1,
        status=DossierStatus.PROCESSING, channel=Channel.IN_PERSON, receiving_unit_id="19768",
        competent_unit_id="19777", return_unit_id="19768", applicant_name="", application={},
        received_at=at(2025, 8, 29, 9, 0), due_at=due, workflow_state={}, received_by=1)
    values.update(changes)
    return Dossier(**values)  # type: ignore[arg-type]


def supplement_round(number: int) -> Notice:
    return Notice(NoticeKind.SUPPLEMENT_REQUEST, number, at(2025, 8, 29, 10, 0), "19768", 1, "Thiếu")


@pytest.mark.parametrize(("finished", "expected"), [
    (at(2025, 9, 2, 16, 0), Timeliness.BEFORE_TIME),   # a holiday, but a day before the deadline's day
    (at(2025, 9, 3, 8, 0), Timeliness.ON_TIME),        # the deadline's day
    (at(2025, 9, 3, 17, 0), Timeliness.ON_TIME),       # the deadline itself
    (at(2025, 9, 3, 17, 0, 1), Timeliness.LATE),
    (at(2025, 9, 4, 8, 0), Timeliness.LATE),
])
def test_finished_dossiers_against_the_deadline(finished: datetime, expected: Timeliness) -> None:
    assert classify_finished(finished, at(2025, 9, 3, 17, 0)) == expected


@pytest.mark.parametrize(("now", "expected"), [
    (at(2025, 8, 28, 17, 0), Timeliness.IN_TIME),   # Thursday: Friday's 8 hours + Wednesday's 8 are left
    (at(2025, 8, 29, 17, 0), Timeliness.NEAR_DUE),  # Friday close: only Wednesday is left, 8 office hours
    (at(2025, 9, 1, 12, 0), Timeliness.NEAR_DUE),   # National Day: still 8 office hours
    (at(2025, 9, 3, 16, 59), Timeliness.NEAR_DUE),
    (at(2025, 9, 3, 17, 1), Timeliness.OVERDUE),
])
def test_dossiers_in_process_against_now(now: datetime, expected: Timeliness) -> None:
    assert classify_open(now, at(2025, 9, 3, 17, 0), CALENDAR) == expected


def test_near_due_moment_skips_the_holidays() -> None:
    assert near_due_at(at(2025, 9, 3, 17, 0), CALENDAR) == at(2025, 8, 29, 17, 0)
    assert near_due_at(at(2025, 7, 15, 10, 0), CALENDAR) == at(2025, 7, 14, 10, 0)


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 1)),
       st.floats(min_value=8, max_value=400))
def test_near_due_moment_is_one_working_day_of_office_hours_before_any_deadline(start: datetime,
                                                                                hours: float) -> None:
    deadline = CALENDAR.add_working_hours(start.replace(tzinfo=VN_TZ), round(hours * 4) / 4)
    moment = near_due_at(deadline, CALENDAR)
    assert CALENDAR.working_hours_between(moment, deadline) == pytest.approx(8)
    assert classify_open(moment, deadline, CALENDAR) == Timeliness.NEAR_DUE


def test_a_dossier_waiting_for_the_applicant_is_judged_when_its_clock_stopped() -> None:
    waiting = dossier(at(2025, 9, 3, 17, 0), paused_at=at(2025, 8, 28, 9, 0),
                      status=DossierStatus.SUPPLEMENT_REQUESTED)
    assert of_dossier(waiting, at(2025, 9, 30, 9, 0), CALENDAR) == Timeliness.IN_TIME


def test_the_deadline_before_an_apology_is_what_counts() -> None:
    apologised = dossier(at(2025, 9, 10, 17, 0), deadline_at=at(2025, 9, 3, 17, 0),
                         finished_at=at(2025, 9, 5, 10, 0))
    assert of_dossier(apologised, at(2025, 9, 5, 10, 0), CALENDAR) == Timeliness.LATE


def test_a_second_supplementation_round_is_late_whatever_the_times() -> None:
    early = dict(finished_at=at(2025, 8, 29, 11, 0))
    assert of_dossier(dossier(at(2025, 9, 3, 17, 0), notices=[supplement_round(1)], **early),
                      at(2025, 9, 1, 9, 0), CALENDAR) == Timeliness.BEFORE_TIME
    assert of_dossier(dossier(at(2025, 9, 3, 17, 0), notices=[supplement_round(1), supplement_round(2)], **early),
                      at(2025, 9, 1, 9, 0), CALENDAR) == Timeliness.LATE


def test_steps_are_judged_against_their_own_allotment() -> None:
    step = Task("t1", "19768-250829-0001", "review", "Thẩm định", "civil_status", "specialist", "19777", None,
                created_at=at(2025, 8, 29, 14, 0), due_at=at(2025, 9, 3, 9, 0))
    assert of_step(step, at(2025, 9, 3, 8, 0), CALENDAR) == Timeliness.NEAR_DUE
    step.status, step.completed_at = TaskStatus.COMPLETED, at(2025, 9, 3, 9, 30)
    assert of_step(step, at(2025, 9, 4, 8, 0), CALENDAR) == Timeliness.LATE
    no_allotment = Task("t2", "x", "hand_over", "Trả", "reception", "reception", "19768", None,
                        created_at=at(2025, 9, 3, 9, 0), due_at=at(2025, 9, 3, 9, 0))
    assert of_step(no_allotment, at(2025, 9, 5, 9, 0), CALENDAR) is None


# -- near due: the last quarter of the allotted office hours, at most one working day (issue 21) ---------------

def test_a_same_day_dossier_is_in_time_when_received_and_near_due_in_its_last_quarter() -> None:
    from engine.domain.timeliness import Timeliness, classify_open, near_due_at
    received = datetime(2025, 7, 14, 9, 0, tzinfo=VN_TZ)
    due = CALENDAR.same_day_due(received)
    allotted = CALENDAR.working_hours_between(received, due)
    assert classify_open(received, due, CALENDAR, received) == Timeliness.IN_TIME
    near = near_due_at(due, CALENDAR, received)
    assert CALENDAR.working_hours_between(near, due) == pytest.approx(allotted / 4) and near.date() == due.date()
    assert classify_open(near - timedelta(minutes=1), due, CALENDAR, received) == Timeliness.IN_TIME
    assert classify_open(near, due, CALENDAR, received) == Timeliness.NEAR_DUE


def test_a_long_dossier_is_near_due_only_on_its_last_working_day() -> None:
    from engine.domain.timeliness import NEAR_DUE_HOURS, near_due_hours
    received = datetime(2025, 7, 14, 9, 0, tzinfo=VN_TZ)
    due = CALENDAR.add_working_days(received, 15)
    assert near_due_hours(received, due, CALENDAR) == NEAR_DUE_HOURS
