"""Reading definitions from disk: processes/<name>/procedure.json with its BPMN and DMN, the JSON Schemas
the manifest and its user tasks name (forms/<form id>.schema.json), and the calendar override file.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from engine.domain.calendar import WorkingCalendar
from engine.domain.errors import ProcedureDefinitionError
from engine.domain.procedure import ProcedureVersion

_FORM_PROPERTY = re.compile(r'name="form"\s+value="([^"]+)"')


def read_procedures(processes_dir: Path, forms_dir: Path) -> list[ProcedureVersion]:
    """Every procedure folder under processes_dir, as unpublished versions (version 0)."""
    return [read_procedure(folder, forms_dir) for folder in sorted(processes_dir.iterdir())
            if (folder / "procedure.json").is_file()]


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
    """The working calendar with the versioned overrides in `path` (processes/calendar.json)."""
    overrides = _json(path)
    try:
        return WorkingCalendar(
            extra_days_off=[date.fromisoformat(d["date"]) for d in overrides["days_off"]],
            extra_working_days=[date.fromisoformat(d["date"]) for d in overrides["working_days"]],
            version=str(overrides["version"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ProcedureDefinitionError(f"{path} is not a calendar override file: {exc}") from exc


def read_scenarios(processes_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """The scenarios of each procedure in processes/ (`<folder>/scenarios/*.json`), by procedure code."""
    found: dict[str, list[dict[str, Any]]] = {}
    for manifest in sorted(processes_dir.glob("*/procedure.json")):
        code = json.loads(manifest.read_text(encoding="utf-8"))["code"]
        found[code] = [json.loads(path.read_text(encoding="utf-8"))
                       for path in sorted((manifest.parent / "scenarios").glob("*.json"))]
    return found
