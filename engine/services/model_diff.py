"""What changed in a procedure between two published versions, or in its draft since the version it was
started from: the diagram's elements, the manifest, the forms and the decision files, for an admin to read
before publishing. No web or database imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.domain.actor import Actor
from engine.domain.errors import NotFoundError
from engine.domain.ports import UnitOfWork
from engine.domain.procedure import ProcedureVersion
from engine.domain.procedure_diff import Change, PartChange, procedure_diff
from engine.services.model_drafts import open_draft
from engine.services.procedure_drafts import require_admin
from engine.workflow import DiagramError, ElementChange, diagram_changes


@dataclass(frozen=True)
class ModelDiff:
    """From a version (None: nothing, for a procedure never published) to a version (None: the draft)."""

    code: str
    from_version: int | None
    to_version: int | None
    elements: list[ElementChange]
    manifest: list[Change]
    forms: list[PartChange]
    decisions: list[PartChange]
    diagram_error: str | None = None
    """Why the diagrams could not be compared (a draft's diagram that is not well-formed XML)."""


def diff_versions(uow: UnitOfWork, *, actor: Actor, code: str, from_version: int, to_version: int) -> ModelDiff:
    """What changed from version `from_version` of `code` to `to_version` (either may be the older).

    Raises:
        NotFoundError: The procedure or one of the versions does not exist.
    """
    with uow:
        require_admin(uow, actor)
        before, after = (_version(uow, code, number) for number in (from_version, to_version))
    return _diff(code, before, after, from_version, to_version)


def diff_draft(uow: UnitOfWork, *, actor: Actor, code: str) -> ModelDiff:
    """What the draft of `code` changes in the version it was started from (everything, for a procedure never
    published); a procedure without a saved draft shows no change.

    Raises:
        NotFoundError: `code` has neither a draft nor a published version.
    """
    draft = open_draft(uow, actor=actor, code=code)
    with uow:
        base = _version(uow, code, draft.base_version) if draft.base_version is not None else None
    return _diff(code, base, draft.as_version(), draft.base_version, None)


def _diff(code: str, before: ProcedureVersion | None, after: ProcedureVersion, from_version: int | None,
          to_version: int | None) -> ModelDiff:
    parts = procedure_diff(_parts(before) if before else None, _parts(after))
    try:
        elements, error = diagram_changes(before.bpmn if before else None, after.bpmn), None
    except DiagramError as exc:  # a draft may hold an unfinished diagram: the rest still compares
        elements, error = [], str(exc)
    return ModelDiff(code, from_version, to_version, elements, parts.manifest, parts.forms, parts.decisions, error)


def _parts(procedure: ProcedureVersion) -> dict[str, Any]:
    return {"manifest": procedure.manifest, "forms": procedure.forms, "decisions": procedure.decisions}


def _version(uow: UnitOfWork, code: str, number: int) -> ProcedureVersion:
    row = next((r for r in uow.procedures.versions(code) if r[2] == number), None)
    found = uow.procedures.get(row[0]) if row else None
    if found is None:
        raise NotFoundError(f"procedure {code} has no version {number}")
    return found
