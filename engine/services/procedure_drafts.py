"""Admins' process models: validating a draft of a procedure from the BPMN modeler, with every problem on
its BPMN element, publishing it as a new immutable version, and listing and fetching versions.

Procedures are national, so an admin of any province manages all of them. No web or database imports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.domain.actor import Actor, Role
from engine.domain.errors import ConflictError, ForbiddenError, NotFoundError, Problem, ProcedureDefinitionError
from engine.domain.ports import UnitOfWork
from engine.domain.procedure import ProcedureVersion
from engine.domain.unit import UnitKind
from engine.services.procedures import procedure_problems


@dataclass(frozen=True)
class VersionInfo:
    """A stored version without its content."""

    code: str
    version: int
    published_at: datetime
    checksum: str


@dataclass(frozen=True)
class ModelSummary:
    """A procedure in the admins' list: its name (from the latest version) and every version."""

    code: str
    name: dict[str, str]
    versions: list[VersionInfo]


@dataclass(frozen=True)
class ProcessModel:
    """A procedure at one version, with its content and the list of all its versions."""

    code: str
    version: int
    published_at: datetime
    checksum: str
    manifest: dict[str, Any]
    bpmn: str
    forms: dict[str, dict[str, Any]]
    decisions: dict[str, str]
    versions: list[VersionInfo]


def validate_draft(uow: UnitOfWork, *, actor: Actor, code: str, bpmn: str, forms: dict[str, Any] | None = None,
                   manifest: dict[str, Any] | None = None) -> list[Problem]:
    """Every problem of a draft: the latest version of `code` with this BPMN, and these forms and manifest
    when given (each replaces the latest's whole forms dict or manifest).

    Raises:
        ForbiddenError: The actor is not an admin of a province.
        NotFoundError: No version of `code` was ever published.
    """
    with uow:
        require_admin(uow, actor)
        latest = _latest(uow, code)
    return draft_problems(_draft(latest, bpmn, forms, manifest))


def publish_draft(uow: UnitOfWork, *, actor: Actor, code: str, bpmn: str, forms: dict[str, Any] | None = None,
                  manifest: dict[str, Any] | None = None, base_version: int | None = None,
                  clock: Callable[[], datetime]) -> VersionInfo:
    """Store a valid draft (see validate_draft) as the next version of `code`; dossiers received from then
    on run it, dossiers already running keep theirs.

    Args:
        base_version: The version the admin's draft was made from, when known: publishing fails if another
            version was published since, rather than silently dropping that version's changes.

    Raises:
        ProcedureDefinitionError: The draft has problems, all listed in `problems`; nothing is stored.
        ConflictError: The draft equals the latest version, or another version was published meanwhile.
    """
    with uow:
        require_admin(uow, actor)
        latest = _latest(uow, code)
    if base_version is not None and base_version != latest.version:
        raise ConflictError(f"version {latest.version} was published after version {base_version}, which your "
                            "draft starts from; reload the procedure and make your changes again")
    # Checked outside the transaction: on SQLite a transaction holds the write lock, and parsing a large
    # diagram must not hold up the counters. A version published meanwhile still clashes in add().
    draft = _draft(latest, bpmn, forms, manifest)
    problems = draft_problems(draft)
    if problems:
        raise ProcedureDefinitionError(f"the draft has {len(problems)} problem(s); nothing was published", problems)
    if draft.checksum == latest.checksum:
        raise ConflictError(f"nothing changed: the draft is the same as version {latest.version}")
    with uow:
        published_at = clock()
        uow.procedures.add(draft, published_at=published_at)
        uow.commit()
    return VersionInfo(draft.code, draft.version, published_at, draft.checksum)


def list_models(uow: UnitOfWork, *, actor: Actor) -> list[ModelSummary]:
    """Every procedure with its name and versions, by code."""
    with uow:
        require_admin(uow, actor)
        latest = [p for p in map(uow.procedures.get, uow.procedures.latest_ids()) if p is not None]
        names = {p.code: p.manifest["name"] for p in latest}
        rows = uow.procedures.versions()
    versions: dict[str, list[VersionInfo]] = {}
    for _, code, version, published_at, checksum in rows:
        versions.setdefault(code, []).append(VersionInfo(code, version, published_at, checksum))
    return [ModelSummary(code, names[code], found) for code, found in versions.items()]


def get_model(uow: UnitOfWork, *, actor: Actor, code: str, version: int | None = None) -> ProcessModel:
    """A procedure at `version` (the latest when None) with the list of its versions.

    Raises:
        NotFoundError: The procedure or that version of it does not exist.
    """
    with uow:
        require_admin(uow, actor)
        rows = uow.procedures.versions(code)
        if not rows:
            raise NotFoundError(f"procedure {code} does not exist")
        row = rows[-1] if version is None else next((r for r in rows if r[2] == version), None)
        if row is None:
            raise NotFoundError(f"procedure {code} has no version {version}")
        procedure = uow.procedures.get(row[0])
        if procedure is None:
            raise NotFoundError(f"procedure {code} has no version {row[2]}")
    return ProcessModel(code, procedure.version, row[3], procedure.checksum, procedure.manifest, procedure.bpmn,
                        procedure.forms, procedure.decisions, [VersionInfo(*r[1:]) for r in rows])


def require_admin(uow: UnitOfWork, actor: Actor) -> None:
    """Admins sit at their province's unit. Procedures are national, not a province's own, so the admin of
    any province may validate and publish every procedure; an admin role held at a commune or agency may not."""
    unit = uow.units.get(actor.unit_id)
    if unit is None:
        raise ForbiddenError(f"your unit {actor.unit_id} does not exist")
    actor.require(Role.ADMIN.value, unit.id if unit.kind is UnitKind.PROVINCE else str(unit.province_id))


def _latest(uow: UnitOfWork, code: str) -> ProcedureVersion:
    version_id = uow.procedures.latest_id(code)
    if version_id is None:
        raise NotFoundError(f"procedure {code} does not exist")
    found = uow.procedures.get(version_id)
    if found is None:
        raise NotFoundError(f"procedure {code} does not exist")
    return found


def _draft(latest: ProcedureVersion, bpmn: str, forms: dict[str, Any] | None,
           manifest: dict[str, Any] | None) -> ProcedureVersion:
    return ProcedureVersion(code=latest.code, version=latest.version + 1,
                            manifest=latest.manifest if manifest is None else manifest, bpmn=bpmn,
                            forms=latest.forms if forms is None else forms, decisions=latest.decisions)


def draft_problems(draft: ProcedureVersion) -> list[Problem]:
    """procedure_problems, and what only a draft can get wrong: its manifest naming another procedure, or
    decision files (DMN) other than the draft's own."""
    problems = []
    if draft.manifest.get("code") != draft.code:
        problems.append(Problem(None, f"manifest /code: must be {draft.code}, the procedure being edited"))
    process = draft.manifest.get("process")
    named = process.get("dmn", []) if isinstance(process, dict) else []
    if isinstance(named, list) and set(map(str, named)) != set(draft.decisions):
        problems.append(Problem(None, f"manifest /process/dmn: must name the draft's decision files "
                                      f"{sorted(draft.decisions)}"))
    return problems + procedure_problems(draft)[1]
