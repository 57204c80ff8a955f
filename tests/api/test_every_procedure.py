"""Every scenario of every procedure, driven through the API by the officers of the units its lanes
are bound to: received at a centre, each step taken from that unit's inbox, the result returned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.settings import ROOT
from engine.adapters.definitions import read_scenarios
from tests.api.helpers import API
from tests.api.procedures import SCENARIOS, Officers, complete_step, detail, load, receive, receive_scenario

# The straight scenarios of the procedures the catalogues (processes/catalogue/*.csv) generate.
GENERATED = [(code, scenario) for code, scenarios in read_scenarios(ROOT / "processes").items()
             if code not in {m["code"] for m in map(load, (ROOT / "processes").glob("*/procedure.json"))}
             for scenario in scenarios]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_scenario_runs_through_the_api(client: Any, path: Path) -> None:
    officers = Officers(client)
    run_through_the_api(client, officers, load(path), receive_scenario(client, officers, path))


@pytest.mark.parametrize(("code", "scenario"), GENERATED, ids=[code for code, _ in GENERATED])
def test_generated_scenario_runs_through_the_api(client: Any, code: str, scenario: dict[str, Any]) -> None:
    officers = Officers(client)
    run_through_the_api(client, officers, scenario, receive(client, officers, code, scenario))


def run_through_the_api(client: Any, officers: Officers, scenario: dict[str, Any], receipt: dict[str, Any]) -> None:
    """Take each step from its unit's inbox, then check the history, the tasks and the public look-up."""
    assert receipt["status"] == "processing"

    for step in scenario["steps"][1:]:
        dossier = complete_step(client, officers, receipt, step)

    assert dossier["status"] == "returned"
    final = detail(client, officers, receipt)
    assert not [t for t in final["tasks"] if t["status"] == "ready"]
    completed = [s["task"] for s in scenario["steps"] if "send_back" not in s]
    steps_done = [t["step"] for t in final["tasks"] if t["status"] == "completed"]
    assert sorted(steps_done) == sorted(completed)
    sent_back = [t["step"] for t in final["tasks"] if t["status"] == "sent_back"]
    assert sorted(sent_back) == sorted(s["task"] for s in scenario["steps"] if "send_back" in s)
    kinds = [e["kind"] for e in final["history"]]
    assert kinds[0] == "received" and kinds.count("task_completed") == len(completed)
    assert kinds.count("task_sent_back") == len(sent_back)
    # Every change of unit between consecutive steps is a recorded hand-over.
    for event in (e for e in final["history"] if e["kind"] == "handed_over"):
        assert event["data"]["from_unit"] != event["data"]["to_unit"]

    public = client.get(f"{API}/public/dossiers/{receipt['code']}", query_string={"secret": receipt["secret"]})
    assert public.status_code == 200 and public.get_json()["status"] == "returned"
    leaked = [v for v in _personal_values(scenario["application"]) if v in public.get_data(as_text=True)]
    assert leaked == []


def _personal_values(document: Any) -> list[str]:
    """Names, addresses, ID and phone numbers: strings with a space, or long runs of digits."""
    if isinstance(document, dict):
        return [v for value in document.values() for v in _personal_values(value)]
    if isinstance(document, list):
        return [v for value in document for v in _personal_values(value)]
    if isinstance(document, str) and (" " in document.strip() or (document.isdigit() and len(document) >= 9)):
        return [document]
    return []
