"""A workflow that loops keeps a small task tree: the finished part is dropped after every command, so a
dossier sent back hundreds of times neither slows down step after step nor passes SpiffWorkflow's task
iterator depth limit of 1000, past which it used to look finished with a step still waiting."""

from __future__ import annotations

import json

import pytest

from engine.workflow import WorkflowInstance, parse_spec

# Each round: review, then a parallel split into two checks joined again, then a gateway that sends the
# dossier back to review until `rounds` rounds are done: six tasks deeper per round.
LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="http://example.org/bpmn">
  <bpmn:process id="rework" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="init"/>
    <bpmn:scriptTask id="init"><bpmn:script>done = 0</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="init" targetRef="review"/>
    <bpmn:userTask id="review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="police"/>
    <bpmn:sequenceFlow id="f5" sourceRef="split" targetRef="insurance"/>
    <bpmn:userTask id="police"/>
    <bpmn:userTask id="insurance"/>
    <bpmn:sequenceFlow id="f6" sourceRef="police" targetRef="join"/>
    <bpmn:sequenceFlow id="f7" sourceRef="insurance" targetRef="join"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:sequenceFlow id="f8" sourceRef="join" targetRef="count"/>
    <bpmn:scriptTask id="count"><bpmn:script>done = done + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f9" sourceRef="count" targetRef="again"/>
    <bpmn:exclusiveGateway id="again" default="f_end"/>
    <bpmn:sequenceFlow id="f_back" sourceRef="again" targetRef="review">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">done &lt; rounds</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_end" sourceRef="again" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _tasks_in(snapshot: dict[str, object]) -> int:
    workflow = snapshot["workflow"]
    assert isinstance(workflow, dict)
    return len(workflow["tasks"])


@pytest.mark.parametrize("restore_between_steps", [False, True], ids=["straight", "save-restore"])
def test_a_loop_runs_past_the_old_depth_limit_with_a_small_tree(restore_between_steps: bool) -> None:
    spec = parse_spec(LOOP, "rework")
    rounds = 250  # 1,500 tasks deep without pruning
    instance = WorkflowInstance.start(spec, {"rounds": rounds})
    largest = 0
    for round_ in range(rounds):
        for step in ("review", "police", "insurance"):
            if restore_between_steps:
                instance = WorkflowInstance.restore(spec, json.loads(json.dumps(instance.snapshot())))
            ready = {t.step: t for t in instance.ready_human_tasks()}
            assert step in ready, f"round {round_}: {step} is not ready ({sorted(ready)})"
            if step == "police":
                assert "insurance" in ready  # both legs of the parallel split wait together
            instance.complete(ready[step].id, {})
            largest = max(largest, _tasks_in(instance.snapshot()))
    assert instance.is_completed
    assert instance.data["done"] == rounds
    assert largest < 20


def test_a_finished_workflow_keeps_its_tree_and_data() -> None:
    spec = parse_spec(LOOP, "rework")
    instance = WorkflowInstance.start(spec, {"rounds": 1})
    for step in ("review", "police", "insurance"):
        instance.complete(next(t.id for t in instance.ready_human_tasks() if t.step == step), {})
    assert instance.is_completed
    assert instance.data["done"] == 1
    restored = WorkflowInstance.restore(spec, json.loads(json.dumps(instance.snapshot())))
    assert restored.is_completed
    assert restored.data["done"] == 1
