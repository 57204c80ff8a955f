"""Reading definitions from disk: processes/<name>/procedure.json with its BPMN and DMN, the JSON Schemas
the manifest and its user tasks name (forms/<form id>.schema.json), the procedures the catalogues
(processes/catalogue/*.csv) generate, and the calendar override file.
"""

from __future__ import annotations

import json
import re
from datetime import date, time
from pathlib import Path
from typing import Any

from engine.domain.calendar import (
    DEFAULT_SESSIONS,
    OfficeHours,
    OfficialYear,
    Season,
    Sessions,
    WorkingCalendar,
    check_sessions,
)
from engine.domain.errors import Problem, ProcedureDefinitionError
from engine.domain.procedure import ProcedureVersion
from engine.domain.procedure_catalogue import CatalogueEntry, parse_catalogue

_FORM_PROPERTY = re.compile(r'name="form"\s+value="([^"]+)"')


def read_procedures(processes_dir: Path, forms_dir: Path) -> list[ProcedureVersion]:
    """Every procedure folder under processes_dir, then every procedure its catalogues generate (processes/
    catalogue/*.csv, by file then line), as unpublished versions (version 0).

    Raises:
        ProcedureDefinitionError: A broken folder, or a catalogue with problems (each named by file and line) or
            with a key or code another catalogue row or a procedure folder already has.
    """
    folders = [read_procedure(folder, forms_dir) for folder in sorted(processes_dir.iterdir())
               if (folder / "procedure.json").is_file()]
    taken = {p.code: p.process_id for p in folders}
    return folders + [entry.procedure for entry in _catalogue_entries(processes_dir, taken)]


def read_procedure(folder: Path, forms_dir: Path) -> ProcedureVersion:
    manifest = _json(folder / "procedure.json")
    bpmn = _text(folder / manifest["process"]["bpmn"])
    form_ids = {manifest["application_form"], *_FORM_PROPERTY.findall(bpmn)}
    forms = {form_id: _json(forms_dir / f"{form_id}.schema.json") for form_id in sorted(form_ids)}
    decisions = {name: _text(folder / name) for name in manifest["process"].get("dmn", [])}
    return ProcedureVersion(code=manifest["code"], version=0, manifest=manifest, bpmn=bpmn, forms=forms,
                            decisions=decisions)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ProcedureDefinitionError(f"{path} is missing") from exc


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProcedureDefinitionError(f"{path} is missing") from exc
    except json.JSONDecodeError as exc:
        raise ProcedureDefinitionError(f"{path} is not valid JSON: {exc}") from exc


def read_calendar(path: Path) -> WorkingCalendar:
    """The working calendar in `path` (processes/calendar.json): the province's office hours and, for each
    year the file covers, the complete official list of days off and weekend days worked, each with its
    legal source. The `holidays` package decides only the years the file does not cover.

    Raises:
        ProcedureDefinitionError: naming the entry and what is wrong with it, for any malformed file.
    """
    content = _json(path)
    try:
        return _calendar(content)
    except _CalendarError as exc:
        raise ProcedureDefinitionError(f"{path} is not a valid calendar file: {exc}") from exc


class _CalendarError(ValueError):
    pass


_CALENDAR_KEYS = {"version", "notes", "office_hours", "years"}
_YEAR_KEYS = {"notes", "days_off", "working_days"}
_ENTRY_KEYS = {"date", "name", "source", "url", "note"}
_ENTRY_REQUIRED = ("date", "name", "source", "url")
_HOURS_KEYS = {"default", "seasons"}
_SEASON_KEYS = {"name", "from", "to", "sessions"}
_CLOCK = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")
_MONTH_DAY = re.compile(r"\d\d-\d\d")
# Labour Code 2019 Art. 112(1): the holidays on a fixed solar date (New Year, 30/4, 1/5, National Day).
_FIXED_HOLIDAYS = ((1, 1), (4, 30), (5, 1), (9, 2))


def _calendar(content: Any) -> WorkingCalendar:
    _object(content, "the file", _CALENDAR_KEYS, required=("version", "years"))
    version = content["version"]
    if not isinstance(version, str) or not version.strip():
        raise _CalendarError("version must be a non-empty string")
    years = content["years"]
    if not isinstance(years, dict):
        raise _CalendarError("years must be an object of years (\"2026\": {...})")
    official = [_official_year(key, value) for key, value in sorted(years.items())]
    office_hours = _office_hours(content.get("office_hours", {}))
    return WorkingCalendar(version=version, official_years=official, office_hours=office_hours)


def _object(value: Any, where: str, allowed: set[str], required: tuple[str, ...] = ()) -> None:
    if not isinstance(value, dict):
        raise _CalendarError(f"{where} must be an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _CalendarError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
    missing = [key for key in required if key not in value]
    if missing:
        raise _CalendarError(f"{where}: {missing[0]!r} is missing")


def _official_year(key: str, value: Any) -> OfficialYear:
    if not re.fullmatch(r"\d{4}", key):
        raise _CalendarError(f"years: {key!r} is not a year")
    year = int(key)
    _object(value, key, _YEAR_KEYS, required=("days_off", "working_days"))
    days_off = _entries(value["days_off"], f"{key} days_off", year)
    working = _entries(value["working_days"], f"{key} working_days", year)
    for day, entry in days_off.items():
        if day.weekday() >= 5 and not entry.get("note"):
            raise _CalendarError(f"{key} days_off: {day} is a {day:%A}, already a day off; say why it is listed "
                                 "in a 'note' (e.g. a holiday falling on a weekend, compensated on another day)")
    missing = [f"{day:02d}/{month:02d}" for month, day in _FIXED_HOLIDAYS if date(year, month, day) not in days_off]
    if missing:
        raise _CalendarError(f"{key} days_off: {', '.join(missing)} missing; a year in the file is its complete list "
                             "(the holidays package is not consulted for it), so it names every Labour Code "
                             "Art. 112 fixed-date holiday")
    for day in working:
        if day in days_off:
            raise _CalendarError(f"{key}: {day} is listed both as a day off and as a working day")
        if day.weekday() < 5:
            raise _CalendarError(f"{key} working_days: {day} is a {day:%A}; only a Saturday or Sunday can be "
                                 "declared worked (a weekday is worked unless listed off)")
    try:
        return OfficialYear(year, frozenset(days_off), frozenset(working))
    except ValueError as exc:
        raise _CalendarError(f"{key}: {exc}") from exc


def _entries(value: Any, where: str, year: int) -> dict[date, dict[str, Any]]:
    if not isinstance(value, list):
        raise _CalendarError(f"{where} must be a list")
    found: dict[date, dict[str, Any]] = {}
    for position, entry in enumerate(value):
        at = f"{where}[{position}]"
        _object(entry, at, _ENTRY_KEYS, required=_ENTRY_REQUIRED)
        for key in _ENTRY_KEYS & set(entry):
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise _CalendarError(f"{at}: {key!r} must be a non-empty string")
        try:
            day = date.fromisoformat(entry["date"])
        except ValueError:
            raise _CalendarError(f"{at}: date {entry['date']!r} is not YYYY-MM-DD") from None
        if not re.fullmatch(r"\d{4}-\d\d-\d\d", entry["date"]):
            raise _CalendarError(f"{at}: date {entry['date']!r} is not YYYY-MM-DD")
        if day.year != year:
            raise _CalendarError(f"{at}: {day} is outside {year}")
        if not entry["url"].startswith(("https://", "http://")):
            raise _CalendarError(f"{at}: url {entry['url']!r} is not an http(s) address")
        if day in found:
            raise _CalendarError(f"{at}: {day} is listed twice")
        found[day] = entry
    return found


def _office_hours(value: Any) -> OfficeHours:
    _object(value, "office_hours", _HOURS_KEYS)
    default = _sessions(value["default"], "office_hours default") if "default" in value else DEFAULT_SESSIONS
    seasons = value.get("seasons", [])
    if not isinstance(seasons, list):
        raise _CalendarError("office_hours seasons must be a list")
    parsed = []
    for position, season in enumerate(seasons):
        at = f"office_hours seasons[{position}]"
        _object(season, at, _SEASON_KEYS, required=("from", "to", "sessions"))
        bounds = [_month_day(season[key], f"{at} {key}") for key in ("from", "to")]
        try:
            parsed.append(Season(bounds[0], bounds[1], _sessions(season["sessions"], at)))
        except ValueError as exc:
            raise _CalendarError(f"{at}: {exc}") from exc
    try:
        return OfficeHours(default, tuple(parsed))
    except ValueError as exc:
        raise _CalendarError(f"office_hours: {exc}") from exc


def _sessions(value: Any, where: str) -> Sessions:
    if not isinstance(value, list) or not all(isinstance(s, list) and len(s) == 2 for s in value):
        raise _CalendarError(f"{where}: sessions must be a list of [\"HH:MM\", \"HH:MM\"] pairs")
    for clock in (c for session in value for c in session):
        if not isinstance(clock, str) or not _CLOCK.fullmatch(clock):
            raise _CalendarError(f"{where}: {clock!r} is not a time of day HH:MM")
    try:
        return check_sessions((time.fromisoformat(a), time.fromisoformat(b)) for a, b in value)
    except ValueError as exc:
        raise _CalendarError(f"{where}: {exc}") from exc


def _month_day(value: Any, where: str) -> tuple[int, int]:
    if not isinstance(value, str) or not _MONTH_DAY.fullmatch(value):
        raise _CalendarError(f"{where}: {value!r} is not MM-DD")
    month, day = int(value[:2]), int(value[3:])
    try:
        date(2000, month, day)
    except ValueError:
        raise _CalendarError(f"{where}: {value!r} is not a day of the year") from None
    return month, day


def read_scenarios(processes_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """The scenarios of each procedure in processes/ (`<folder>/scenarios/*.json`), then the straight scenario
    of each procedure its catalogues generate, by procedure code."""
    found: dict[str, list[dict[str, Any]]] = {}
    taken: dict[str, str] = {}
    for manifest in sorted(processes_dir.glob("*/procedure.json")):
        content = json.loads(manifest.read_text(encoding="utf-8"))
        code = content["code"]
        taken[code] = content["process"]["process_id"]
        found[code] = [json.loads(path.read_text(encoding="utf-8"))
                       for path in sorted((manifest.parent / "scenarios").glob("*.json"))]
    for entry in _catalogue_entries(processes_dir, taken):
        found[entry.procedure.code] = [entry.scenario]
    return found


def _catalogue_entries(processes_dir: Path, taken: dict[str, str]) -> list[CatalogueEntry]:
    """The rows of every catalogue file, refusing a key or code that a procedure folder (`taken`: process id by
    code) or an earlier row already has: a generated procedure never replaces a hand-drawn one."""
    entries: list[CatalogueEntry] = []
    keys = {key: "a procedure folder" for key in taken.values()}
    codes = {code: "a procedure folder" for code in taken}
    for path in sorted((processes_dir / "catalogue").glob("*.csv")):
        catalogue = parse_catalogue(_text(path))
        problems = [Problem(None, f"{path} {problem}") for problem in catalogue.problems]
        for entry in catalogue.entries:
            where = f"{path.name} line {entry.line}"
            if entry.procedure.process_id in keys:
                problems.append(Problem(None, f"{path} line {entry.line}, column key: "
                                              f"{entry.procedure.process_id!r} is already the key of "
                                              f"{keys[entry.procedure.process_id]}"))
            if entry.procedure.code in codes:
                problems.append(Problem(None, f"{path} line {entry.line}, column code: {entry.procedure.code} "
                                              f"is already the code of {codes[entry.procedure.code]}"))
            keys.setdefault(entry.procedure.process_id, where)
            codes.setdefault(entry.procedure.code, where)
        if problems:
            raise ProcedureDefinitionError(problems[0].message + (f" (and {len(problems) - 1} more problems)"
                                                                  if len(problems) > 1 else ""), problems)
        entries += catalogue.entries
    return entries
