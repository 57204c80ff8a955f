"""A one-script process for the sandbox tests: start, a script task `compute`, a gateway whose flow
`f_yes` has a condition, end. Built straight from the parser, it skips validation, as a procedure
version forced into the database would."""

from __future__ import annotations

from xml.sax.saxutils import escape

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.workflow.script_engine import RestrictedScriptEngine

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
