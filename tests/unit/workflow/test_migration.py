"""Moving a running workflow onto another version: the three cases the plan check names (a step removed, a step
renamed, a parallel leg added), and a moved state that runs to its end on the new version."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.settings import ROOT
from engine.domain.migration_plan import Reason
from engine.workflow import WorkflowError, WorkflowInstance, parse_spec
from engine.workflow.migration import migrate, obstacles, waiting_steps
from engine.workflow.specs import WorkflowSpec

GROUP = ROOT / "processes" / "birth_group"
SPLIT_TO_JOIN = """
    <bpmn:userTask id="notify_tax" name="Báo thuế">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="form" value="birth_group/register_residence" />
        <spiffworkflow:property name="allotted_hours" value="4" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>Flow_split_tax</bpmn:incoming>
      <bpmn:outgoing>Flow_tax_join</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_split_tax" sourceRef="split_legs" targetRef="notify_tax" />
    <bpmn:sequenceFlow id="Flow_tax_join" sourceRef="notify_tax" targetRef="join_legs" />
"""


def _bpmn() -> str:
    return (GROUP / "birth_group.bpmn").read_text(encoding="utf-8")


def _spec(bpmn: str) -> WorkflowSpec:
    return parse_spec(bpmn, "birth_group")


def _renamed(old: str, new: str) -> str:
    return _bpmn().replace(f'"{old}"', f'"{new}"').replace(f">{old}<", f">{new}<")


def _with_tax_leg() -> str:
    bpmn = _bpmn().replace('<bpmn:outgoing>Flow_split_insurance</bpmn:outgoing>',
                           '<bpmn:outgoing>Flow_split_insurance</bpmn:outgoing><bpmn:outgoing>Flow_split_tax'
                           '</bpmn:outgoing>')
    bpmn = bpmn.replace('<bpmn:incoming>Flow_insurance_join</bpmn:incoming>',
                        '<bpmn:incoming>Flow_insurance_join</bpmn:incoming><bpmn:incoming>Flow_tax_join'
                        '</bpmn:incoming>')
    bpmn = bpmn.replace('<bpmn:flowNodeRef>register_residence</bpmn:flowNodeRef>',
                        '<bpmn:flowNodeRef>register_residence</bpmn:flowNodeRef><bpmn:flowNodeRef>notify_tax'
                        '</bpmn:flowNodeRef>')
    return bpmn.replace("  </bpmn:process>", SPLIT_TO_JOIN + "  </bpmn:process>")


@pytest.fixture(scope="module")
def v1() -> WorkflowSpec:
    return _spec(_bpmn())


@pytest.fixture(scope="module")
def scenario() -> dict[str, Any]:
    return json.loads((GROUP / "scenarios" / "straight.json").read_text(encoding="utf-8"))


def _run_until(spec: WorkflowSpec, scenario: dict[str, Any], done: int) -> dict[str, Any]:
    """The state after the first `done` steps of the straight scenario, saved."""
    instance = WorkflowInstance.start(spec, {"application": scenario["application"]})
    for step in scenario["steps"][:done]:
        task = next(t for t in instance.ready_human_tasks() if t.step == step["task"])
        instance.complete(task.id, step["data"])
    return instance.snapshot()


def _identity(spec: WorkflowSpec) -> dict[str, str | None]:
    return {s.step: s.step for s in spec.human_steps}


def test_waiting_at_a_removed_step_blocks_until_the_plan_maps_it(v1: WorkflowSpec, scenario: dict[str, Any]) -> None:
    v2 = _spec(_renamed("review", "verify"))
    at_review = _run_until(v1, scenario, 1)
    plan = {**_identity(v1), "review": None}

    [found] = obstacles(v1, v2, at_review, plan)

    assert found.reason == Reason.STEP_UNMAPPED
    assert "waiting at step review, which the new version removes and the plan maps to nothing" in found.message


def test_a_renamed_step_mapped_by_the_plan_moves_and_keeps_its_task(v1: WorkflowSpec, scenario: dict[str, Any]) -> None:
    v2 = _spec(_renamed("review", "verify"))
    at_review = _run_until(v1, scenario, 1)
    [before] = WorkflowInstance.restore(v1, at_review).ready_human_tasks()
    plan = {**_identity(v1), "review": "verify"}

    assert obstacles(v1, v2, at_review, plan) == []
    instance, moved = migrate(v1, v2, at_review, plan)

    [after] = instance.ready_human_tasks()
    assert (after.id, after.step) == (before.id, "verify")
    assert [(m.task_id, m.old_step, m.new_step) for m in moved] == [(before.id, "review", "verify")]


def test_a_dossier_past_a_removed_step_moves(v1: WorkflowSpec, scenario: dict[str, Any]) -> None:
    v2 = _spec(_renamed("review", "verify"))  # the finished review is not in version 2
    at_sign = _run_until(v1, scenario, 2)

    assert obstacles(v1, v2, at_sign, {**_identity(v1), "review": None}) == []


def test_past_the_split_a_leg_added_blocks(v1: WorkflowSpec, scenario: dict[str, Any]) -> None:
    v2 = _spec(_with_tax_leg())
    in_the_legs = _run_until(v1, scenario, 3)
    assert sorted(waiting_steps(v1, in_the_legs)) == ["issue_insurance_card", "register_residence"]

    [found] = obstacles(v1, v2, in_the_legs, _identity(v1))

    assert found.reason == Reason.LEG_ADDED
    assert found.params == {"gateway": "split_legs", "legs": "notify_tax"}
    assert "that leg would never run" in found.message
    with pytest.raises(WorkflowError, match="notify_tax"):
        migrate(v1, v2, in_the_legs, _identity(v1))


def test_before_the_split_a_leg_added_moves_and_the_new_leg_runs(v1: WorkflowSpec, scenario: dict[str, Any]) -> None:
    v2 = _spec(_with_tax_leg())
    at_sign = _run_until(v1, scenario, 2)

    instance, _ = migrate(v1, v2, at_sign, _identity(v1))
    restored = WorkflowInstance.restore(v2, instance.snapshot())
    for step in scenario["steps"][2:3]:
        restored.complete(next(t.id for t in restored.ready_human_tasks() if t.step == step["task"]), step["data"])

    assert sorted(t.step for t in restored.ready_human_tasks()) == ["issue_insurance_card", "notify_tax",
                                                                   "register_residence"]


def test_a_moved_state_runs_to_its_end_on_the_new_version(v1: WorkflowSpec, scenario: dict[str, Any]) -> None:
    v2 = _spec(_renamed("register_residence", "residence"))
    one_leg_done = _run_until(v1, scenario, 4)  # the police leg is done and waits at the join
    plan = {**_identity(v1), "register_residence": "residence"}

    instance, _ = migrate(v1, v2, one_leg_done, plan)
    instance = WorkflowInstance.restore(v2, instance.snapshot())
    for step in scenario["steps"][4:]:
        instance.complete(next(t.id for t in instance.ready_human_tasks() if t.step == step["task"]), step["data"])

    assert instance.is_completed


def test_two_waiting_steps_mapped_to_one_block(v1: WorkflowSpec, scenario: dict[str, Any]) -> None:
    in_the_legs = _run_until(v1, scenario, 3)
    plan = {**_identity(v1), "issue_insurance_card": "register_residence"}

    reasons = {o.reason for o in obstacles(v1, v1, in_the_legs, plan)}

    assert Reason.STEPS_MERGED in reasons


def test_an_armed_boundary_timer_keeps_its_fire_time_and_fires_on_the_new_version() -> None:
    bpmn = (ROOT / "tests" / "processes" / "fixtures" / "timer_escalation" / "timer_escalation.bpmn").read_text("utf-8")
    renamed = bpmn.replace('"review"', '"check"').replace(">review<", ">check<")
    old, new = parse_spec(bpmn, "timer_escalation"), parse_spec(renamed, "timer_escalation")
    now = datetime(2025, 7, 14, 2, 0, tzinfo=UTC)
    instance = WorkflowInstance.start(old, {"application": {}})
    instance.complete(instance.ready_human_tasks()[0].id, {"documents_checked": True})
    instance.arm_timers(now)
    [armed] = instance.waiting_timers()

    moved, _ = migrate(old, new, instance.snapshot(), {**_identity(old), "review": "check"})

    moved.arm_timers(now + timedelta(hours=1))  # the move's command arms what is new; this one is not
    assert moved.waiting_timers() == [armed]
    assert moved.fire_due_timers(armed.fires_at) == [armed.step]
