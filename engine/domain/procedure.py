"""Procedures at a version: the manifest (names, time limit, lane bindings, competent-unit rule),
the BPMN text and the forms. A version is immutable once stored; dossiers keep the one they started on.

Pure Python; parsing the BPMN is engine.workflow's job, reading files engine.adapters'.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from engine.domain.calendar import WorkingCalendar
from engine.domain.errors import NotFoundError, ProcedureDefinitionError
from engine.domain.forms import check_form, compile_forms, resolve_pointer


@dataclass(frozen=True)
class LaneBinding:
    role: str
    unit: str


@dataclass(frozen=True)
class TimeLimit:
    """The legal limit: same working day (15:00 cut-off) or N working days from a complete dossier,
    with `verification_extra_days` more when the dossier needs verification; `cases` give some requests of
    the procedure a limit of their own, chosen by a field of the application (pointer, value, days)."""

    working_days: int
    verification_extra_days: int = 0
    cases: tuple[tuple[str, str, int], ...] = ()

    def days_for(self, application: Mapping[str, Any] | None) -> int:
        for pointer, value, days in self.cases:
            if application is not None and resolve_pointer(application, pointer) == value:
                return days
        return self.working_days

    def due(self, calendar: WorkingCalendar, received_at: datetime, *, verification: bool = False,
            application: Mapping[str, Any] | None = None) -> datetime:
        days = self.days_for(application) + (self.verification_extra_days if verification else 0)
        return calendar.add_working_days(received_at, days)


@dataclass(frozen=True)
class ProcedureVersion:
    """One published version of a procedure. `forms` maps form ids to JSON Schemas."""

    code: str
    version: int
    manifest: dict[str, Any]
    bpmn: str
    forms: dict[str, dict[str, Any]]
    decisions: dict[str, str] = field(default_factory=dict)
    """DMN files by name."""
    id: int | None = None
    checksum: str = field(default="")

    def __post_init__(self) -> None:
        if not self.checksum:
            object.__setattr__(self, "checksum",
                               content_checksum(self.manifest, self.bpmn, self.forms, self.decisions))

    @property
    def name_vi(self) -> str:
        return str(self.manifest["name"]["vi"])

    @property
    def name_en(self) -> str:
        return str(self.manifest["name"]["en"])

    @property
    def process_id(self) -> str:
        return str(self.manifest["process"]["process_id"])

    @property
    def application_form(self) -> str:
        return str(self.manifest["application_form"])

    @property
    def cross_boundary(self) -> bool:
        return bool(self.manifest.get("cross_boundary", False))

    @property
    def cross_province(self) -> bool:
        """Whether it may be received in one province and handled by a unit of another, whose deployment gets
        it as a package (engine/domain/exchange.py); false unless the manifest says so."""
        return bool(self.manifest.get("cross_province", False))

    @property
    def competence_rule(self) -> dict[str, str]:
        return dict(self.manifest["competent_unit"])

    @cached_property
    def time_limit(self) -> TimeLimit:
        limit = self.manifest["time_limit"]
        cases = tuple((c["when"], c["equals"], int(c["working_days"])) for c in limit.get("cases", ()))
        return TimeLimit(int(limit["working_days"]), int(limit.get("verification_extra_days", 0)), cases)

    @cached_property
    def lanes(self) -> dict[str, LaneBinding]:
        return {name: LaneBinding(b["role"], b["unit"]) for name, b in self.manifest["lanes"].items()}

    def lane(self, name: str | None) -> LaneBinding:
        if name not in self.lanes:
            raise ProcedureDefinitionError(f"lane {name!r} of procedure {self.code} has no binding")
        return self.lanes[name]

    @cached_property
    def _validators(self) -> dict[str, Any]:
        return compile_forms(self.forms)  # a form may refer to the others of its procedure, nothing else

    def check_form(self, form_id: str, data: Any, *, prefix: str = "") -> None:
        if form_id not in self.forms:
            raise NotFoundError(f"form {form_id!r} is not part of procedure {self.code}")
        check_form(self._validators[form_id], data, form_id=form_id, prefix=prefix)


def content_checksum(manifest: dict[str, Any], bpmn: str, forms: dict[str, Any], decisions: dict[str, str]) -> str:
    blob = json.dumps([manifest, bpmn, forms, decisions] if decisions else [manifest, bpmn, forms],
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()
