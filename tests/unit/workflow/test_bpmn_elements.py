"""The diagram's elements by id and what changed between two diagrams: a step removed, renamed, a property
changed, a step moved to another lane, a condition changed; layout is not a change; hostile XML is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.domain.procedure_diff import Change
from engine.workflow.bpmn_elements import DiagramError, diagram_changes, diagram_elements
from engine.workflow.specs import MAX_BPMN_BYTES

BPMN = (Path(__file__).parents[1] / "services" / "fixtures" / "trial.bpmn").read_text(encoding="utf-8")


def _changed(new: str) -> dict[str, tuple[str, list[Change]]]:
    return {c.element_id: (c.kind, c.changes) for c in diagram_changes(BPMN, new)}


def test_elements_carry_their_lane_properties_flows_and_timers() -> None:
    elements = diagram_elements(BPMN)

    check = elements["check"]
    assert (check.type, check.name) == ("userTask", "Check")
    assert check.facts == {"properties/form": "trial/check", "properties/allotted_hours": "4",
                           "properties/milestone": "result_ready", "lane": "review", "incoming": "Flow_check",
                           "outgoing": "Flow_end"}
    assert elements["Flow_ok"].facts["condition"] == "approved == True"
    assert elements["late"].facts["event/timeDuration"] == '"PT8H"'
    assert elements["register"].facts["script"] == "entry = 1"
    assert "LaneSet_trial" not in elements and "Definitions_trial" not in elements


def test_the_same_diagram_has_no_change_and_layout_is_not_one() -> None:
    with_layout = BPMN.replace("</bpmn:definitions>", '<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/'
                               'BPMN/20100524/DI" id="Diagram_1"/></bpmn:definitions>')

    assert diagram_changes(BPMN, BPMN) == []
    assert diagram_changes(BPMN, with_layout) == []


def test_a_renamed_step_and_a_changed_property() -> None:
    new = BPMN.replace('name="Check"', 'name="Kiểm tra"').replace('name="allotted_hours" value="4"',
                                                                   'name="allotted_hours" value="6"')

    assert _changed(new) == {"check": ("changed", [Change("name", "Check", "Kiểm tra"),
                                                   Change("properties/allotted_hours", "4", "6")])}


def test_a_step_moved_to_another_lane_and_a_changed_condition() -> None:
    moved = BPMN.replace("<bpmn:flowNodeRef>check</bpmn:flowNodeRef>", "").replace(
        "<bpmn:flowNodeRef>receive</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>receive</bpmn:flowNodeRef><bpmn:flowNodeRef>check</bpmn:flowNodeRef>")
    condition = BPMN.replace("approved == True", "approved")

    assert _changed(moved) == {"check": ("changed", [Change("lane", "review", "reception")])}
    assert _changed(condition) == {"Flow_ok": ("changed", [Change("condition", "approved == True", "approved")])}


def test_a_removed_step_lists_it_with_its_facts_and_the_flows_around_it() -> None:
    start, end = BPMN.index('<bpmn:scriptTask id="register"'), BPMN.index("</bpmn:scriptTask>")
    without = BPMN[:start] + BPMN[end + len("</bpmn:scriptTask>"):]
    without = without.replace('<bpmn:sequenceFlow id="Flow_check" sourceRef="register" targetRef="check" />', "")
    without = without.replace('sourceRef="decide" targetRef="register"', 'sourceRef="decide" targetRef="check"')

    found = {c.element_id: c for c in diagram_changes(BPMN, without)}

    assert found["register"].kind == "removed" and found["register"].name == "Register"
    assert Change("script", "entry = 1", None) in found["register"].changes
    assert found["Flow_check"].kind == "removed"
    assert found["Flow_ok"].changes == [Change("targetRef", "register", "check")]
    assert found["check"].changes == [Change("incoming", "Flow_check", "Flow_ok")]


def test_an_added_step_against_no_diagram() -> None:
    added = diagram_changes(None, BPMN)

    assert {c.kind for c in added} == {"added"}
    assert [c.element_id for c in added][:3] == ["trial", "Lane_reception", "Lane_review"]


def test_an_external_entity_is_never_read() -> None:
    hostile = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
               '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="p">'
               "<bpmn:documentation>&x;</bpmn:documentation></bpmn:process></bpmn:definitions>")

    assert diagram_elements(hostile)["p"].facts["documentation"] == ""


@pytest.mark.parametrize("text, message", [
    ("<not-closed", "not well-formed XML"),
    ("<d>" + "x" * MAX_BPMN_BYTES + "</d>", "larger than"),
])
def test_broken_or_oversized_xml_is_refused(text: str, message: str) -> None:
    with pytest.raises(DiagramError, match=message):
        diagram_elements(text)
