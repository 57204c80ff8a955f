"""The standard procedure template: what it generates passes the procedure check on every path and competence
rule, spreads the limit as documented, and its scenario runs straight through and saved and restored."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from engine.domain.errors import ProcedureDefinitionError
from engine.domain.procedure import ProcedureVersion
from engine.domain.procedure_template import allotments, standard_lanes, standard_procedure
from engine.services.procedures import check_procedure
from engine.workflow import WorkflowInstance

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
RESIDENCE = {"rule": "applicant_residence", "pointer": "/residence/unit_id"}


def manifest(*, path: str = "standard", rule: dict[str, Any] | None = None, working_days: int = 5,
             cross_boundary: bool = True, name: str = "Thủ tục thử & <mẫu>") -> dict[str, Any]:
    return {"code": "1.000001", "name": {"vi": name, "en": "Test"}, "field": "other", "field_code": None,
            "field_name": {"vi": "Khác", "en": "Other"}, "level": "commune",
            "time_limit": {"working_days": working_days, "description": {"vi": "05 ngày", "en": "5 days"}},
            "documents": [{"name": {"vi": "Đơn", "en": "Application"}, "form": "original", "copies": 1,
                           "required": True}], "fees": [],
            "process": {"bpmn": "test_key.bpmn", "process_id": "test_key"}, "application_form": "test_key/application",
            "applicant_name": "/applicant/full_name", "competent_unit": rule or RESIDENCE,
            "cross_boundary": cross_boundary, "lanes": standard_lanes(path)}


def version(m: dict[str, Any], **options: Any) -> tuple[ProcedureVersion, dict[str, Any]]:
    generated = standard_procedure(m, **options)
    return ProcedureVersion(code=m["code"], version=0, manifest=m, bpmn=generated.bpmn,
                            forms=generated.forms), generated.scenario


CASES = [("standard", RESIDENCE, 5), ("standard", {"rule": "receiving_unit"}, 0),
         ("consult:police", RESIDENCE, 3), ("consult:social_insurance", {"rule": "receiving_unit"}, 0),
         ("standard", {"rule": "agency", "agency": "land_branch", "pointer": "/residence/unit_id"}, 10),
         ("consult:tax", {"rule": "agency", "agency": "social_insurance", "pointer": "/residence/unit_id"}, 20)]


@pytest.mark.parametrize("restore", [False, True], ids=["straight", "save-restore"])
@pytest.mark.parametrize(("path", "rule", "days"), CASES, ids=lambda c: str(c))
def test_generated_procedure_is_complete_and_its_scenario_runs(path: str, rule: dict[str, Any], days: int,
                                                               restore: bool) -> None:
    procedure, scenario = version(manifest(path=path, rule=rule, working_days=days), path=path)
    spec = check_procedure(procedure)
    assert spec.longest_path_hours == max(days, 1) * 8
    procedure.check_form(procedure.application_form, scenario["application"])
    instance = WorkflowInstance.start(spec, {"application": scenario["application"]})
    for step in scenario["steps"]:
        if restore:
            instance = WorkflowInstance.restore(spec, json.loads(json.dumps(instance.snapshot())))
        task = {t.step: t for t in instance.ready_human_tasks()}[step["task"]]
        assert task.lane == step["lane"]
        procedure.check_form(task.properties["form"], step["data"])
        instance.complete(task.id, step["data"])
    assert instance.is_completed
    assert all(instance.data[k] == v for k, v in scenario["expect"]["data"].items())


def test_steps_lanes_and_properties() -> None:
    procedure, scenario = version(manifest(path="consult:police"), path="consult:police")
    root = ET.fromstring(procedure.bpmn)
    tasks = {t.get("id"): {p.get("name"): p.get("value") for p in t.iter(f"{{{NS['spiff']}}}property")}
             for t in root.iter(f"{{{NS['bpmn']}}}userTask")}
    assert list(tasks) == ["receive", "review", "consult", "sign", "hand_over"]
    assert tasks["sign"]["send_back_to"] == "review" and tasks["sign"]["milestone"] == "result_ready"
    assert tasks["receive"]["milestone"] == "processing" and tasks["hand_over"]["milestone"] == "returned"
    assert {t["form"] for t in tasks.values()} | {"test_key/application"} == set(procedure.forms)
    lanes = [lane.get("name") for lane in root.iter(f"{{{NS['bpmn']}}}lane")]
    assert lanes == ["reception", "specialist", "consult", "leader", "return_desk"]
    assert [s["lane"] for s in scenario["steps"]] == ["reception", "specialist", "consult", "leader", "return_desk"]
    # Every process element has its shape or edge, so bpmn-js draws it where the layout put it.
    drawn = {e.get("bpmnElement") for e in root.iter() if e.tag.endswith(("BPMNShape", "BPMNEdge"))}
    process = root.find("bpmn:process", NS)
    assert process is not None and process.get("name") == "Thủ tục thử & <mẫu> (1.000001)"
    elements = {e.get("id") for e in process if e.get("id")}
    assert elements - {"LaneSet_test_key"} <= drawn and "Participant_test_key" in drawn


def test_residence_asked_only_when_the_competent_unit_comes_from_it() -> None:
    with_residence, _ = version(manifest())
    without, scenario = version(manifest(rule={"rule": "receiving_unit"}))
    residence = with_residence.forms["test_key/application"]["properties"]["residence"]
    assert residence["properties"]["unit_id"]["x-unit"] == "commune"
    assert "residence" not in without.forms["test_key/application"]["properties"]
    assert "residence" not in scenario["application"]


def test_scenario_is_received_at_the_competent_commune_when_boundaries_are_not_crossed() -> None:
    _, crossing = version(manifest())
    _, bound = version(manifest(cross_boundary=False))
    assert "centre" not in crossing
    assert bound["centre"] == bound["application"]["residence"]["unit_id"]


@pytest.mark.parametrize(("days", "path", "expected"), [
    (5, "standard", {"receive": 1, "review": 26, "sign": 12, "hand_over": 1}),
    (0, "standard", {"receive": 1, "review": 4, "sign": 2, "hand_over": 1}),
    (0, "consult:police", {"receive": 1, "review": 3, "consult": 2, "sign": 1, "hand_over": 1}),
    (1, "consult:tax", {"receive": 1, "review": 3, "consult": 2, "sign": 1, "hand_over": 1})])
def test_default_allotments_fill_the_limit(days: int, path: str, expected: dict[str, int]) -> None:
    assert allotments(days, path) == expected
    assert sum(expected.values()) == max(days, 1) * 8


def test_overrides_keep_their_hours_and_the_rest_is_spread() -> None:
    assert allotments(3, "standard", {"sign": 4, "receive": 2}) == {"receive": 2, "review": 17, "sign": 4,
                                                                    "hand_over": 1}


def test_overrides_over_the_limit_are_refused_by_the_check() -> None:
    procedure, _ = version(manifest(working_days=1), allotted_hours={"review": 10})
    with pytest.raises(ProcedureDefinitionError, match="over the legal limit of 8 hours"):
        check_procedure(procedure)


@pytest.mark.parametrize(("path", "hours", "message"), [
    ("standard", {"consult": 2}, "not a step of the path"), ("standard", {"review": 0}, "positive whole number"),
    ("consult:mayor", {}, "neither 'standard'"), ("nonsense", {}, "neither 'standard'")])
def test_malformed_paths_and_overrides(path: str, hours: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        allotments(5, path, hours)
