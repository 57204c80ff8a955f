"""Procedure versions and their parsed workflow specs, cached by version id.

Versions are immutable once published, so an entry never goes stale and a request never re-parses BPMN.
"""

from __future__ import annotations

import threading
from typing import Protocol

from engine.domain.errors import NotFoundError, ProcedureDefinitionError
from engine.domain.procedure import ProcedureVersion
from engine.workflow import SpecCache, WorkflowSpec, parse_spec


class _Procedures(Protocol):
    def get(self, version_id: int) -> ProcedureVersion | None: ...
    def latest_id(self, code: str) -> int | None: ...


class Catalogue:
    def __init__(self) -> None:
        self._versions: dict[int, ProcedureVersion] = {}
        self._specs = SpecCache()
        self._lock = threading.Lock()

    def version(self, procedures: _Procedures, version_id: int) -> ProcedureVersion:
        found = self._versions.get(version_id)
        if found is None:
            found = procedures.get(version_id)
            if found is None:
                raise NotFoundError(f"procedure version {version_id} does not exist")
            with self._lock:
                found = self._versions.setdefault(version_id, found)
        return found

    def latest(self, procedures: _Procedures, code: str) -> ProcedureVersion:
        version_id = procedures.latest_id(code)
        if version_id is None:
            raise NotFoundError(f"procedure {code} does not exist")
        return self.version(procedures, version_id)

    def spec(self, procedure: ProcedureVersion) -> WorkflowSpec:
        if procedure.id is None:
            raise ProcedureDefinitionError("an unpublished procedure has no cached spec")
        return self._specs.get(procedure.id, lambda: parse_spec(
            procedure.bpmn, procedure.process_id, decisions=procedure.decisions, source=f"{procedure.code}.bpmn"))
