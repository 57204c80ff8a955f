"""Every procedure in processes/ is complete, and every scenario runs to its expected end both
straight through and with the state saved to JSON and restored between every step (a step with
`send_back` returns the dossier to that earlier step instead of completing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.settings import ROOT
from engine.adapters.definitions import read_procedures
from engine.domain.procedure import ProcedureVersion
from engine.services.procedures import check_procedure
from engine.workflow import WorkflowInstance

PROCEDURES = {p.manifest["process"]["process_id"]: p for p in read_procedures(ROOT / "processes", ROOT / "forms")}
SCENARIOS = sorted((ROOT / "processes").glob("*/scenarios/*.json"))


def test_every_procedure_folder_is_read() -> None:
    folders = {p.parent.name for p in (ROOT / "processes").glob("*/procedure.json")}
    assert folders == set(PROCEDURES)


@pytest.mark.parametrize("procedure", PROCEDURES.values(), ids=lambda p: p.code)
def test_procedure_is_complete(procedure: ProcedureVersion) -> None:
    spec = check_procedure(procedure)
    assert spec.lanes <= set(procedure.lanes)
    assert all(step.properties.get("form") in procedure.forms for step in spec.human_steps)


@pytest.mark.parametrize("restore_between_steps", [False, True], ids=["straight", "save-restore"])
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_scenario(path: Path, restore_between_steps: bool) -> None:
    scenario = json.loads(path.read_text(encoding="utf-8"))
    procedure = PROCEDURES[path.parent.parent.name]
    spec = check_procedure(procedure)
    procedure.check_form(procedure.application_form, scenario["application"])
    instance = WorkflowInstance.start(spec, {"application": scenario["application"]})
    for step in scenario["steps"]:
        if restore_between_steps:
            instance = WorkflowInstance.restore(spec, _through_json(instance.snapshot()))
        ready = {t.step: t for t in instance.ready_human_tasks()}
        assert step["task"] in ready, f"expected {step['task']} to be ready, found {sorted(ready)}"
        task = ready[step["task"]]
        assert task.lane == step["lane"]
        if "send_back" in step:  # the step returns the dossier to an earlier one instead of completing
            assert instance.send_back(task.id, step["send_back"]).step == step["send_back"]
            continue
        procedure.check_form(task.properties["form"], step["data"])
        instance.complete(task.id, step["data"])
    assert instance.is_completed == scenario["expect"]["completed"]
    for key, value in scenario["expect"].get("data", {}).items():
        assert instance.data[key] == value


def _through_json(snapshot: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(snapshot))
