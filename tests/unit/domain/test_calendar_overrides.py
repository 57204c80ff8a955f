"""The calendar file (processes/calendar.json): official years, office hours, and the loader's refusals."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from api.settings import ROOT
from engine.adapters.definitions import read_calendar
from engine.domain.calendar import DEFAULT_SESSIONS, VN_TZ
from engine.domain.errors import ProcedureDefinitionError

URL = "https://example.org/decision"


def _entry(day: str, **extra: str) -> dict[str, str]:
    return {"date": day, "name": "test", "source": "Decision 1/QĐ-TTg", "url": URL, **extra}


# A complete year 2027: the fixed-date holidays (1/5 is a Saturday, hence the note), Mon 8/3 off swapped with
# Sat 13/3 worked.
VALID: dict[str, Any] = {
    "version": "2027.1",
    "years": {"2027": {
        "days_off": [_entry("2027-01-01"), _entry("2027-03-08"), _entry("2027-04-30"),
                     _entry("2027-05-01", note="a Saturday; compensated Monday 3/5"), _entry("2027-05-03"),
                     _entry("2027-09-02")],
        "working_days": [_entry("2027-03-13")],
    }},
}


def _write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "calendar.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


def _valid() -> dict[str, Any]:
    return copy.deepcopy(VALID)


def test_the_shipped_file_loads_with_its_version() -> None:
    calendar = read_calendar(ROOT / "processes" / "calendar.json")
    assert calendar.version == json.loads((ROOT / "processes" / "calendar.json").read_text())["version"]
    assert calendar.is_working_day(date(2026, 11, 24))       # not a day off until the Labour Code says so
    assert calendar.is_working_day(date(2026, 8, 22))        # the Saturday worked for 31 August 2026
    assert not calendar.is_working_day(date(2026, 1, 2))     # swapped with Saturday 10 January 2026
    assert calendar.sessions_on(date(2026, 6, 1)) == DEFAULT_SESSIONS


def test_a_covered_year_moves_due_times_and_ignores_the_package(tmp_path: Path) -> None:
    calendar = read_calendar(_write(tmp_path, VALID))
    friday_morning = datetime(2027, 3, 5, 9, 0, tzinfo=VN_TZ)
    assert not calendar.is_working_day(date(2027, 3, 8)) and calendar.is_working_day(date(2027, 3, 13))
    # Mon 8 off: 1 working day after Friday is Tuesday 9.
    assert calendar.add_working_days(friday_morning, 1) == datetime(2027, 3, 9, 17, 0, tzinfo=VN_TZ)
    # Tết 2027 (5–10 February per the package) is not in this year's list, so it is worked here.
    assert calendar.is_working_day(date(2027, 2, 8))
    assert calendar.version == "2027.1"
    assert calendar.official_years == {2027}


def test_a_year_not_in_the_file_keeps_the_package(tmp_path: Path) -> None:
    calendar = read_calendar(_write(tmp_path, VALID))
    assert not calendar.is_working_day(date(2028, 1, 1))
    assert not calendar.is_working_day(date(2026, 11, 24))   # the package's Culture Day, for an uncovered 2026


def _without(key: str) -> dict[str, Any]:
    content = _valid()
    del content["years"]["2027"]["days_off"][1][key]
    return content


def _with_day_off(entry: dict[str, str]) -> dict[str, Any]:
    content = _valid()
    content["years"]["2027"]["days_off"].append(entry)
    return content


def _with_worked(entry: dict[str, str]) -> dict[str, Any]:
    content = _valid()
    content["years"]["2027"]["working_days"].append(entry)
    return content


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    content = _valid()
    target = content
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    return content


REFUSED = {
    "no source": (_without("source"), "'source' is missing"),
    "no url": (_without("url"), "'url' is missing"),
    "no name": (_without("name"), "'name' is missing"),
    "empty source": (_with_day_off(_entry("2027-03-09", source=" ")), "'source' must be a non-empty string"),
    "url not http": (_with_day_off(_entry("2027-03-09", url="Decision 1")), "is not an http(s) address"),
    "date not ISO": (_with_day_off(_entry("8 March 2027")), "is not YYYY-MM-DD"),
    "date outside its year": (_with_day_off(_entry("2028-01-03")), "2028-01-03 is outside 2027"),
    "worked outside its year": (_with_worked(_entry("2026-12-26")), "2026-12-26 is outside 2027"),
    "off and worked": (_with_worked(_entry("2027-05-01")), "2027-05-01 is listed both as a day off and as a working"),
    "worked weekday": (_with_worked(_entry("2027-03-10")), "2027-03-10 is a Wednesday; only a Saturday or Sunday"),
    "weekend off without note": (_with_day_off(_entry("2027-03-14")), "2027-03-14 is a Sunday, already a day off"),
    "listed twice": (_with_day_off(_entry("2027-03-08")), "2027-03-08 is listed twice"),
    "unknown entry key": (_with_day_off(_entry("2027-03-09", soruce="typo")), "unknown key 'soruce'"),
    "incomplete year": (_with(("years", "2027", "days_off"), [_entry("2027-03-08")]),
                        "01/01, 30/04, 01/05, 02/09 missing"),
    "year not a year": (_with(("years", "27"), VALID["years"]["2027"]), "'27' is not a year"),
    "year without working_days": (_with(("years", "2027", "working_days"), None), "working_days must be a list"),
    "no version": ({"years": {}}, "'version' is missing"),
    "empty version": ({"version": "", "years": {}}, "version must be a non-empty string"),
    "no years": ({"version": "1"}, "'years' is missing"),
    "old override format": ({"version": "1", "years": {}, "days_off": [], "working_days": []},
                            "unknown key 'days_off'"),
}


@pytest.mark.parametrize("content,message", REFUSED.values(), ids=REFUSED.keys())
def test_a_malformed_file_is_refused(tmp_path: Path, content: object, message: str) -> None:
    with pytest.raises(ProcedureDefinitionError, match="is not a valid calendar file") as refused:
        read_calendar(_write(tmp_path, content))
    assert message in str(refused.value)


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "calendar.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(ProcedureDefinitionError, match="not valid JSON"):
        read_calendar(path)


def test_office_hours_are_read_with_their_seasons(tmp_path: Path) -> None:
    summer = {"from": "04-15", "to": "10-14", "sessions": [["07:00", "11:30"], ["13:30", "17:00"]]}
    hours = {"default": [["07:30", "11:30"], ["13:00", "16:30"]], "seasons": [summer]}
    calendar = read_calendar(_write(tmp_path, _with(("office_hours",), hours)))
    assert calendar.sessions_on(date(2027, 4, 15)) == ((time(7), time(11, 30)), (time(13, 30), time(17)))
    assert calendar.sessions_on(date(2027, 10, 15)) == ((time(7, 30), time(11, 30)), (time(13), time(16, 30)))


OVERLAP = "starts before the previous one closes"
BAD_HOURS = {
    "overlapping sessions": ({"default": [["07:30", "12:00"], ["11:30", "17:00"]]}, OVERLAP),
    "descending sessions": ({"default": [["13:00", "17:00"], ["07:30", "11:30"]]}, OVERLAP),
    "closing before opening": ({"default": [["11:30", "07:30"], ["13:00", "17:00"]]}, "does not open before it closes"),
    "not a time of day": ({"default": [["07:30", "24:00"]]}, "'24:00' is not a time of day HH:MM"),
    "not HH:MM": ({"default": [["7h30", "17:00"]]}, "'7h30' is not a time of day HH:MM"),
    "not pairs": ({"default": [["07:30", "11:30", "13:00"]]}, "sessions must be a list of"),
    "no session": ({"default": []}, "at least one office session"),
    "closes before the cut-off": ({"default": [["07:00", "11:00"], ["12:00", "14:30"]]},
                                  "not after the 15:00 same-day"),
    "bad season sessions": ({"seasons": [{"from": "05-01", "to": "08-31", "sessions": [["13:00", "07:00"]]}]},
                            "does not open before it closes"),
    "season bound not MM-DD": ({"seasons": [{"from": "5-1", "to": "08-31", "sessions": [["07:00", "17:00"]]}]},
                               "'5-1' is not MM-DD"),
    "season bound not a day": ({"seasons": [{"from": "02-30", "to": "08-31", "sessions": [["07:00", "17:00"]]}]},
                               "'02-30' is not a day of the year"),
    "overlapping seasons": ({"seasons": [{"from": "04-15", "to": "10-14", "sessions": [["07:00", "17:00"]]},
                                         {"from": "10-01", "to": "04-14", "sessions": [["07:30", "17:00"]]}]},
                            "overlap on 01/10"),
    "unknown key": ({"default": [["07:30", "17:00"]], "summer": []}, "unknown key 'summer'"),
}


@pytest.mark.parametrize("hours,message", BAD_HOURS.values(), ids=BAD_HOURS.keys())
def test_bad_office_hours_are_refused(tmp_path: Path, hours: object, message: str) -> None:
    with pytest.raises(ProcedureDefinitionError, match="is not a valid calendar file") as refused:
        read_calendar(_write(tmp_path, _with(("office_hours",), hours)))
    assert message in str(refused.value)
