"""The procedure catalogue (processes/catalogue/README.md): a CSV file of procedures on the standard path, read
into unpublished versions (version 0) with their straight scenarios, or into every problem, each naming its
line and column. All or nothing. Pure Python: no files, no database; publishing is engine.services'.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from engine.domain.calendar import HOURS_PER_WORKING_DAY
from engine.domain.catalogue_cells import (
    AGENCY_KINDS,
    CellError,
    allotted_hours,
    cross_boundary,
    documents,
    fees,
    one_of,
    pattern,
    whole_number,
)
from engine.domain.errors import FieldError, ValidationFailedError
from engine.domain.manifest import FIELDS
from engine.domain.procedure import ProcedureVersion
from engine.domain.procedure_template import allotments, parse_path, standard_lanes, standard_procedure

MAX_BYTES = 2_000_000
MAX_ROWS = 2_000
REQUIRED = ("key", "code", "name_vi", "name_en", "field", "field_name_vi", "level", "working_days", "limit_vi",
            "competent_unit", "path", "cross_boundary", "documents", "source")
OPTIONAL = ("verification_extra_days", "fees", "allotted_hours", "unconfirmed", "notes")
COLUMNS = REQUIRED + OPTIONAL
KEY = r"[a-z][a-z0-9_]{2,39}"
CODE = r"[0-9]\.[0-9]{6}"
LEVELS = ("commune", "commune_to_province")
_MAX_TEXT = 1_000
# Characters XML cannot hold (the generated BPMN carries the names) and no procedure's text needs.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# The English of each of our fields, for the manifest's field_name (the national name is the row's own).
FIELD_NAMES_EN = {
    "civil_status": "Civil status", "certification": "Certification", "inter_connected": "Inter-connected "
    "procedures", "land": "Land", "adoption": "Adoption", "nationality": "Nationality", "social_protection":
    "Social protection", "meritorious": "People with meritorious services", "children": "Children", "labour":
    "Labour", "business": "Business registration", "cooperative": "Cooperatives", "culture": "Culture", "sport":
    "Sport", "tourism": "Tourism", "family": "Family", "education": "Education", "health": "Health",
    "agriculture": "Agriculture", "forestry": "Forestry", "fisheries": "Fisheries", "irrigation": "Irrigation",
    "environment": "Environment", "construction": "Construction", "transport": "Transport", "industry_trade":
    "Industry and trade", "home_affairs": "Home affairs", "religion": "Beliefs and religion", "emulation":
    "Emulation and commendation", "justice": "Justice", "grassroots": "Grassroots", "other": "Other"}


@dataclass(frozen=True)
class CatalogueProblem:
    """One thing wrong in a catalogue file: its line (0 for the file as a whole), its column when it has one."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = "the file" if self.line == 0 else f"line {self.line}"
        return f"{where}{f', column {self.column}' if self.column else ''}: {self.message}"


@dataclass(frozen=True)
class CatalogueEntry:
    """One row of a catalogue: the procedure it generates (version 0) and its straight scenario."""

    line: int
    procedure: ProcedureVersion
    scenario: dict[str, Any] = field(compare=False)


@dataclass(frozen=True)
class Catalogue:
    """A catalogue file read whole: its entries in file order, or (and then no entry) its problems."""

    entries: list[CatalogueEntry]
    problems: list[CatalogueProblem]


def parse_catalogue(text: str | bytes) -> Catalogue:
    """Read a catalogue file (UTF-8 CSV, its bytes or its text; a byte-order mark and CRLF line ends are
    tolerated). A header with problems is reported alone: its rows could not be read."""
    decoded = _decoded(text)
    if isinstance(decoded, CatalogueProblem):
        return _refused(decoded)
    lines, problems = _lines(decoded)
    if not lines:
        return _refused(*problems, CatalogueProblem(0, None, f"has no header line (columns: {', '.join(COLUMNS)})"))
    (header_line, cells), rows = lines[0], lines[1:]
    if len(rows) > MAX_ROWS:
        return _refused(CatalogueProblem(rows[MAX_ROWS][0], None, f"more than {MAX_ROWS:,} procedures; split the file"))
    header = [cell.strip() for cell in cells]
    problems += _header_problems(header_line, header)
    if problems:
        return _refused(*problems)
    entries: list[CatalogueEntry] = []
    for line, cells in rows:
        entry, found = _entry(line, header, cells)
        problems += found
        entries += [entry] if entry is not None else []
    problems += _duplicates(entries)
    return _refused(*problems) if problems else Catalogue(entries, [])


def _decoded(text: str | bytes) -> str | CatalogueProblem:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    if len(data) > MAX_BYTES:
        return CatalogueProblem(0, None, f"is larger than {MAX_BYTES:,} bytes; split it")
    try:
        return (data.decode("utf-8") if isinstance(text, bytes) else text).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        return CatalogueProblem(0, None, f"is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8")


def _lines(text: str) -> tuple[list[tuple[int, list[str]]], list[CatalogueProblem]]:
    """The number (where it starts) and cells of each line that is neither blank nor a comment; a CSV error ends
    the reading with its problem."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    found: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if any(cell.strip() for cell in cells) and not cells[0].lstrip().startswith("#"):
                found.append((start, cells))
    except csv.Error as exc:
        return found, [CatalogueProblem(reader.line_num, None, f"is not valid CSV: {exc}")]
    return found, []


def _refused(*problems: CatalogueProblem) -> Catalogue:
    return Catalogue([], sorted(problems, key=lambda p: p.line))


def _header_problems(line: int, header: list[str]) -> list[CatalogueProblem]:
    problems = [CatalogueProblem(line, name or None, f"unknown column {name!r}; the columns are "
                                 f"{', '.join(COLUMNS)}") for name in header if name not in COLUMNS]
    problems += [CatalogueProblem(line, name, "the column appears twice") for name in sorted(set(header))
                 if header.count(name) > 1]
    return problems + [CatalogueProblem(line, name, "the required column is missing") for name in REQUIRED
                       if name not in header]


def _duplicates(entries: list[CatalogueEntry]) -> list[CatalogueProblem]:
    problems: list[CatalogueProblem] = []
    keys: dict[str, int] = {}
    codes: dict[str, int] = {}
    for entry in entries:
        key, code = entry.procedure.process_id, entry.procedure.code
        if key in keys:
            problems.append(CatalogueProblem(entry.line, "key", f"{key!r} is already the key of line {keys[key]}"))
        if code in codes:
            problems.append(CatalogueProblem(entry.line, "code", f"{code} is already the code of line {codes[code]}"))
        keys.setdefault(key, entry.line)
        codes.setdefault(code, entry.line)
    return problems


def _entry(line: int, header: list[str], cells: list[str]) -> tuple[CatalogueEntry | None, list[CatalogueProblem]]:
    if len(cells) > len(header):
        return None, [CatalogueProblem(line, None, f"has {len(cells)} cells, more than the header's {len(header)} "
                                       "columns (a cell with a comma must be quoted)")]
    # Line breaks inside a quoted cell are read the same either way, so a file's CRLF copy generates the same
    # procedures (and checksums) as its LF original.
    row = {name: cells[n].replace("\r\n", "\n").strip() if n < len(cells) else "" for n, name in enumerate(header)}
    values: dict[str, Any] = {}
    problems = []
    for column, read in _READERS.items():
        if not row.get(column):
            if column in REQUIRED:
                problems.append(CatalogueProblem(line, column, "the cell is empty; it is required"))
            continue
        if control := _CONTROL.search(row[column]):
            problems.append(CatalogueProblem(line, column, f"holds the control character U+{ord(control[0]):04X} "
                                             "(copied from another program?); remove it"))
            continue
        try:
            values[column] = read(row[column])
        except CellError as exc:
            problems.append(CatalogueProblem(line, column, str(exc)))
    if problems:
        return None, problems
    return _generate(line, values)


def _text(value: str) -> str:
    if len(value) > _MAX_TEXT:
        raise CellError(f"is longer than {_MAX_TEXT} characters")
    return value


_READERS: dict[str, Any] = {
    "key": lambda v: pattern(v, KEY, "a snake_case key of 3 to 40 characters (e.g. poor_household_certificate)"),
    "code": lambda v: pattern(v, CODE, "a national procedure code d.dddddd (e.g. 1.001776)"),
    "name_vi": _text, "name_en": _text, "field_name_vi": _text, "limit_vi": _text, "source": _text,
    "unconfirmed": _text, "notes": _text,
    "field": lambda v: one_of(v, FIELDS, "field"), "level": lambda v: one_of(v, LEVELS, "level"),
    "working_days": lambda v: whole_number(v, 0, 90), "verification_extra_days": lambda v: whole_number(v, 1, 30),
    "competent_unit": lambda v: _competent_unit(v), "path": lambda v: _path(v),
    "cross_boundary": cross_boundary, "documents": documents, "fees": fees, "allotted_hours": allotted_hours,
}


def _competent_unit(value: str) -> dict[str, str]:
    if value in ("applicant_residence", "receiving_unit"):
        return {"rule": value, **({"pointer": "/residence/unit_id"} if value == "applicant_residence" else {})}
    kind = value.removeprefix("agency:")
    if value.startswith("agency:") and kind in AGENCY_KINDS:
        # Per-commune agencies (police, land branches) are found from the applicant's commune; the pointer also
        # decides which commune's centre receives it when the procedure does not cross boundaries.
        return {"rule": "agency", "agency": kind, "pointer": "/residence/unit_id"}
    raise CellError(f"unknown rule {value!r}; use applicant_residence, receiving_unit or agency:<kind> with kind "
                    f"one of {', '.join(AGENCY_KINDS)}")


def _path(value: str) -> str:
    try:
        parse_path(value)
    except ValueError as exc:
        raise CellError(str(exc)) from None
    return value


def _generate(line: int, v: dict[str, Any]) -> tuple[CatalogueEntry | None, list[CatalogueProblem]]:
    try:
        hours = allotments(v["working_days"], v["path"], v.get("allotted_hours"))
    except ValueError as exc:
        return None, [CatalogueProblem(line, "allotted_hours", str(exc))]
    limit = max(v["working_days"], 1) * HOURS_PER_WORKING_DAY
    if sum(hours.values()) > limit:
        return None, [CatalogueProblem(line, "allotted_hours", f"the steps' allotments add up to "
                                       f"{sum(hours.values())} hours, over the legal limit of {limit} hours "
                                       f"({v['working_days']} working days; a same-day procedure has 8)")]
    manifest = _manifest(v)
    generated = standard_procedure(manifest, path=v["path"], allotted_hours=v.get("allotted_hours"))
    procedure = ProcedureVersion(code=v["code"], version=0, manifest=manifest, bpmn=generated.bpmn,
                                 forms=generated.forms)
    return CatalogueEntry(line, procedure, generated.scenario), []


def _manifest(v: dict[str, Any]) -> dict[str, Any]:
    key = v["key"]
    time_limit: dict[str, Any] = {"working_days": v["working_days"]}
    if "verification_extra_days" in v:
        time_limit["verification_extra_days"] = v["verification_extra_days"]
    time_limit["description"] = {"vi": v["limit_vi"], "en": _limit_en(v)}
    notes = [f"Generated from the procedure catalogue (standard template, path {v['path']}).",
             f"Sources: {v['source']}", f"Unconfirmed: {v.get('unconfirmed') or 'nothing (the row claims every fact)'}"]
    return {"code": v["code"], "name": {"vi": v["name_vi"], "en": v["name_en"]}, "field": v["field"],
            "field_code": None, "field_name": {"vi": v["field_name_vi"], "en": FIELD_NAMES_EN[v["field"]]},
            "level": v["level"], "time_limit": time_limit, "documents": v["documents"], "fees": v.get("fees", []),
            "process": {"bpmn": f"{key}.bpmn", "process_id": key}, "application_form": f"{key}/application",
            "applicant_name": "/applicant/full_name", "competent_unit": v["competent_unit"],
            "cross_boundary": v["cross_boundary"], "lanes": standard_lanes(v["path"]),
            "notes": " — ".join([*notes, *([f"Notes: {v['notes']}"] if v.get("notes") else [])])}


def _limit_en(v: dict[str, Any]) -> str:
    days = v["working_days"]
    text = ("Within the working day (received after 15:00: the next working day)" if days == 0
            else f"{days} working day{'s' if days > 1 else ''} from a complete dossier")
    extra = v.get("verification_extra_days")
    return text + (f"; {extra} more working days when verification is needed" if extra else "")


class CatalogueRefusedError(ValidationFailedError):
    """A catalogue file refused as a whole: `problems` names each line and column; nothing was stored. Each is
    also a field error at `/lines/<line>/<column>` (`/lines/0` for the file as a whole)."""

    code = "catalogue_refused"

    def __init__(self, problems: list[CatalogueProblem]):
        super().__init__(f"the catalogue has {len(problems)} problem(s); nothing was imported",
                         [FieldError(f"/lines/{p.line}" + (f"/{p.column}" if p.column else ""), p.message)
                          for p in problems], count=len(problems))
        self.problems = problems
