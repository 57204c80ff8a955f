"""Parsing BPMN into a workflow spec, once per procedure version, and describing what it contains.

Malformed or unsupported BPMN raises ProcedureDefinitionError with the parser's message.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.domain.errors import ProcedureDefinitionError
from engine.workflow.script_engine import ScriptRejectedError, check_script
from engine.workflow.timers import use_engine_clock

# A procedure is one BPMN file; refuse anything large enough to be an attack on the parser.
MAX_BPMN_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class StepInfo:
    step: str
    name: str
    lane: str | None
    properties: dict[str, str]


@dataclass(frozen=True)
class WorkflowSpec:
    """A parsed process: the SpiffWorkflow spec objects plus a description for checks."""

    process_id: str
    spec: Any
    subprocess_specs: dict[str, Any]
    human_steps: tuple[StepInfo, ...]
    lanes: frozenset[str]
    longest_path_hours: float
    """The largest sum of `allotted_hours` along any path from start to end (parallel legs overlap)."""


def parse_spec(bpmn_xml: str, process_id: str, *, decisions: dict[str, str] | None = None,
               source: str = "procedure.bpmn") -> WorkflowSpec:
    """Parse and validate BPMN text (and the DMN files it uses, by file name); reject scripts the
    restricted engine would refuse."""
    try:
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_xml(_xml(bpmn_xml, source), filename=source)
        for name, dmn_xml in (decisions or {}).items():
            parser.add_dmn_xml(_xml(dmn_xml, name), filename=name)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except (ValidationException, SpiffWorkflowException, KeyError, ValueError) as exc:
        raise ProcedureDefinitionError(f"{source} is not a valid process '{process_id}': {exc}") from exc
    use_engine_clock(_all_task_specs(spec, subprocess_specs))
    steps = []
    for task_spec in _all_task_specs(spec, subprocess_specs):
        if isinstance(task_spec, ScriptTask):
            try:
                check_script(task_spec.script)
            except ScriptRejectedError as exc:
                raise ProcedureDefinitionError(f"script of step {task_spec.bpmn_id}: {exc}") from exc
        if isinstance(task_spec, UserTask):
            props = dict(task_spec.extensions.get("properties", {}))
            steps.append(StepInfo(task_spec.bpmn_id, task_spec.bpmn_name or task_spec.bpmn_id,
                                  task_spec.lane, props))
    lanes = frozenset(s.lane for s in steps if s.lane)
    return WorkflowSpec(process_id, spec, subprocess_specs, tuple(steps), lanes, _longest_path_hours(spec))


def _xml(text: str, source: str) -> Any:
    data = text.encode()
    if len(data) > MAX_BPMN_BYTES:
        raise ProcedureDefinitionError(f"{source} is larger than {MAX_BPMN_BYTES} bytes")
    # resolve_entities/no_network guard against XXE and billion-laughs from an admin upload.
    xml_parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(data, parser=xml_parser)
    except etree.XMLSyntaxError as exc:
        raise ProcedureDefinitionError(f"{source} is not well-formed XML: {exc}") from exc


def allotted_hours(task_spec: Any) -> float:
    """A user task's `allotted_hours` property (0 when absent); ValueError when it is not a number."""
    props = task_spec.extensions.get("properties", {}) if isinstance(task_spec, UserTask) else {}
    hours = float(props.get("allotted_hours", "0"))
    if not math.isfinite(hours) or hours < 0:
        raise ValueError(f"allotted_hours of {task_spec.bpmn_id} must be a number >= 0")
    return hours


def _longest_path_hours(spec: Any) -> float:
    """Longest path by allotted hours through the process graph; a flow back to a task already on the
    path (a rework loop) is not followed, so each step counts once."""
    memo: dict[str, float] = {}

    def walk(task_spec: Any, on_path: frozenset[str]) -> float:
        if task_spec.name in memo:
            return memo[task_spec.name]
        on_path = on_path | {task_spec.name}
        ahead = [walk(nxt, on_path) for nxt in task_spec.outputs if nxt.name not in on_path]
        memo[task_spec.name] = allotted_hours(task_spec) + max(ahead, default=0.0)
        return memo[task_spec.name]

    try:
        return walk(spec.start, frozenset())
    except ValueError as exc:
        raise ProcedureDefinitionError(str(exc)) from exc


def _all_task_specs(spec: Any, subprocess_specs: dict[str, Any]) -> list[Any]:
    specs = list(spec.task_specs.values())
    for sub in subprocess_specs.values():
        specs.extend(sub.task_specs.values())
    return specs


class SpecCache:
    """Parsed specs by procedure version id; versions are immutable so entries never go stale."""

    def __init__(self) -> None:
        self._specs: dict[int, WorkflowSpec] = {}
        self._lock = threading.Lock()

    def get(self, version_id: int, load: Callable[[], WorkflowSpec]) -> WorkflowSpec:
        spec = self._specs.get(version_id)
        if spec is None:
            with self._lock:
                spec = self._specs.get(version_id)
                if spec is None:
                    spec = self._specs[version_id] = load()
        return spec

    def __len__(self) -> int:
        return len(self._specs)
