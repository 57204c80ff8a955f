"""BPMN timer events run on the engine's clock: a timer gets its fire time when it is armed, fires
only when asked at or after that time, survives save and restore, and never fires from the
machine's clock (which is well past these 2025 dates)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.domain.errors import ProcedureDefinitionError
from engine.workflow import WorkflowError, WorkflowInstance, WorkflowSpec, parse_spec

ROOT = Path(__file__).resolve().parents[2]
ESCALATION = ROOT / "processes" / "fixtures" / "timer_escalation" / "timer_escalation.bpmn"
EVENTS = Path(__file__).parent / "fixtures" / "timer_events.bpmn"
NOW = datetime(2025, 7, 14, 2, 0, tzinfo=UTC)  # Monday 09:00 in Huế


@pytest.fixture(scope="module")
def escalation() -> WorkflowSpec:
    return parse_spec(ESCALATION.read_text(encoding="utf-8"), "timer_escalation")


@pytest.fixture(scope="module")
def events() -> WorkflowSpec:
    return parse_spec(EVENTS.read_text(encoding="utf-8"), "timer_events")


def _at_review(spec: WorkflowSpec) -> WorkflowInstance:
    instance = WorkflowInstance.start(spec, {"application": {}})
    instance.complete(instance.ready_human_tasks()[0].id, {"documents_checked": True})
    assert _steps(instance) == ["review"]
    return instance


def _steps(instance: WorkflowInstance) -> list[str]:
    return sorted(t.step for t in instance.ready_human_tasks())


def _saved_and_restored(spec: WorkflowSpec, instance: WorkflowInstance) -> WorkflowInstance:
    return WorkflowInstance.restore(spec, json.loads(json.dumps(instance.snapshot())))


def test_a_boundary_timer_fires_two_hours_after_it_is_armed(escalation: WorkflowSpec) -> None:
    instance = _at_review(escalation)
    assert instance.waiting_timers() == []  # reached, but not armed until a command records progress
    instance.arm_timers(NOW)
    [timer] = instance.waiting_timers()
    assert (timer.step, timer.fires_at) == ("review_overdue", NOW + timedelta(hours=2))
    instance.arm_timers(NOW + timedelta(hours=1))  # arming again does not move it
    assert instance.waiting_timers()[0].fires_at == NOW + timedelta(hours=2)


def test_firing_before_the_time_does_nothing(escalation: WorkflowSpec) -> None:
    instance = _at_review(escalation)
    instance.arm_timers(NOW)
    before = instance.snapshot()
    assert instance.fire_due_timers(NOW + timedelta(hours=2) - timedelta(seconds=1)) == []
    assert instance.snapshot() == before
    assert _steps(instance) == ["review"]


def test_firing_at_the_time_moves_the_review_to_the_leader(escalation: WorkflowSpec) -> None:
    instance = _at_review(escalation)
    instance.arm_timers(NOW)
    instance = _saved_and_restored(escalation, instance)
    assert instance.fire_due_timers(NOW + timedelta(hours=2)) == ["review_overdue"]
    assert _steps(instance) == ["review_escalated"]
    assert instance.waiting_timers() == []
    assert instance.fire_due_timers(NOW + timedelta(hours=3)) == []  # fires once
    [escalated] = instance.ready_human_tasks()
    assert escalated.lane == "leader"
    instance.complete(escalated.id, {"register_book": "01/2025", "register_number": 7})
    assert _steps(instance) == ["sign"]
    assert instance.data["register_entry"] == "01/2025/7"


def test_completing_the_task_first_cancels_its_timer(escalation: WorkflowSpec) -> None:
    instance = _at_review(escalation)
    instance.arm_timers(NOW)
    instance.complete(instance.ready_human_tasks()[0].id, {"register_book": "01/2025", "register_number": 7})
    assert instance.waiting_timers() == []
    assert instance.fire_due_timers(NOW + timedelta(days=1)) == []
    assert _steps(instance) == ["sign"]


def test_the_machine_clock_never_fires_a_timer(escalation: WorkflowSpec) -> None:
    # The fire time (2025) is long past on the machine's clock; only fire_due_timers may fire it.
    instance = _at_review(escalation)
    instance.arm_timers(NOW)
    restored = _saved_and_restored(escalation, instance)
    assert _steps(restored) == ["review"]
    assert [t.step for t in restored.waiting_timers()] == ["review_overdue"]


def test_an_unarmed_timer_is_armed_at_the_firing_time(escalation: WorkflowSpec) -> None:
    instance = _at_review(escalation)
    assert instance.fire_due_timers(NOW) == []
    assert instance.waiting_timers()[0].fires_at == NOW + timedelta(hours=2)


def test_a_catch_event_waits_for_a_date_from_the_data(events: WorkflowSpec) -> None:
    # A date without a time zone is Vietnam time: 08:00 in Huế is 01:00 UTC.
    instance = WorkflowInstance.start(events, {"appointment": "2025-07-15T08:00:00"})
    instance.arm_timers(NOW)
    assert [(t.step, t.fires_at) for t in instance.waiting_timers()] == [
        ("appointment", datetime(2025, 7, 15, 1, 0, tzinfo=UTC))]
    assert instance.fire_due_timers(datetime(2025, 7, 15, 0, 59, tzinfo=UTC)) == []
    assert _steps(instance) == []
    assert instance.fire_due_timers(datetime(2025, 7, 15, 1, 0, tzinfo=UTC)) == ["appointment"]
    assert _steps(instance) == ["meet"]


def test_a_cycle_timer_fires_its_count_an_interval_apart(events: WorkflowSpec) -> None:
    met = datetime(2025, 7, 15, 1, 0, tzinfo=UTC)
    instance = WorkflowInstance.start(events, {"appointment": "2025-07-15T08:00:00"})
    instance.fire_due_timers(met)
    instance.arm_timers(met)
    fired = []
    for minutes in (59, 60, 90, 120, 180, 240):
        instance = _saved_and_restored(events, instance)
        fired.append((minutes, instance.fire_due_timers(met + timedelta(minutes=minutes))))
    assert fired == [(59, []), (60, ["hourly_reminder"]), (90, []), (120, ["hourly_reminder"]), (180, []),
                     (240, [])]
    assert _steps(instance) == ["meet", "remind", "remind"]
    assert instance.waiting_timers() == []
    for task in instance.ready_human_tasks():
        instance.complete(task.id, {})
    assert instance.is_completed


def test_a_timer_expression_that_fails_is_a_workflow_error(events: WorkflowSpec) -> None:
    instance = WorkflowInstance.start(events, {"appointment": "next Tuesday"})
    with pytest.raises(WorkflowError, match="a timer could not be set"):
        instance.arm_timers(NOW)


@pytest.mark.parametrize(("expression", "problem"), [
    ('"PT2X"', "not an ISO 8601 duration"),
    ("__import__('os')", "not allowed"),
    ('"PT2H', "timer expression of review_overdue"),
])
def test_publishing_refuses_a_bad_timer_expression(expression: str, problem: str) -> None:
    bpmn = ESCALATION.read_text(encoding="utf-8").replace('"PT2H"', expression)
    with pytest.raises(ProcedureDefinitionError, match=problem):
        parse_spec(bpmn, "timer_escalation")


def test_publishing_refuses_a_bad_constant_cycle() -> None:
    bpmn = EVENTS.read_text(encoding="utf-8").replace('"R2/PT1H"', '"R2/PT0S"')
    with pytest.raises(ProcedureDefinitionError, match="repeats with no interval"):
        parse_spec(bpmn, "timer_events")


def test_a_timer_behind_an_event_based_gateway_is_refused() -> None:
    bpmn = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:eventBasedGateway id="either"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:outgoing>f3</bpmn:outgoing></bpmn:eventBasedGateway>
    <bpmn:intermediateCatchEvent id="late"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="signal"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
      <bpmn:signalEventDefinition signalRef="s" /></bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="e1"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="e2"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="either" />
    <bpmn:sequenceFlow id="f2" sourceRef="either" targetRef="late" />
    <bpmn:sequenceFlow id="f3" sourceRef="either" targetRef="signal" />
    <bpmn:sequenceFlow id="f4" sourceRef="late" targetRef="e1" />
    <bpmn:sequenceFlow id="f5" sourceRef="signal" targetRef="e2" />
  </bpmn:process>
  <bpmn:signal id="s" name="s" />
</bpmn:definitions>"""
    with pytest.raises(ProcedureDefinitionError, match="event-based gateways"):
        parse_spec(bpmn, "p")
