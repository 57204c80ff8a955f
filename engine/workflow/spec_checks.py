"""Checks of a parsed process against the restricted script engine: scripts, conditions and timer
expressions, each reported as a Problem on the BPMN element that holds it. Used by engine.workflow.specs.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.util import BPMN_MODEL_NS
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.domain.errors import Problem, ProcedureDefinitionError
from engine.workflow.script_engine import ScriptRejectedError, check_script
from engine.workflow.timers import use_engine_clock

# Task-spec attributes SpiffWorkflow hands to the script engine: (attribute, compile mode, what to call it).
_SOURCES = (
    ("script", "exec", "script"),
    ("prescript", "exec", "pre-script"),
    ("postscript", "exec", "post-script"),
    ("condition", "eval", "completion condition"),
    ("cardinality", "eval", "cardinality"),
)


def condition_problems(root: etree._Element) -> list[Problem]:
    """Conditions on sequence flows, read from the XML the way the parser reads them, because the parsed
    spec keeps a gateway's conditions but not the ids of the flows they came from."""
    problems = []
    for flow in root.iter(f"{{{BPMN_MODEL_NS}}}sequenceFlow"):
        expression = next(flow.iter(f"{{{BPMN_MODEL_NS}}}conditionExpression"), None)
        if expression is not None and expression.text:
            problems += _check(flow.get("id"), "condition of sequence flow", expression.text.strip(), "eval")
    return problems


def script_problems(task_specs: list[Any]) -> list[Problem]:
    """Scripts, pre- and post-scripts, multi-instance expressions and event expressions of each task."""
    problems = []
    for spec in task_specs:
        for attribute, mode, what in _SOURCES:
            source = getattr(spec, attribute, None)
            if isinstance(source, str):
                problems += _check(spec.bpmn_id, f"{what} of step", source, mode)
        definition = getattr(spec, "event_definition", None)
        expression = getattr(definition, "expression", None)
        # Timer expressions are timer_problems' business: it knows what a valid timer value is.
        if isinstance(expression, str) and not isinstance(definition, TimerEventDefinition):
            problems += _check(spec.bpmn_id, "event expression of step", expression.strip(), "eval")
    return problems


def timer_problems(task_specs: list[Any]) -> list[Problem]:
    """Swap each timer for its engine-clock twin (use_engine_clock), reporting every timer it refuses."""
    problems = []
    for spec in task_specs:
        try:
            use_engine_clock([spec])
        except ProcedureDefinitionError as exc:
            problems.append(Problem(spec.bpmn_id, str(exc)))
    return problems


def _check(element_id: str | None, what: str, source: str, mode: str) -> list[Problem]:
    try:
        check_script(source, mode=mode)
    except ScriptRejectedError as exc:
        return [Problem(element_id, f"{what} {element_id}: {exc}")]
    # Deeply nested source can exhaust the parser itself; that is still the upload's fault.
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        reason = str(exc) or "it is nested too deeply"
        return [Problem(element_id, f"{what} {element_id} is not valid Python: {reason}")]
    return []
