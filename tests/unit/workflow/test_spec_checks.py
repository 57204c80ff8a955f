"""DMN decision tables are checked like scripts: an escape in an input expression, input entry or output
entry is a Problem on that DMN element when the procedure is validated, and fails the business rule task
if a decision table that skipped validation runs."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.workflow import inspect_spec
from engine.workflow.script_engine import RestrictedScriptEngine

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs"
    targetNamespace="http://example.org/bpmn">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide"/>
    <bpmn:businessRuleTask id="decide">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>fee_decision</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs_fee" name="Fee"
    namespace="http://example.org/dmn">
  <decision id="fee_decision" name="Fee">
    <decisionTable id="table" hitPolicy="UNIQUE">
      <input id="input_copies" label="Copies">
        <inputExpression id="input_expression" typeRef="integer"><text>{input}</text></inputExpression>
      </input>
      <output id="output_fee" label="Fee" name="fee" typeRef="integer"/>
      <rule id="rule_many">
        <inputEntry id="entry_many"><text>{entry}</text></inputEntry>
        <outputEntry id="output_many"><text>{output}</text></outputEntry>
      </rule>
      <rule id="rule_other">
        <inputEntry id="entry_other"><text>-</text></inputEntry>
        <outputEntry id="output_other"><text>0</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""

SAFE = {"input": "copies", "entry": "&gt; 2", "output": "copies * 10000"}


def _dmn(**parts: str) -> str:
    return DMN.format(**{**SAFE, **{name: escape(text) for name, text in parts.items()}})


@pytest.mark.parametrize(("part", "source", "element"), [
    ("input", "copies.__class__", "input_copies"),
    ("input", "__import__('os')", "input_copies"),
    ("entry", "&gt; ().__class__.__base__", "entry_many"),
    ("entry", ".__class__ is int", "entry_many"),  # joined to the input: copies.__class__ is int
    ("entry", "? in range(10**12)", "entry_many"),
    ("entry", "eval('1')", "entry_many"),
    ("output", "'x' * 10**10", "output_many"),
    ("output", "[c for c in ().__class__.__mro__]", "output_many"),
])
def test_an_escape_in_a_decision_table_is_a_problem_on_its_dmn_element(part: str, source: str, element: str) -> None:
    source = source.replace("&gt;", ">")
    _, problems = inspect_spec(BPMN, "proc", decisions={"fee.dmn": _dmn(**{part: source})})
    assert [p.element_id for p in problems] == [element]
    assert "DMN" in problems[0].message


@pytest.mark.parametrize("entry", ["&gt; 2", "3", "? &gt; 2", "2 &lt; ? &lt; 10", "-"])
def test_ordinary_decision_tables_pass(entry: str) -> None:
    entry = entry.replace("&gt;", ">").replace("&lt;", "<")
    spec, problems = inspect_spec(BPMN, "proc", decisions={"fee.dmn": _dmn(entry=entry)})
    assert problems == []
    workflow = BpmnWorkflow(spec.spec, spec.subprocess_specs, script_engine=RestrictedScriptEngine())
    workflow.get_tasks()[0].data["copies"] = 3
    workflow.do_engine_steps()
    assert workflow.data["fee"] == 30_000


@pytest.mark.parametrize("parts", [
    {"output": "copies.__class__"},
    {"entry": "&gt; copies.__class__.__base__"},
    {"input": "copies.__class__"},
    {"output": "'x' * 10**10"},
])
def test_an_unvalidated_escaping_decision_fails_its_task(parts: dict[str, str]) -> None:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(BPMN.encode())
    parser.add_dmn_str(_dmn(**{k: v.replace("&gt;", ">") for k, v in parts.items()}).encode())
    workflow = BpmnWorkflow(parser.get_spec("proc"), script_engine=RestrictedScriptEngine())
    workflow.get_tasks()[0].data["copies"] = 3
    # Rejected by the engine's check, or by SpiffWorkflow's DMN engine calling validate() on an entry.
    with pytest.raises(WorkflowTaskException, match=r"rejected|not allowed"):
        workflow.do_engine_steps()
