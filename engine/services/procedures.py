"""Publishing procedure versions and checking that a procedure is complete before it runs:
every lane bound, every user task with a form that exists, allotments inside the legal limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from engine.domain.calendar import HOURS_PER_WORKING_DAY
from engine.domain.errors import ProcedureDefinitionError
from engine.domain.lifecycle import MILESTONES
from engine.domain.manifest import PAUSE_REASONS, TASK_PROPERTIES, check_manifest
from engine.domain.procedure import ProcedureVersion
from engine.workflow import StepInfo, WorkflowSpec, parse_spec


def check_procedure(procedure: ProcedureVersion) -> WorkflowSpec:
    """Parse the BPMN and check it against the manifest and forms; return the parsed spec."""
    check_manifest(procedure.manifest)
    spec = parse_spec(procedure.bpmn, procedure.process_id, decisions=procedure.decisions,
                      source=f"{procedure.code}.bpmn")
    if procedure.application_form not in procedure.forms:
        raise ProcedureDefinitionError(f"application form {procedure.application_form!r} is missing")
    unbound = spec.lanes - set(procedure.lanes)
    if unbound:
        raise ProcedureDefinitionError(f"lanes without a binding in the manifest: {sorted(unbound)}")
    for step in spec.human_steps:
        _check_step(procedure, step)
    # Same-day procedures still get one working day of steps: the 15:00 cut-off may carry them over.
    limit_hours = max(procedure.time_limit.working_days, 1) * HOURS_PER_WORKING_DAY
    if spec.longest_path_hours > limit_hours:
        raise ProcedureDefinitionError(f"step allotments add up to {spec.longest_path_hours:g} hours on the "
                                       f"longest path, over the legal limit of {limit_hours} hours")
    return spec


def _check_step(procedure: ProcedureVersion, step: StepInfo) -> None:
    where = f"user task {step.step}"
    if not step.lane:
        raise ProcedureDefinitionError(f"{where} is in no lane")
    unknown = set(step.properties) - set(TASK_PROPERTIES)
    if unknown:
        raise ProcedureDefinitionError(f"{where} has unknown properties {sorted(unknown)}; use {TASK_PROPERTIES}")
    form = step.properties.get("form")
    if form not in procedure.forms:
        raise ProcedureDefinitionError(f"{where} names form {form!r}, which is missing")
    milestone = step.properties.get("milestone")
    if milestone is not None and milestone not in MILESTONES:
        raise ProcedureDefinitionError(f"{where}: milestone {milestone!r} is not one of {sorted(MILESTONES)}")
    pause = step.properties.get("pause")
    if pause is not None and pause not in PAUSE_REASONS:
        raise ProcedureDefinitionError(f"{where}: pause {pause!r} is not one of {PAUSE_REASONS}")


def publish_changed(uow: Any, *, definitions: Iterable[ProcedureVersion], clock: Callable[[], datetime]) -> list[str]:
    """Store each definition whose content differs from its latest version as a new version.

    Returns the codes that got a new version. Running dossiers keep the version they started on.
    """
    published = []
    with uow:
        for draft in definitions:
            check_procedure(draft)
            latest_id = uow.procedures.latest_id(draft.code)
            latest = uow.procedures.get(latest_id) if latest_id else None
            if latest is not None and latest.checksum == draft.checksum:
                continue
            version = ProcedureVersion(code=draft.code, version=(latest.version + 1) if latest else 1,
                                       manifest=draft.manifest, bpmn=draft.bpmn, forms=draft.forms,
                                       decisions=draft.decisions)
            uow.procedures.add(version, published_at=clock())
            published.append(draft.code)
        uow.commit()
    return published
