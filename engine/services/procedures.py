"""Checking that a procedure is complete before it runs: a valid manifest, every lane bound, every user
task with a form that exists, valid form schemas, safe scripts, allotments inside the legal limit; and
publishing changed versions from processes/ at start-up. Admins' drafts go through the same checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from engine.domain.calendar import HOURS_PER_WORKING_DAY
from engine.domain.errors import Problem, ProcedureDefinitionError
from engine.domain.form_schema import schema_problems
from engine.domain.lifecycle import MILESTONES
from engine.domain.manifest import MANIFEST_SCHEMA, PAUSE_REASONS, TASK_PROPERTIES
from engine.domain.ports import UnitOfWork
from engine.domain.procedure import ProcedureVersion
from engine.workflow import StepInfo, WorkflowSpec, inspect_spec


def check_procedure(procedure: ProcedureVersion) -> WorkflowSpec:
    """Parse the BPMN and check it against the manifest and forms; return the parsed spec.

    Raises:
        ProcedureDefinitionError: Saying the first problem, with all of them in `problems`.
    """
    spec, problems = procedure_problems(procedure)
    if problems or spec is None:
        more = {1: "", 2: " (and 1 more problem)"}.get(len(problems), f" (and {len(problems) - 1} more problems)")
        raise ProcedureDefinitionError(problems[0].message + more, problems)
    return spec


def procedure_problems(procedure: ProcedureVersion) -> tuple[WorkflowSpec | None, list[Problem]]:
    """Every problem of a procedure definition, each on its BPMN element when it has one.

    Returns:
        The parsed spec (None when the BPMN cannot be parsed) and the problems, manifest and forms first.
    """
    manifest = procedure.manifest
    manifest_found = manifest_problems(manifest)
    problems = manifest_found + _form_problems(procedure)
    process_id = (manifest.get("process") or {}).get("process_id") if isinstance(manifest, dict) else None
    if not isinstance(process_id, str):
        return None, problems  # reported as a manifest problem: there is no process to look for
    spec, found = inspect_spec(procedure.bpmn, process_id, decisions=procedure.decisions,
                               source=f"{procedure.code}.bpmn")
    problems += found
    if spec is not None:
        problems += _lane_problems(manifest, spec)
        problems += [problem for step in spec.human_steps for problem in _step_problems(procedure, step)]
        if not manifest_found:  # the time limit is readable
            problems += _allotment_problems(procedure, spec)
    return spec, problems


@cache
def _manifest_validator() -> Draft202012Validator:
    return Draft202012Validator(MANIFEST_SCHEMA)


def manifest_problems(manifest: Any) -> list[Problem]:
    """Every place the manifest breaks its schema (engine.domain.manifest), in document order."""
    errors = sorted(_manifest_validator().iter_errors(manifest), key=lambda e: [str(p) for p in e.absolute_path])
    return [Problem(None, f"manifest /{'/'.join(str(p) for p in e.absolute_path)}: {e.message}") for e in errors]


def _form_problems(procedure: ProcedureVersion) -> list[Problem]:
    problems = []
    application_form = procedure.manifest.get("application_form")
    if isinstance(application_form, str) and application_form not in procedure.forms:
        problems.append(Problem(None, f"application form {application_form!r} is missing"))
    return problems + [Problem(None, message) for message in schema_problems(procedure.forms)]


def _lane_problems(manifest: dict[str, Any], spec: WorkflowSpec) -> list[Problem]:
    bound = manifest.get("lanes")
    unbound = sorted(spec.lanes - set(bound if isinstance(bound, dict) else ()))
    return [Problem(spec.lane_ids.get(lane), f"lane {lane!r} is without a binding in the manifest's lanes")
            for lane in unbound]


def _step_problems(procedure: ProcedureVersion, step: StepInfo) -> list[Problem]:
    where = f"user task {step.step}"
    messages = []
    if not step.lane:
        messages.append(f"{where} is in no lane")
    unknown = set(step.properties) - set(TASK_PROPERTIES)
    if unknown:
        messages.append(f"{where} has unknown properties {sorted(unknown)}; use {TASK_PROPERTIES}")
    form = step.properties.get("form")
    if form not in procedure.forms:
        messages.append(f"{where} names form {form!r}, which is missing")
    milestone = step.properties.get("milestone")
    if milestone is not None and milestone not in MILESTONES:
        messages.append(f"{where}: milestone {milestone!r} is not one of {sorted(MILESTONES)}")
    pause = step.properties.get("pause")
    if pause is not None and pause not in PAUSE_REASONS:
        messages.append(f"{where}: pause {pause!r} is not one of {PAUSE_REASONS}")
    return [Problem(step.step, message) for message in messages]


def _allotment_problems(procedure: ProcedureVersion, spec: WorkflowSpec) -> list[Problem]:
    # Same-day procedures still get one working day of steps: the 15:00 cut-off may carry them over.
    limit_hours = max(procedure.time_limit.working_days, 1) * HOURS_PER_WORKING_DAY
    if spec.longest_path_hours <= limit_hours:
        return []
    return [Problem(None, f"step allotments add up to {spec.longest_path_hours:g} hours on the longest path "
                          f"({' → '.join(spec.longest_path)}), over the legal limit of {limit_hours} hours")]


def publish_changed(uow: UnitOfWork, *, definitions: Iterable[ProcedureVersion],
                    clock: Callable[[], datetime]) -> list[str]:
    """Store each definition whose content is not stored yet as the next version of its procedure.

    A definition equal to any stored version is left alone, not only one equal to the latest: an admin
    may have published a newer version from the modeler, and a restart must not put the folder's back.
    Returns the codes that got a new version. Running dossiers keep the version they started on.
    """
    published = []
    with uow:
        for draft in definitions:
            check_procedure(draft)
            if draft.checksum in {checksum for *_, checksum in uow.procedures.versions(draft.code)}:
                continue
            latest_id = uow.procedures.latest_id(draft.code)
            latest = uow.procedures.get(latest_id) if latest_id else None
            version = ProcedureVersion(code=draft.code, version=(latest.version + 1) if latest else 1,
                                       manifest=draft.manifest, bpmn=draft.bpmn, forms=draft.forms,
                                       decisions=draft.decisions)
            uow.procedures.add(version, published_at=clock())
            published.append(draft.code)
        uow.commit()
    return published
