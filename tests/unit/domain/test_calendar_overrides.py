"""The versioned override file: days the Government declares off or worked, on top of `holidays`."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from api.settings import ROOT
from engine.adapters.definitions import read_calendar
from engine.domain.calendar import VN_TZ
from engine.domain.errors import ProcedureDefinitionError


def _write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "calendar.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


def test_the_shipped_file_loads_with_its_version() -> None:
    calendar = read_calendar(ROOT / "processes" / "calendar.json")
    assert calendar.version == json.loads((ROOT / "processes" / "calendar.json").read_text())["version"]
    assert not calendar.is_working_day(date(2026, 11, 24))  # Vietnamese Culture Day, from the package
    assert calendar.is_working_day(date(2026, 8, 22))       # the Saturday worked for 31 August 2026


def test_overrides_move_due_times(tmp_path: Path) -> None:
    path = _write(tmp_path, {"version": "2027.1", "days_off": [{"date": "2027-03-08", "reason": "test"}],
                             "working_days": [{"date": "2027-03-13", "reason": "test"}]})
    calendar = read_calendar(path)
    friday_morning = datetime(2027, 3, 5, 9, 0, tzinfo=VN_TZ)
    assert not calendar.is_working_day(date(2027, 3, 8)) and calendar.is_working_day(date(2027, 3, 13))
    # Mon 8 off: 1 working day after Friday is Tuesday 9.
    assert calendar.add_working_days(friday_morning, 1) == datetime(2027, 3, 9, 17, 0, tzinfo=VN_TZ)
    assert calendar.version == "2027.1"


@pytest.mark.parametrize("content", [
    {"version": "1", "days_off": [{"date": "8 March"}], "working_days": []},
    {"version": "1", "days_off": []},
    {"version": "1", "days_off": [{"date": "2027-03-08"}], "working_days": [{"date": "2027-03-08"}]},
])
def test_a_broken_override_file_is_refused(tmp_path: Path, content: object) -> None:
    with pytest.raises(ProcedureDefinitionError, match="not a calendar override file"):
        read_calendar(_write(tmp_path, content))
