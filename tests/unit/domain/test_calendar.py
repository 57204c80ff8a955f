"""Tests for the legal working-day clock (engine.domain.calendar)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.domain.calendar import VN_TZ, WorkingCalendar, default_calendar

CAL = default_calendar()
FAST = settings(max_examples=200, deadline=None, database=None)


def vn(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=VN_TZ)


def due(y: int, mo: int, d: int) -> datetime:
    return vn(y, mo, d, 17)


# --- Working days: real holidays from the `holidays` package -------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 1),  # New Year
        date(2025, 4, 30),  # Reunification Day
        date(2025, 5, 1),  # Labour Day
        date(2025, 5, 2),  # day off swapped with Saturday 26 April 2025
        date(2025, 9, 1),  # National Day bridge
        date(2025, 9, 2),  # National Day
        *(date(2026, 2, d) for d in range(16, 21)),  # Tet 2026, Mon-Fri
        date(2026, 4, 27),  # Hung Kings (26 April is a Sunday; observed Monday)
        date(2026, 11, 24),  # Vietnam Cultural Day per the package (not in processes/calendar.json)
    ],
)
def test_public_holidays_are_not_working_days(day: date) -> None:
    assert not CAL.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 8, 29),  # Friday before National Day
        date(2025, 9, 3),  # Wednesday after it
        date(2026, 2, 13),  # Friday before Tet 2026
        date(2026, 2, 23),  # Monday after Tet 2026
        date(2025, 11, 24),  # Cultural Day not yet a holiday in 2025
        date(2025, 4, 26),  # Saturday worked in exchange for 2 May 2025
    ],
)
def test_working_days(day: date) -> None:
    assert CAL.is_working_day(day)


def test_ordinary_weekend_is_not_working() -> None:
    assert not CAL.is_working_day(date(2025, 9, 6))
    assert not CAL.is_working_day(date(2025, 9, 7))


def test_next_working_day_skips_tet_2026() -> None:
    assert CAL.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)


def test_next_working_day_is_strictly_after() -> None:
    assert CAL.next_working_day(date(2025, 9, 8)) == date(2025, 9, 9)


def test_datetime_is_rejected_as_a_day() -> None:
    with pytest.raises(TypeError):
        CAL.is_working_day(vn(2025, 9, 2))


# --- Overrides -------------------------------------------------------------------


def test_extra_working_saturday() -> None:
    cal = WorkingCalendar(extra_working_days=[date(2025, 9, 6)])
    assert cal.is_working_day(date(2025, 9, 6))
    assert cal.same_day_due(vn(2025, 9, 5, 15, 30)) == due(2025, 9, 6)


def test_extra_day_off() -> None:
    cal = WorkingCalendar(extra_days_off=[date(2025, 9, 8)])
    assert not cal.is_working_day(date(2025, 9, 8))
    assert cal.same_day_due(vn(2025, 9, 5, 15, 30)) == due(2025, 9, 9)


def test_extra_working_day_beats_public_holiday() -> None:
    cal = WorkingCalendar(extra_working_days=[date(2025, 9, 1)])
    assert cal.is_working_day(date(2025, 9, 1))


def test_conflicting_overrides_are_rejected() -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(extra_days_off=[date(2025, 9, 8)], extra_working_days=[date(2025, 9, 8)])


# --- Same-day procedures -----------------------------------------------------------


def test_cutoff_1459_is_same_day() -> None:
    assert CAL.same_day_due(vn(2025, 9, 9, 14, 59)) == due(2025, 9, 9)


def test_cutoff_1500_is_next_working_day() -> None:
    assert CAL.same_day_due(vn(2025, 9, 9, 15, 0)) == due(2025, 9, 10)


def test_friday_after_cutoff_is_monday() -> None:
    assert CAL.same_day_due(vn(2025, 9, 5, 15, 30)) == due(2025, 9, 8)


def test_day_before_national_day_holiday() -> None:
    assert CAL.same_day_due(vn(2025, 8, 29, 14, 0)) == due(2025, 8, 29)
    assert CAL.same_day_due(vn(2025, 8, 29, 16, 0)) == due(2025, 9, 3)


def test_received_on_holiday_is_due_next_working_day() -> None:
    assert CAL.same_day_due(vn(2025, 4, 30, 9, 0)) == due(2025, 5, 5)


def test_other_time_zones_are_converted() -> None:
    # 07:59 UTC is 14:59 in Hanoi; 08:00 UTC is 15:00.
    assert CAL.same_day_due(datetime(2025, 9, 9, 7, 59, tzinfo=UTC)) == due(2025, 9, 9)
    result = CAL.same_day_due(datetime(2025, 9, 9, 8, 0, tzinfo=UTC))
    assert result == due(2025, 9, 10)
    assert result.tzinfo == VN_TZ


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValueError):
        CAL.same_day_due(datetime(2025, 9, 9, 10, 0))


# --- Working-day limits ------------------------------------------------------------


def test_add_working_days_does_not_count_receipt_day() -> None:
    assert CAL.add_working_days(vn(2025, 9, 8, 10), 3) == due(2025, 9, 11)


def test_add_working_days_across_tet_2026() -> None:
    assert CAL.add_working_days(vn(2026, 2, 12, 10), 2) == due(2026, 2, 23)


def test_add_working_days_from_weekend_counts_from_monday() -> None:
    assert CAL.add_working_days(vn(2025, 9, 6, 10), 1) == due(2025, 9, 9)


def test_add_zero_working_days_is_same_day_due() -> None:
    assert CAL.add_working_days(vn(2025, 9, 9, 15), 0) == due(2025, 9, 10)


def test_one_day_after_cutoff_equals_same_day_due() -> None:
    # The "receipt day not counted" rule ignores the 15:00 cut-off, so after
    # 15:00 the 0-day and 1-day limits coincide.
    start = vn(2025, 9, 9, 16)
    assert CAL.add_working_days(start, 1) == CAL.add_working_days(start, 0)


def test_negative_days_rejected() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_days(vn(2025, 9, 9, 10), -1)


# --- Office hours --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (vn(2025, 9, 8, 7, 30), 8, vn(2025, 9, 8, 17)),
        (vn(2025, 9, 8, 16), 2, vn(2025, 9, 9, 8, 30)),
        (vn(2025, 9, 8, 7, 30), 4, vn(2025, 9, 8, 11, 30)),
        (vn(2025, 9, 8, 11), 1, vn(2025, 9, 8, 13, 30)),
        (vn(2025, 9, 8, 12), 0, vn(2025, 9, 8, 13)),
        (vn(2025, 9, 5, 17), 0, vn(2025, 9, 8, 7, 30)),
        (vn(2025, 9, 6, 10), 0.5, vn(2025, 9, 8, 8)),
        (vn(2025, 8, 29, 16), 1.5, vn(2025, 9, 3, 8)),  # over National Day
    ],
)
def test_add_working_hours(start: datetime, hours: float, expected: datetime) -> None:
    result = CAL.add_working_hours(start, hours)
    assert result == expected
    assert result.tzinfo == VN_TZ


def test_negative_hours_rejected() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_hours(vn(2025, 9, 8, 9), -0.1)


def test_working_hours_between_examples() -> None:
    assert CAL.working_hours_between(vn(2025, 9, 8, 7, 30), vn(2025, 9, 8, 17)) == 8
    assert CAL.working_hours_between(vn(2025, 9, 5, 16), vn(2025, 9, 8, 8, 30)) == 2
    assert CAL.working_hours_between(vn(2025, 9, 8, 12), vn(2025, 9, 8, 12, 30)) == 0
    assert CAL.working_hours_between(vn(2025, 9, 8, 17), vn(2025, 9, 8, 7, 30)) == -8


def test_default_calendar_has_no_overrides() -> None:
    cal = default_calendar()
    assert isinstance(cal, WorkingCalendar)
    assert not cal.is_working_day(date(2025, 9, 6))


# --- Properties ------------------------------------------------------------------------

ZONES = st.sampled_from([VN_TZ, ZoneInfo("UTC"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")])
MOMENTS = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=ZONES)
HOURS = st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False)


@st.composite
def office_moments(draw: st.DrawFn) -> datetime:
    """An aware moment inside office hours of a working day."""
    day = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)))
    if not CAL.is_working_day(day):
        day = CAL.next_working_day(day)
    offset = timedelta(seconds=draw(st.integers(min_value=0, max_value=8 * 3600 - 1)))
    morning = datetime.combine(day, time(7, 30), tzinfo=VN_TZ)
    if offset >= timedelta(hours=4):
        offset += timedelta(minutes=90)  # skip the lunch break
    return morning + offset


def assert_is_due_time(value: datetime) -> None:
    assert value.tzinfo == VN_TZ
    assert value.time() == time(17, 0)
    assert CAL.is_working_day(value.date())


@FAST
@given(MOMENTS)
def test_same_day_due_is_a_due_time_not_before_receipt(received: datetime) -> None:
    result = CAL.same_day_due(received)
    assert_is_due_time(result)
    assert result >= received


@FAST
@given(MOMENTS, st.integers(min_value=0, max_value=60))
def test_add_working_days_is_a_due_time(received: datetime, days: int) -> None:
    result = CAL.add_working_days(received, days)
    assert_is_due_time(result)
    assert result >= received


@FAST
@given(MOMENTS, st.integers(min_value=0, max_value=60))
def test_add_working_days_is_increasing(received: datetime, days: int) -> None:
    later = CAL.add_working_days(received, days + 1)
    earlier = CAL.add_working_days(received, days)
    if days == 0:
        assert later >= earlier  # equal after the 15:00 cut-off, see example test
    else:
        assert later > earlier


@FAST
@given(MOMENTS, HOURS, HOURS)
def test_add_working_hours_is_monotonic(start: datetime, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert CAL.add_working_hours(start, low) <= CAL.add_working_hours(start, high)
    assert CAL.add_working_hours(start, low) >= start


@FAST
@given(office_moments(), HOURS)
def test_working_hours_between_inverts_add(start: datetime, hours: float) -> None:
    end = CAL.add_working_hours(start, hours)
    assert CAL.working_hours_between(start, end) == pytest.approx(hours, abs=1e-6)


@FAST
@given(MOMENTS, HOURS)
def test_inverse_holds_from_any_start(start: datetime, hours: float) -> None:
    end = CAL.add_working_hours(start, hours)
    assert CAL.working_hours_between(start, end) == pytest.approx(hours, abs=1e-6)


# --- Official years: the list decides, the package is not consulted ---------------------------------------


def test_an_official_year_replaces_the_package_for_that_year_only() -> None:
    from engine.domain.calendar import OfficialYear

    year = OfficialYear(2026, frozenset({date(2026, 1, 1), date(2026, 1, 2)}), frozenset({date(2026, 1, 10)}))
    cal = WorkingCalendar(official_years=[year])
    assert not cal.is_working_day(date(2026, 1, 2)) and cal.is_working_day(date(2026, 1, 10))
    assert cal.is_working_day(date(2026, 2, 17))        # Tết is not in this (partial) list, so it is worked
    assert not cal.is_working_day(date(2025, 9, 2))      # 2025 still from the package
    overridden = WorkingCalendar(official_years=[year], extra_working_days=[date(2026, 1, 2)])
    assert overridden.is_working_day(date(2026, 1, 2))


@pytest.mark.parametrize(("off", "worked", "message"), [
    ({date(2027, 1, 1)}, set(), "outside 2026"),
    ({date(2026, 1, 10)}, {date(2026, 1, 10)}, "both off and worked"),
    (set(), {date(2026, 1, 9)}, "not a Saturday or Sunday"),
])
def test_an_inconsistent_official_year_is_refused(off: set[date], worked: set[date], message: str) -> None:
    from engine.domain.calendar import OfficialYear

    with pytest.raises(ValueError, match=message):
        OfficialYear(2026, frozenset(off), frozenset(worked))
