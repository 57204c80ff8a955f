"""Properties of the working-day clock over many generated receipt times, limits, pauses and overrides."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.domain.calendar import SAME_DAY_CUTOFF, VN_TZ, WorkingCalendar

CALENDAR = WorkingCalendar()

# Any minute from 2024 to 2027, Vietnamese wall clock: weekends, Tết and swapped Saturdays included.
moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=VN_TZ))
working_days = st.integers(min_value=0, max_value=30)
office_hours = st.floats(min_value=0, max_value=200, allow_nan=False).map(lambda h: round(h, 2))


def _local(moment: datetime) -> datetime:
    return moment.astimezone(VN_TZ)


@given(moments, working_days)
def test_a_due_time_is_17_00_on_a_working_day_after_receipt(received: datetime, days: int) -> None:
    due = _local(CALENDAR.add_working_days(received, days))
    assert CALENDAR.is_working_day(due.date())
    assert due.time() == time(17, 0) == CALENDAR.closing_time(due.date())
    assert due > received


@given(moments, working_days)
def test_a_due_time_counts_exactly_the_limit_in_working_days(received: datetime, days: int) -> None:
    due = _local(CALENDAR.add_working_days(received, days)).date()
    start = _local(received).date()
    counted = sum(1 for n in range(1, (due - start).days + 1) if CALENDAR.is_working_day(start + timedelta(n)))
    received_in_time = CALENDAR.is_working_day(start) and _local(received).time() < SAME_DAY_CUTOFF
    if days == 0:
        assert counted == (0 if received_in_time else 1)
    else:
        assert counted == days + (0 if CALENDAR.is_working_day(start) else 1)


@given(moments, working_days, working_days)
def test_a_longer_limit_is_never_due_earlier(received: datetime, a: int, b: int) -> None:
    short, long = sorted((a, b))
    assert CALENDAR.add_working_days(received, short) <= CALENDAR.add_working_days(received, long)


@given(moments, moments)
def test_a_later_receipt_is_never_due_earlier(first: datetime, second: datetime) -> None:
    early, late = sorted((first, second))
    assert CALENDAR.same_day_due(early) <= CALENDAR.same_day_due(late)


@given(moments, office_hours)
def test_adding_office_hours_lands_in_office_hours_and_can_be_measured_back(start: datetime, hours: float) -> None:
    end = _local(CALENDAR.add_working_hours(start, hours))
    assert CALENDAR.is_working_day(end.date())
    assert time(7, 30) <= end.time() <= time(17, 0)
    assert abs(CALENDAR.working_hours_between(start, end) - hours) < 1e-6


@given(moments, working_days, moments, office_hours)
def test_pausing_then_resuming_never_shortens_a_deadline(received: datetime, days: int, paused: datetime,
                                                         pause_hours: float) -> None:
    due = CALENDAR.add_working_days(received, days)
    resumed = CALENDAR.add_working_hours(paused, pause_hours)
    new_due = CALENDAR.resume(due, paused, resumed)
    assert new_due >= due
    assert CALENDAR.is_working_day(_local(new_due).date())
    # The agency gets back exactly the office hours the clock was stopped.
    gained = CALENDAR.working_hours_between(due, new_due)
    assert abs(gained - CALENDAR.working_hours_between(paused, resumed)) < 1e-6


@given(moments, working_days)
def test_a_pause_with_no_office_hours_in_it_changes_nothing(received: datetime, days: int) -> None:
    due = CALENDAR.add_working_days(received, days)
    saturday_night = datetime(2026, 11, 21, 22, 0, tzinfo=VN_TZ)
    assert CALENDAR.resume(due, saturday_night, saturday_night + timedelta(hours=30)) == due


@settings(max_examples=50)
@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)), moments, working_days)
def test_declaring_a_day_off_never_brings_a_deadline_forward(day_off: date, received: datetime, days: int) -> None:
    with_day_off = WorkingCalendar(extra_days_off=[day_off])
    assert with_day_off.add_working_days(received, days) >= CALENDAR.add_working_days(received, days)
    assert not with_day_off.is_working_day(day_off)
    assert _local(with_day_off.add_working_days(received, days)).date() != day_off
