"""Sending a step back: what publication accepts as `send_back_to` (earlier user tasks on the step's own
branch, nothing hostile), and the move on a running workflow, straight and through a saved snapshot, with
the sending step's boundary timer gone and the target's armed again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from xml.sax.saxutils import quoteattr

import pytest

from engine.workflow import WorkflowError, WorkflowInstance, inspect_spec, parse_spec

# start → draft (user) → check (script) → gate (exclusive) → approve (user, with a reminder timer) → split
# (parallel) → left (user) / right (user) → join → hand_over (user, milestone returned) → end.
BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs"
    targetNamespace="http://example.org/bpmn">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="draft"/>
    <bpmn:userTask id="draft">{draft}</bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="draft" targetRef="check"/>
    <bpmn:scriptTask id="check"><bpmn:script>checked = True</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="gate"/>
    <bpmn:exclusiveGateway id="gate" default="f4"/>
    <bpmn:sequenceFlow id="f4" sourceRef="gate" targetRef="approve"/>
    <bpmn:userTask id="approve">{approve}</bpmn:userTask>
    <bpmn:boundaryEvent id="remind" attachedToRef="approve" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT2H"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f_remind" sourceRef="remind" targetRef="reminded"/>
    <bpmn:endEvent id="reminded"/>
    <bpmn:sequenceFlow id="f5" sourceRef="approve" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="f6" sourceRef="split" targetRef="left"/>
    <bpmn:sequenceFlow id="f7" sourceRef="split" targetRef="right"/>
    <bpmn:userTask id="left">{left}</bpmn:userTask>
    <bpmn:userTask id="right"/>
    <bpmn:sequenceFlow id="f8" sourceRef="left" targetRef="join"/>
    <bpmn:sequenceFlow id="f9" sourceRef="right" targetRef="join"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:sequenceFlow id="f10" sourceRef="join" targetRef="hand_over"/>
    <bpmn:userTask id="hand_over">{hand_over}</bpmn:userTask>
    <bpmn:sequenceFlow id="f11" sourceRef="hand_over" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _properties(**values: str) -> str:
    rows = "".join(f"<spiffworkflow:property name={quoteattr(k)} value={quoteattr(v)}/>" for k, v in values.items())
    properties = f"<spiffworkflow:properties>{rows}</spiffworkflow:properties>"
    return f"<bpmn:extensionElements>{properties}</bpmn:extensionElements>"


def _bpmn(**properties: dict[str, str]) -> str:
    parts = {name: _properties(**properties.get(name, {})) for name in ("draft", "approve", "left", "hand_over")}
    return BPMN.format(**parts)


def _problems(**properties: dict[str, str]) -> list[str]:
    _, problems = inspect_spec(_bpmn(**properties), "proc")
    return [p.message for p in problems if "send_back_to" in p.message]


def test_an_earlier_user_task_on_the_branch_is_accepted() -> None:
    assert _problems(approve={"send_back_to": "draft"}) == []


@pytest.mark.parametrize(("properties", "expected"), [
    ({"approve": {"send_back_to": "nowhere"}}, "names nowhere, which is not a user task"),
    ({"approve": {"send_back_to": "check"}}, "names check, which is not a user task"),
    ({"approve": {"send_back_to": "approve"}}, "the task itself"),
    ({"approve": {"send_back_to": "left"}}, "does not come before approve"),
    ({"left": {"send_back_to": "draft"}}, "does not come before left"),  # across the parallel split
    ({"approve": {"send_back_to": "draft draft"}}, "names a step twice"),
    ({"approve": {"send_back_to": "  "}}, "names no step"),
    ({"approve": {"send_back_to": "<script>x</script>"}}, "'<script>x</script>', which is not a user task"),
    ({"approve": {"send_back_to": "x" * 5000}}, "which is not a user task"),
    ({"approve": {"send_back_to": "draft"}, "draft": {"milestone": "processing"}}, "cannot be redone"),
    ({"hand_over": {"send_back_to": "left", "milestone": "returned"}}, "not allowed on the return step"),
])
def test_a_wrong_or_hostile_target_is_a_clear_problem_on_the_task(properties: dict[str, dict[str, str]],
                                                                   expected: str) -> None:
    found = _problems(**properties)

    assert len(found) == 1 and expected in found[0], found
    assert len(found[0]) < 400  # a hostile value is not echoed whole


def _at_approve() -> WorkflowInstance:
    spec = parse_spec(_bpmn(approve={"send_back_to": "draft"}), "proc")
    instance = WorkflowInstance.start(spec, {"application": {}})
    [draft] = instance.ready_human_tasks()
    instance.complete(draft.id, {"note": "first"})
    instance.arm_timers(datetime(2025, 7, 14, 2, tzinfo=UTC))
    return instance


@pytest.mark.parametrize("through_snapshot", [False, True], ids=["straight", "save-restore"])
def test_sending_back_re_opens_the_target_and_the_process_goes_on_from_it(through_snapshot: bool) -> None:
    instance = _at_approve()
    [approve] = instance.ready_human_tasks()
    assert [t.step for t in instance.waiting_timers()] == ["remind"]
    if through_snapshot:
        instance = WorkflowInstance.restore(instance._spec, json.loads(json.dumps(instance.snapshot())))

    draft = instance.send_back(approve.id, "draft")

    assert draft.step == "draft" and draft.id != approve.id
    assert [t.step for t in instance.ready_human_tasks()] == ["draft"]
    assert instance.waiting_timers() == []  # the approval's reminder left with it
    instance = WorkflowInstance.restore(instance._spec, json.loads(json.dumps(instance.snapshot())))
    instance.complete(draft.id, {"note": "second"})
    [again] = instance.ready_human_tasks()
    assert again.step == "approve" and again.id not in (approve.id, draft.id)
    instance.complete(again.id, {})
    for step in ("left", "right", "hand_over"):
        task = next(t for t in instance.ready_human_tasks() if t.step == step)
        instance.complete(task.id, {})
    assert instance.is_completed and instance.data["note"] == "second"


def test_a_step_is_sent_back_only_where_its_property_allows() -> None:
    instance = _at_approve()
    [approve] = instance.ready_human_tasks()

    with pytest.raises(WorkflowError, match="may not be sent back"):
        instance.send_back(approve.id, "left")
    assert [t.id for t in instance.ready_human_tasks()] == [approve.id]
