"""Publishing procedure versions and checking that a procedure is complete before it runs:
every lane bound, every user task with a form that exists, allotments inside the legal limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from engine.domain.errors import ProcedureDefinitionError
from engine.domain.procedure import ProcedureVersion, check_manifest
from engine.workflow import WorkflowSpec, parse_spec

HOURS_PER_WORKING_DAY = 8


def check_procedure(procedure: ProcedureVersion) -> WorkflowSpec:
    """Parse the BPMN and check it against the manifest and forms; return the parsed spec."""
    check_manifest(procedure.manifest)
    spec = parse_spec(procedure.bpmn, procedure.process_id, source=f"{procedure.code}.bpmn")
    if procedure.application_form not in procedure.forms:
        raise ProcedureDefinitionError(f"application form {procedure.application_form!r} is missing")
    unbound = spec.lanes - set(procedure.lanes)
    if unbound:
        raise ProcedureDefinitionError(f"lanes without a binding in the manifest: {sorted(unbound)}")
    total_hours = 0.0
    for step in spec.human_steps:
        if not step.lane:
            raise ProcedureDefinitionError(f"user task {step.step} is in no lane")
        form = step.properties.get("form")
        if form not in procedure.forms:
            raise ProcedureDefinitionError(f"user task {step.step} names form {form!r}, which is missing")
        try:
            total_hours += float(step.properties.get("allotted_hours", "0"))
        except ValueError as exc:
            raise ProcedureDefinitionError(f"user task {step.step}: allotted_hours is not a number") from exc
    limit_hours = max(procedure.time_limit.working_days, 1) * HOURS_PER_WORKING_DAY
    if total_hours > limit_hours:
        raise ProcedureDefinitionError(
            f"step allotments add up to {total_hours:g} hours, over the legal limit of {limit_hours} hours")
    return spec


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
                                       manifest=draft.manifest, bpmn=draft.bpmn, forms=draft.forms)
            uow.procedures.add(version, published_at=clock())
            published.append(draft.code)
        uow.commit()
    return published
