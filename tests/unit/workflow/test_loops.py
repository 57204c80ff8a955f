"""Repetition bounds (issue 17): a loop's instances are refused at validation when the BPMN states too
many, stopped at run time when task data asks for too many, and a command's automatic steps are counted;
long sequential procedures validate and run past Python's default recursion limit."""

from __future__ import annotations

import pytest

from engine.workflow import WorkflowError, WorkflowInstance, inspect_spec
from engine.workflow.loops import MAX_INSTANCES
from engine.workflow.specs import MAX_ELEMENTS

HEAD = ('<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
        '<bpmn:process id="proc" isExecutable="true"><bpmn:startEvent id="start"/>')
TAIL = '<bpmn:endEvent id="end"/></bpmn:process></bpmn:definitions>'


def _looped(characteristics: str, task: str = "scriptTask") -> str:
    body = "<bpmn:script>x = 1</bpmn:script>" if task == "scriptTask" else ""
    return (HEAD + '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t"/>'
            f'<bpmn:{task} id="t">{characteristics}{body}</bpmn:{task}>'
            '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end"/>' + TAIL)


def _multi(cardinality: str, sequential: bool = False) -> str:
    return (f'<bpmn:multiInstanceLoopCharacteristics isSequential="{str(sequential).lower()}">'
            f"<bpmn:loopCardinality>{cardinality}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>")


def _chain(tasks: int, task: str) -> str:
    parts, previous = [HEAD], "start"
    for i in range(tasks):
        body = f"<bpmn:script>x = {i}</bpmn:script>" if task == "scriptTask" else ""
        parts.append(f'<bpmn:{task} id="t{i}">{body}</bpmn:{task}>'
                     f'<bpmn:sequenceFlow id="f{i}" sourceRef="{previous}" targetRef="t{i}"/>')
        previous = f"t{i}"
    parts.append(f'<bpmn:sequenceFlow id="f_end" sourceRef="{previous}" targetRef="end"/>{TAIL}')
    return "".join(parts)


@pytest.mark.parametrize(("characteristics", "count"), [
    (_multi("1000000"), 1_000_000), (_multi("1001", sequential=True), 1001),
    ('<bpmn:standardLoopCharacteristics loopMaximum="5000"/>', 5000),
])
def test_a_stated_count_over_the_bound_is_refused_at_validation(characteristics: str, count: int) -> None:
    _, problems = inspect_spec(_looped(characteristics), "proc")
    assert [(p.element_id, p.message) for p in problems] == [
        ("t", f"t would run {count} times; a loop may run at most {MAX_INSTANCES} times")]


@pytest.mark.parametrize(("characteristics", "task"), [
    (_multi("n"), "scriptTask"), (_multi("n"), "userTask"), (_multi("n", sequential=True), "scriptTask"),
    ("<bpmn:standardLoopCharacteristics><bpmn:loopCondition>n &gt; 5</bpmn:loopCondition>"
     "</bpmn:standardLoopCharacteristics>", "scriptTask"),
])
def test_a_count_from_task_data_is_stopped_at_run_time(characteristics: str, task: str) -> None:
    spec, problems = inspect_spec(_looped(characteristics, task), "proc")
    assert spec is not None and problems == []
    with pytest.raises(WorkflowError, match=f"t would run more than {MAX_INSTANCES} times"):
        WorkflowInstance.start(spec, {"n": 1_000_000})
    # A few instances run as usual: automatic ones to the end, a person's wait in the inbox.
    assert WorkflowInstance.start(spec, {"n": 3}).is_completed == (task == "scriptTask")


def test_a_cycle_of_automatic_steps_is_stopped() -> None:
    cycle = (HEAD + '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="s"/>'
             '<bpmn:scriptTask id="s"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
             '<bpmn:sequenceFlow id="f2" sourceRef="s" targetRef="g"/>'
             '<bpmn:exclusiveGateway id="g" default="f_out"/>'
             '<bpmn:sequenceFlow id="f_back" sourceRef="g" targetRef="s">'
             '<bpmn:conditionExpression>x == 1</bpmn:conditionExpression></bpmn:sequenceFlow>'
             '<bpmn:sequenceFlow id="f_out" sourceRef="g" targetRef="end"/>' + TAIL)
    spec, problems = inspect_spec(cycle, "proc")
    assert spec is not None and problems == []
    with pytest.raises(WorkflowError, match="too many automatic steps"):
        WorkflowInstance.start(spec, {})


def test_a_long_sequence_of_steps_validates_and_runs() -> None:
    tasks = (MAX_ELEMENTS - 5) // 2  # a flow to each task; the definitions, process, start, end, last flow
    spec, problems = inspect_spec(_chain(tasks, "userTask"), "proc")
    assert problems == [] and spec is not None and len(spec.human_steps) == tasks
    instance = WorkflowInstance.start(spec, {})
    for _ in range(3):
        instance = WorkflowInstance.restore(spec, instance.snapshot())
        (step,) = instance.ready_human_tasks()
        instance.complete(step.id, {})
    assert instance.ready_human_tasks()[0].step == "t3"


def test_a_long_sequence_of_scripts_runs_in_one_command() -> None:
    spec, problems = inspect_spec(_chain(600, "scriptTask"), "proc")
    assert problems == [] and spec is not None
    instance = WorkflowInstance.start(spec, {})
    assert instance.is_completed and instance.data["x"] == 599


def test_a_procedure_over_the_element_bound_is_refused_with_a_problem() -> None:
    spec, problems = inspect_spec(_chain(MAX_ELEMENTS, "userTask"), "proc")
    assert spec is None and "a procedure may have at most" in problems[0].message
