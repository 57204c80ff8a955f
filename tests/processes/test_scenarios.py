"""Every procedure in processes/ (folders and catalogue rows) is complete, and every scenario runs to its
expected end both straight through and with the state saved to JSON and restored between every step (a step with
`send_back` returns the dossier to that earlier step instead of completing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.settings import ROOT
from engine.adapters.definitions import read_procedures, read_scenarios
from engine.domain.procedure import ProcedureVersion
from engine.services.procedures import check_procedure
from engine.workflow import WorkflowInstance

PROCEDURES = {p.manifest["process"]["process_id"]: p for p in read_procedures(ROOT / "processes", ROOT / "forms")}
GENERATED_SCENARIOS = read_scenarios(ROOT / "processes")
FOLDERS = {p.parent.name for p in (ROOT / "processes").glob("*/procedure.json")}
# Each scenario with the process id of its procedure: the folders' files, then the catalogues' generated ones.
SCENARIOS = [(f"{path.parent.parent.name}/{path.stem}", path.parent.parent.name, path)
             for path in sorted((ROOT / "processes").glob("*/scenarios/*.json"))]
SCENARIOS += [(f"catalogue/{p.process_id}", p.process_id, scenario) for p in PROCEDURES.values()
              if p.process_id not in FOLDERS for scenario in GENERATED_SCENARIOS[p.code]]


def test_every_procedure_folder_and_catalogue_row_is_read() -> None:
    assert set(PROCEDURES) >= FOLDERS
    generated = set(PROCEDURES) - FOLDERS
    assert generated == {p for _, p, scenario in SCENARIOS if not isinstance(scenario, Path)}


@pytest.mark.parametrize("procedure", PROCEDURES.values(), ids=lambda p: p.code)
def test_procedure_is_complete(procedure: ProcedureVersion) -> None:
    spec = check_procedure(procedure)
    assert spec.lanes <= set(procedure.lanes)
    assert all(step.properties.get("form") in procedure.forms for step in spec.human_steps)


@pytest.mark.parametrize("restore_between_steps", [False, True], ids=["straight", "save-restore"])
@pytest.mark.parametrize(("process_id", "source"), [case[1:] for case in SCENARIOS], ids=[c[0] for c in SCENARIOS])
def test_scenario(process_id: str, source: Path | dict[str, Any], restore_between_steps: bool) -> None:
    scenario = json.loads(source.read_text(encoding="utf-8")) if isinstance(source, Path) else source
    procedure = PROCEDURES[process_id]
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
