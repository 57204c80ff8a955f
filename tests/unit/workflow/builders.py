"""A one-script process for the sandbox tests: start, a script task `compute`, a gateway whose flow
`f_yes` has a condition, end. Built straight from the parser, it skips validation, as a procedure
version forced into the database would."""

from __future__ import annotations

from xml.sax.saxutils import escape

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.workflow.script_engine import RestrictedScriptEngine, ScriptLimits
from engine.workflow.script_worker import run_request

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="http://example.org/bpmn">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute"/>
    <bpmn:scriptTask id="compute"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="gateway"/>
    <bpmn:exclusiveGateway id="gateway" default="f_no"/>
    <bpmn:sequenceFlow id="f_yes" sourceRef="gateway" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="gateway" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def script_process(script: str = "total = fee * 2", condition: str = "total > 0") -> str:
    return BPMN.format(script=escape(script), condition=escape(condition))


def unvalidated_workflow(engine: RestrictedScriptEngine, script: str, condition: str = "total > 0",
                         **data: object) -> BpmnWorkflow:
    """The process as a workflow, never validated, with `data` on its start."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(script_process(script, condition).encode())
    workflow = BpmnWorkflow(parser.get_spec("proc"), script_engine=engine)
    for task in workflow.get_tasks():
        task.data.update(data)
    return workflow


def run_in_process(script: str, data: dict, limits: ScriptLimits | None = None) -> None:
    """Run a script as the sandbox's worker does, but in this process and with no JSON boundary, so the
    guards' Python semantics (identity, sets, dates) can be seen; `data` changes as the task data would."""
    limits = limits or ScriptLimits()
    answer = run_request({"mode": "exec", "source": script, "data": data, "external": {},
                          "limits": [limits.seconds, limits.memory_bytes, limits.stored_items]})
    for name in answer["deleted"]:
        data.pop(name, None)
    data.update(answer["set"])
