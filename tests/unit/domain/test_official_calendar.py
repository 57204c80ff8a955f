"""The official working calendar of 2025 and 2026 as shipped in processes/calendar.json.

The lists below are written by hand from the decisions (see each year's entries in the file for the sources),
independently of the file: every date of both years is checked, so a day added, removed or moved in the file
fails here until this list is changed with it.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import holidays
import pytest

from api.settings import ROOT
from engine.adapters.definitions import read_calendar
from engine.domain.calendar import VN_TZ, WorkingCalendar

CALENDAR_FILE = ROOT / "processes" / "calendar.json"

# Weekdays (Monday–Friday) off. Weekends are off unless listed below as worked.
WEEKDAYS_OFF = {
    2025: [
        date(2025, 1, 1),                                     # Tết Dương lịch (Wed)
        *(date(2025, 1, d) for d in range(27, 32)),           # Tết Ất Tỵ: Mon 27 – Fri 31 Jan (off 25/1 – 2/2)
        date(2025, 4, 7),                                     # Giỗ Tổ Hùng Vương (Mon)
        date(2025, 4, 30), date(2025, 5, 1),                  # 30/4 (Wed), 1/5 (Thu)
        date(2025, 5, 2),                                     # Fri, swapped with Sat 26/4
        date(2025, 9, 1), date(2025, 9, 2),                   # Quốc khánh (Mon, Tue)
    ],
    2026: [
        date(2026, 1, 1),                                     # Tết Dương lịch (Thu)
        date(2026, 1, 2),                                     # Fri, swapped with Sat 10/1 (12729/VPCP-KGVX)
        *(date(2026, 2, d) for d in range(16, 21)),           # Tết Bính Ngọ: Mon 16 – Fri 20 February
        date(2026, 4, 27),                                    # Giỗ Tổ Hùng Vương on Sun 26/4, compensated Mon 27/4
        date(2026, 4, 30), date(2026, 5, 1),                  # 30/4 (Thu), 1/5 (Fri)
        date(2026, 8, 31),                                    # Mon, swapped with Sat 22/8
        date(2026, 9, 1), date(2026, 9, 2),                   # Quốc khánh (Tue, Wed)
    ],
}
WEEKENDS_WORKED = {
    2025: [date(2025, 4, 26)],                                # for Fri 2/5/2025
    2026: [date(2026, 1, 10), date(2026, 8, 22)],             # for Fri 2/1/2026 and Mon 31/8/2026
}


@pytest.fixture(scope="module")
def official() -> WorkingCalendar:
    return read_calendar(CALENDAR_FILE)


def _days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(n) for n in range((date(year + 1, 1, 1) - first).days)]


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_day_of_the_year_is_as_decided(official: WorkingCalendar, year: int) -> None:
    off, worked = set(WEEKDAYS_OFF[year]), set(WEEKENDS_WORKED[year])
    assert all(d.weekday() < 5 for d in off) and all(d.weekday() >= 5 for d in worked)
    wrong = [(d, official.is_working_day(d)) for d in _days(year)
             if official.is_working_day(d) != ((d.weekday() < 5 and d not in off) or d in worked)]
    assert wrong == []


@pytest.mark.parametrize(("year", "working_days"), [(2025, 261 - 12 + 1), (2026, 261 - 13 + 2)])
def test_the_number_of_working_days(official: WorkingCalendar, year: int, working_days: int) -> None:
    assert sum(official.is_working_day(d) for d in _days(year)) == working_days


def test_the_shipped_file_covers_2025_and_2026_with_a_version(official: WorkingCalendar) -> None:
    assert official.official_years >= {2025, 2026}
    assert official.version == json.loads(CALENDAR_FILE.read_text(encoding="utf-8"))["version"]


def test_culture_day_2026_is_a_working_tuesday_until_the_law_says_otherwise(official: WorkingCalendar) -> None:
    # The holidays package lists it; the Labour Code amendment was not confirmed in force (DOMAIN.md §12).
    assert date(2026, 11, 24) in holidays.country_holidays("VN", years=2026)
    assert official.is_working_day(date(2026, 11, 24))


def test_same_day_received_on_new_years_eve_after_the_cut_off_is_due_monday(official: WorkingCalendar) -> None:
    received = datetime(2025, 12, 31, 15, 30, tzinfo=VN_TZ)
    # 1/1 holiday, 2/1 swapped off, 3–4/1 weekend.
    assert official.same_day_due(received) == datetime(2026, 1, 5, 17, 0, tzinfo=VN_TZ)


def test_three_working_days_from_new_years_eve(official: WorkingCalendar) -> None:
    received = datetime(2025, 12, 31, 10, 0, tzinfo=VN_TZ)
    # Counted: Mon 5, Tue 6, Wed 7 January.
    assert official.add_working_days(received, 3) == datetime(2026, 1, 7, 17, 0, tzinfo=VN_TZ)


def test_the_saturday_worked_for_new_year_counts(official: WorkingCalendar) -> None:
    friday = datetime(2026, 1, 9, 16, 0, tzinfo=VN_TZ)
    assert official.same_day_due(friday) == datetime(2026, 1, 10, 17, 0, tzinfo=VN_TZ)
    assert official.add_working_days(friday, 1) == datetime(2026, 1, 10, 17, 0, tzinfo=VN_TZ)
    assert official.add_working_days(friday, 2) == datetime(2026, 1, 12, 17, 0, tzinfo=VN_TZ)


@pytest.mark.parametrize("year", [2019, 2024, 2027, 2030])
def test_an_uncovered_year_falls_back_to_the_holidays_package(official: WorkingCalendar, year: int) -> None:
    assert year not in official.official_years
    package = holidays.country_holidays("VN", years=year)
    worked = set(getattr(package, "weekend_workdays", ()))
    for day in _days(year):
        assert official.is_working_day(day) == ((day.weekday() < 5 and day not in package) or day in worked), day


def test_2030_gets_the_package_holidays(official: WorkingCalendar) -> None:
    assert not official.is_working_day(date(2030, 2, 4))   # Tết 2030, per the package
    assert not official.is_working_day(date(2030, 9, 3))   # National Day's adjacent day, per the package
    assert official.is_working_day(date(2030, 9, 4))


def test_every_entry_of_the_shipped_file_has_its_source() -> None:
    content = json.loads(Path(CALENDAR_FILE).read_text(encoding="utf-8"))
    for year in content["years"].values():
        for entry in year["days_off"] + year["working_days"]:
            assert entry["source"].strip() and entry["url"].startswith("http"), entry
