"""Parsing BPMN into a workflow spec, once per procedure version, and describing what it contains.

inspect_spec collects every problem of an admin's upload with the element it is on; parse_spec raises
ProcedureDefinitionError on any of them.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.util import BPMN_MODEL_NS
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.domain.errors import Problem, ProcedureDefinitionError
from engine.workflow.deep_calls import call_deep
from engine.workflow.loops import bound_loops, loop_problems
from engine.workflow.send_backs import send_back_problems, targets
from engine.workflow.spec_checks import condition_problems, script_problems, timer_problems

# A procedure is one BPMN file; refuse anything large enough to be an attack on the parser.
MAX_BPMN_BYTES = 2 * 1024 * 1024
MAX_ELEMENTS = 1500
"""Elements with an id in the BPMN (tasks, events, gateways, flows...): real procedures have a few dozen;
the bound keeps the recursion along the flows finite (engine.workflow.deep_calls), and a chain of tasks
within SpiffWorkflow's task iterator, which stops at 1,000 levels."""


@dataclass(frozen=True)
class StepInfo:
    step: str
    name: str
    lane: str | None
    properties: dict[str, str]

    @property
    def send_back_to(self) -> list[str]:
        """The earlier steps this one may send the dossier back to (its `send_back_to` property)."""
        return targets(self.properties)


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
    longest_path: tuple[str, ...] = ()
    """The element ids of the user tasks with allotted hours on that path, in order."""
    lane_ids: dict[str, str] = field(default_factory=dict)
    """The element id of each lane by its name (the manifest binds lanes by name)."""
    elements: int = 0
    """How many elements with an id the BPMN has: how deep SpiffWorkflow may recurse on it."""


def parse_spec(bpmn_xml: str, process_id: str, *, decisions: dict[str, str] | None = None,
               source: str = "procedure.bpmn") -> WorkflowSpec:
    """Parse and validate BPMN text (and the DMN files it uses, by file name); reject scripts the
    restricted engine would refuse.

    Raises:
        ProcedureDefinitionError: The first problem inspect_spec finds, carrying all of them.
    """
    spec, problems = inspect_spec(bpmn_xml, process_id, decisions=decisions, source=source)
    if problems or spec is None:
        raise ProcedureDefinitionError(problems[0].message, problems)
    return spec


def inspect_spec(bpmn_xml: str, process_id: str, *, decisions: dict[str, str] | None = None,
                 source: str = "procedure.bpmn") -> tuple[WorkflowSpec | None, list[Problem]]:
    """Parse BPMN text like parse_spec, but collect every problem instead of stopping at the first.

    Returns:
        The spec (None when the text cannot be parsed into process `process_id`) and the problems,
        each on the BPMN element it concerns when that is known.
    """
    try:
        root = read_xml(bpmn_xml, source)
        dmn_roots = {name: read_xml(text, name) for name, text in (decisions or {}).items()}
    except ProcedureDefinitionError as exc:
        return None, [Problem(None, str(exc))]
    elements = sum(1 for element in root.iter(etree.Element) if element.get("id"))
    if elements > MAX_ELEMENTS:
        return None, [Problem(None, f"{source} has {elements} elements; a procedure may have at most {MAX_ELEMENTS}")]
    problems = condition_problems(root)
    try:
        spec, subprocess_specs = call_deep(lambda: _parse(root, dmn_roots, process_id, source), elements)
    # The parser is third-party code fed an admin's upload: whatever it trips over is a problem of the
    # upload to report, never a server error.
    except Exception as exc:
        # SpiffWorkflow's exceptions end their text with ". " and any notes.
        message = f"{source} is not a valid process '{process_id}': {str(exc).removesuffix('. ')}"
        return None, [Problem(_element_of(exc, root), message), *problems]
    task_specs = _all_task_specs(spec, subprocess_specs)
    allotments = _allotment_problems(task_specs)
    problems += timer_problems(task_specs) + script_problems(task_specs) + loop_problems(task_specs) + allotments
    problems += send_back_problems([spec, *subprocess_specs.values()])
    bound_loops(task_specs)
    steps = tuple(StepInfo(t.bpmn_id, t.bpmn_name or t.bpmn_id, t.lane, dict(t.extensions.get("properties", {})))
                  for t in task_specs if isinstance(t, UserTask))
    hours, path = (0.0, ()) if allotments else call_deep(lambda: _longest_path(spec), elements)
    lanes = frozenset(s.lane for s in steps if s.lane)
    return WorkflowSpec(process_id, spec, subprocess_specs, steps, lanes, hours, path, _lane_ids(root),
                        elements), problems


def _parse(root: Any, dmn_roots: dict[str, Any], process_id: str, source: str) -> tuple[Any, dict[str, Any]]:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_xml(root, filename=source)
    for name, dmn_root in dmn_roots.items():
        parser.add_dmn_xml(dmn_root, filename=name)
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def _element_of(exc: Exception, root: Any) -> str | None:
    """The id of the element the parser blames: named by the error, else the innermost element with an id
    around the error's line (schema validation errors give only a line)."""
    element_id = getattr(exc, "id", None) or getattr(getattr(exc, "task_spec", None), "bpmn_id", None)
    if element_id:
        return str(element_id)
    line = getattr(exc, "line_number", None)
    element = next((e for e in root.iter(etree.Element) if e.sourceline == line), None) if line else None
    while element is not None and element is not root and not element.get("id"):
        element = element.getparent()
    return element.get("id") if element is not None and element is not root else None


def _lane_ids(root: Any) -> dict[str, str]:
    return {lane.get("name"): lane.get("id") for lane in root.iter(f"{{{BPMN_MODEL_NS}}}lane")
            if lane.get("name") and lane.get("id")}


def read_xml(text: str, source: str) -> Any:
    """The XML tree of an admin's BPMN or DMN text, read safely; ProcedureDefinitionError when it cannot be."""
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


def _allotment_problems(task_specs: list[Any]) -> list[Problem]:
    problems = []
    for task_spec in task_specs:
        try:
            allotted_hours(task_spec)
        except ValueError:
            problems.append(Problem(task_spec.bpmn_id, f"allotted_hours of {task_spec.bpmn_id} must be a number >= 0"))
    return problems


def _longest_path(spec: Any) -> tuple[float, tuple[str, ...]]:
    """Longest path by allotted hours through the process graph, with the tasks that have hours on it;
    a flow back to a task already on the path (a rework loop) is not followed, so each step counts once."""
    memo: dict[str, tuple[float, tuple[str, ...]]] = {}

    def walk(task_spec: Any, on_path: frozenset[str]) -> tuple[float, tuple[str, ...]]:
        if task_spec.name in memo:
            return memo[task_spec.name]
        on_path = on_path | {task_spec.name}
        ahead = max((walk(nxt, on_path) for nxt in task_spec.outputs if nxt.name not in on_path),
                    key=lambda found: found[0], default=(0.0, ()))
        hours = allotted_hours(task_spec)
        memo[task_spec.name] = (hours + ahead[0], ((task_spec.bpmn_id,) if hours else ()) + ahead[1])
        return memo[task_spec.name]

    return walk(spec.start, frozenset())


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
