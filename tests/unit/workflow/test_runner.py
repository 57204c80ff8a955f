"""The workflow façade: starting, completing, snapshots (format-tagged, restorable from old fixtures),
and how bad BPMN from an admin is refused at parse time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.settings import ROOT
from engine.domain.errors import ProcedureDefinitionError
from engine.workflow import WorkflowError, WorkflowInstance, parse_spec
from engine.workflow.specs import MAX_BPMN_BYTES
from engine.workflow.state import FORMAT_VERSION, migrate

BIRTH = ROOT / "processes" / "birth_registration"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def spec():  # type: ignore[no-untyped-def]
    return parse_spec((BIRTH / "birth_registration.bpmn").read_text(encoding="utf-8"), "birth_registration")


@pytest.fixture
def scenario() -> dict:  # type: ignore[type-arg]
    return json.loads((BIRTH / "scenarios" / "straight.json").read_text(encoding="utf-8"))


def test_spec_describes_lanes_and_task_properties(spec) -> None:  # type: ignore[no-untyped-def]
    assert spec.lanes == {"reception", "civil_status", "leader", "return_desk"}
    sign = next(s for s in spec.human_steps if s.step == "sign")
    assert sign.lane == "leader"
    assert sign.properties["milestone"] == "result_ready"


def test_start_offers_the_reception_step_with_application_data(spec, scenario) -> None:  # type: ignore[no-untyped-def]
    instance = WorkflowInstance.start(spec, {"application": scenario["application"]})
    [task] = instance.ready_human_tasks()
    assert (task.step, task.lane) == ("receive", "reception")
    instance.complete(task.id, {})
    assert instance.data["application"] == scenario["application"]


def test_snapshot_is_tagged_and_leaves_the_spec_out(spec, scenario) -> None:  # type: ignore[no-untyped-def]
    snapshot = WorkflowInstance.start(spec, {"application": scenario["application"]}).snapshot()
    assert snapshot["format"] == FORMAT_VERSION
    assert "spec" not in snapshot["workflow"]
    assert len(json.dumps(snapshot)) < 20_000


def test_old_snapshot_fixture_restores_and_finishes(spec, scenario) -> None:  # type: ignore[no-untyped-def]
    snapshot = json.loads((FIXTURES / "birth_registration_v1_at_review.json").read_text(encoding="utf-8"))
    instance = WorkflowInstance.restore(spec, snapshot)
    for step in scenario["steps"][1:]:
        [task] = instance.ready_human_tasks()
        assert task.step == step["task"]
        instance.complete(task.id, step["data"])
    assert instance.is_completed
    assert instance.data["certificate"] == scenario["expect"]["data"]["certificate"]


def test_restore_does_not_consume_the_callers_snapshot(spec, scenario) -> None:  # type: ignore[no-untyped-def]
    snapshot = WorkflowInstance.start(spec, {"application": scenario["application"]}).snapshot()
    before = json.dumps(snapshot, sort_keys=True)
    WorkflowInstance.restore(spec, snapshot)
    assert json.dumps(snapshot, sort_keys=True) == before


@pytest.mark.parametrize("version", [None, "1", FORMAT_VERSION + 1])
def test_unknown_state_format_is_refused(version: object) -> None:
    with pytest.raises(ValueError, match="format"):
        migrate({"format": version, "serializer": "1.5", "workflow": {}})


def test_completing_a_task_that_is_not_ready_fails(spec, scenario) -> None:  # type: ignore[no-untyped-def]
    instance = WorkflowInstance.start(spec, {"application": scenario["application"]})
    [task] = instance.ready_human_tasks()
    instance.complete(task.id, {})
    with pytest.raises(WorkflowError):
        instance.complete(task.id, {})
    with pytest.raises(WorkflowError):
        instance.complete("not-a-uuid", {})


def test_a_failing_script_raises_workflow_error(spec, scenario) -> None:  # type: ignore[no-untyped-def]
    instance = WorkflowInstance.start(spec, {"application": scenario["application"]})
    [task] = instance.ready_human_tasks()
    instance.complete(task.id, {})
    [review] = instance.ready_human_tasks()
    # No register_book: the certificate script reads a name that does not exist.
    with pytest.raises(WorkflowError, match=r"prepare_certificate|register_book"):
        instance.complete(review.id, {"register_number": 1})


def _bpmn(body: str, process_id: str = "p") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="{process_id}" isExecutable="true">{body}</bpmn:process>
</bpmn:definitions>"""


SCRIPT_PROCESS = """
  <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
  <bpmn:scriptTask id="t"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
  <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
  <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
"""


def test_a_script_the_sandbox_refuses_is_refused_at_parse_time() -> None:
    with pytest.raises(ProcedureDefinitionError, match="script of step t"):
        parse_spec(_bpmn(SCRIPT_PROCESS.format(script="import os")), "p")
    assert parse_spec(_bpmn(SCRIPT_PROCESS.format(script="x = 1")), "p").process_id == "p"


@pytest.mark.parametrize("text, message", [
    ("<not-closed", "not well-formed"),
    (_bpmn(""), "not a valid process"),  # process without a start event
    (_bpmn(SCRIPT_PROCESS.format(script="x = 1"), process_id="other"), "not a valid process"),
])
def test_malformed_bpmn_is_refused(text: str, message: str) -> None:
    with pytest.raises(ProcedureDefinitionError, match=message):
        parse_spec(text, "p")


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    text = _bpmn(SCRIPT_PROCESS.format(script="x = '&xxe;'")).replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file://{secret}">]>')
    try:
        spec = parse_spec(text, "p")
    except ProcedureDefinitionError:
        return  # refusing the document outright is fine too
    script = spec.spec.task_specs["t"].script
    assert "TOP-SECRET" not in script


def test_oversized_bpmn_is_refused() -> None:
    with pytest.raises(ProcedureDefinitionError, match="larger than"):
        parse_spec(" " * (MAX_BPMN_BYTES + 1), "p")
