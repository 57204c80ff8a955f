"""Office hours per province, by season: due times, closing hours and office hours across a season boundary."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.domain.calendar import DEFAULT_SESSIONS, VN_TZ, OfficeHours, Season, WorkingCalendar

# Winter (the default here): 07:30–11:30, 13:00–16:30 = 7.5 h. Summer 15/4–14/10: 07:00–11:30, 13:30–17:00 = 8 h.
WINTER = ((time(7, 30), time(11, 30)), (time(13, 0), time(16, 30)))
SUMMER = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))
CAL = WorkingCalendar(office_hours=OfficeHours(WINTER, (Season((4, 15), (10, 14), SUMMER),)))


def vn(m: int, d: int, h: int = 0, mi: int = 0, y: int = 2026) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=VN_TZ)


def test_the_sessions_in_force_each_day() -> None:
    assert CAL.sessions_on(date(2026, 4, 14)) == WINTER
    assert CAL.sessions_on(date(2026, 4, 15)) == SUMMER
    assert CAL.sessions_on(date(2026, 10, 14)) == SUMMER
    assert CAL.sessions_on(date(2026, 10, 15)) == WINTER
    assert CAL.closing_time(date(2026, 4, 14)) == time(16, 30) and CAL.closing_time(date(2026, 4, 15)) == time(17)
    assert CAL.office_hours_on(date(2026, 4, 14)) == 7.5 and CAL.office_hours_on(date(2026, 4, 15)) == 8
    assert CAL.office_hours_on(date(2026, 4, 18)) == 0  # a Saturday


def test_a_season_may_wrap_around_the_new_year() -> None:
    cal = WorkingCalendar(office_hours=OfficeHours(SUMMER, (Season((10, 15), (4, 14), WINTER),)))
    assert cal.sessions_on(date(2026, 12, 31)) == WINTER and cal.sessions_on(date(2027, 1, 4)) == WINTER
    assert cal.sessions_on(date(2026, 6, 1)) == SUMMER


def test_the_default_is_todays_timetable() -> None:
    cal = WorkingCalendar()
    assert cal.sessions_on(date(2026, 7, 1)) == DEFAULT_SESSIONS
    assert cal.same_day_due(vn(7, 1, 9)) == vn(7, 1, 17)


def test_same_day_due_is_the_closing_of_the_day_it_falls_on() -> None:
    assert CAL.same_day_due(vn(4, 13, 10)) == vn(4, 13, 16, 30)   # Monday in winter
    assert CAL.same_day_due(vn(4, 14, 15, 30)) == vn(4, 15, 17)   # after the cut-off: Wednesday, the first of summer
    assert CAL.same_day_due(vn(4, 14, 14, 59)) == vn(4, 14, 16, 30)
    assert CAL.same_day_due(vn(10, 14, 15)) == vn(10, 15, 16, 30)  # last summer day after 15:00: winter closing


def test_working_days_end_at_the_closing_of_the_last_day() -> None:
    assert CAL.add_working_days(vn(4, 10, 9), 3) == vn(4, 15, 17)   # Fri → Mon 13, Tue 14, Wed 15 (summer)
    assert CAL.add_working_days(vn(10, 12, 9), 3) == vn(10, 15, 16, 30)


def test_office_hours_across_the_spring_boundary() -> None:
    # Tuesday 14/4 (winter) 16:00 + 1 h: 16:00–16:30, then Wednesday (summer) opens at 07:00.
    assert CAL.add_working_hours(vn(4, 14, 16), 1) == vn(4, 15, 7, 30)
    assert CAL.working_hours_between(vn(4, 14, 16), vn(4, 15, 7, 30)) == 1
    # Mon 13/4 07:30 to Wed 15/4 17:00: 7.5 + 7.5 + 8 hours.
    assert CAL.working_hours_between(vn(4, 13, 7, 30), vn(4, 15, 17)) == 23
    assert CAL.add_working_hours(vn(4, 13, 7, 30), 23) == vn(4, 15, 17)
    # The summer lunch break is 11:30–13:30.
    assert CAL.add_working_hours(vn(4, 15, 11), 1) == vn(4, 15, 14)


def test_office_hours_across_the_autumn_boundary() -> None:
    # Wednesday 14/10 (summer) 16:30 + 2 h: 30 min, then Thursday (winter) from 07:30.
    assert CAL.add_working_hours(vn(10, 14, 16, 30), 2) == vn(10, 15, 9)
    assert CAL.working_hours_between(vn(10, 14, 7), vn(10, 15, 16, 30)) == 15.5


def test_extending_by_working_days_keeps_the_closing() -> None:
    # A due time at the summer closing, pushed one working day into winter, lands at the winter closing.
    assert CAL.extend_working_days(vn(10, 14, 17), 1) == vn(10, 15, 16, 30)
    assert CAL.extend_working_days(vn(4, 14, 16, 30), 2) == vn(4, 16, 17)
    assert CAL.extend_working_days(vn(4, 14, 16, 30), 0) == vn(4, 14, 16, 30)
    with pytest.raises(ValueError):
        CAL.extend_working_days(vn(4, 14, 16, 30), -1)


@pytest.mark.parametrize("sessions", [
    (),
    ((time(13), time(17)), (time(7, 30), time(11, 30))),
    ((time(7, 30), time(12)), (time(11, 30), time(17))),
    ((time(11, 30), time(7, 30)), (time(13), time(17))),
    ((time(7, 30), time(11, 30)), (time(12), time(14, 30))),
])
def test_bad_sessions_are_refused(sessions: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError):
        OfficeHours(sessions)
    with pytest.raises(ValueError):
        Season((4, 15), (10, 14), sessions)


def test_overlapping_seasons_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        OfficeHours(WINTER, (Season((4, 15), (10, 14), SUMMER), Season((10, 14), (12, 31), SUMMER)))


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=VN_TZ))


@settings(max_examples=200, deadline=None)
@given(moments, st.floats(min_value=0, max_value=200, allow_nan=False).map(lambda h: round(h, 2)))
def test_seasonal_hours_can_be_measured_back(start: datetime, hours: float) -> None:
    end = CAL.add_working_hours(start, hours).astimezone(VN_TZ)
    assert CAL.is_working_day(end.date())
    assert any(opening <= end.time() <= closing for opening, closing in CAL.sessions_on(end.date()))
    assert abs(CAL.working_hours_between(start, end) - hours) < 1e-6


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(min_value=0, max_value=30))
def test_seasonal_due_times_are_at_the_closing_of_a_working_day(received: datetime, days: int) -> None:
    due = CAL.add_working_days(received, days).astimezone(VN_TZ)
    assert CAL.is_working_day(due.date()) and due.time() == CAL.closing_time(due.date())
    assert due > received
