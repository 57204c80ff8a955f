"""Checks of a parsed process against the restricted script engine: scripts, conditions, timer
expressions and DMN decision tables, each reported as a Problem on the BPMN or DMN element that holds
it. Used by engine.workflow.specs.
"""

from __future__ import annotations

import ast
import re
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
    """Scripts, pre- and post-scripts, multi-instance expressions and event expressions of each task, and
    the expressions of the decision tables its business rule tasks use."""
    problems = []
    tables: dict[int, Any] = {}
    for spec in task_specs:
        table = getattr(getattr(spec, "dmnEngine", None), "decision_table", None)
        if table is not None:
            tables[id(table)] = table  # several tasks may use one decision
        for attribute, mode, what in _SOURCES:
            source = getattr(spec, attribute, None)
            if isinstance(source, str):
                problems += _check(spec.bpmn_id, f"{what} of step", source, mode)
        definition = getattr(spec, "event_definition", None)
        expression = getattr(definition, "expression", None)
        # Timer expressions are timer_problems' business: it knows what a valid timer value is.
        if isinstance(expression, str) and not isinstance(definition, TimerEventDefinition):
            problems += _check(spec.bpmn_id, "event expression of step", expression.strip(), "eval")
    for table in tables.values():
        problems += decision_problems(table)
    return problems


def decision_problems(table: Any) -> list[Problem]:
    """A DMN decision table's input expressions, input entries and output entries, each checked as
    SpiffWorkflow's DMN engine evaluates it with our script engine (an entry joined to its column's
    input expression), and reported on the DMN element."""
    problems, refused = [], set()
    for column in table.inputs:
        if column.expression:
            found = _check(column.id, "DMN input expression", column.expression.strip(), "eval")
            if found:
                refused.add(column.id)
            problems += found
    for rule in table.rules:
        for entry in rule.inputEntries:
            # An entry joined to a refused input expression would only repeat that input's problem.
            subject = None if entry.input.id in refused else entry.input.expression
            for text in filter(None, entry.lhs):
                problems += _check(entry.id, "DMN input entry", _dmn_test(subject, text), "eval")
        for entry in rule.outputEntries:
            if entry.text:
                problems += _check(entry.id, "DMN output entry", entry.text.strip(), "eval")
    return problems


# SpiffWorkflow's DMNEngine: a `?` outside quotes stands for the input value.
_DMN_INPUT = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')


def _dmn_test(input_expression: str | None, entry: str) -> str:
    """The expression the DMN engine evaluates for an input entry: `(input) == (entry)` for a value,
    `input` followed by the entry for a partial test such as `> 5`, the entry alone when it uses `?`
    (the engine then evaluates the input on its own, and decision_problems checks it as such)."""
    entry = _DMN_INPUT.sub("dmninputexpr", entry.strip())
    if "dmninputexpr" in entry:
        return entry
    subject = input_expression.strip() if input_expression else "dmninputexpr"
    try:
        ast.parse(entry, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return f"{subject}{entry}"  # as the engine joins them, without a space
    return f"({subject}) == ({entry})"


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
