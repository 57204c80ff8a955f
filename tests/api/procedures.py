"""Driving a procedure's scenario through the API, as the officers of each unit would: receive at a
centre, then each step from the inbox of the unit its lane is bound to, signed in as that unit's officer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api.settings import ROOT
from engine.adapters.definitions import read_procedures
from tests.api.helpers import API, complete, sign_in
from tests.conftest import PHU_XUAN

SCENARIOS = sorted((ROOT / "processes").glob("*/scenarios/*.json"))


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def manifest(folder: str) -> dict[str, Any]:
    return load(ROOT / "processes" / folder / "procedure.json")


class Officers:
    """Signed-in headers per demo account, so each officer signs in once per test."""

    def __init__(self, client: Any):
        self._client = client
        self._headers: dict[str, dict[str, str]] = {}

    def __call__(self, username: str) -> dict[str, str]:
        if username not in self._headers:
            self._headers[username] = sign_in(self._client, username)
        return self._headers[username]


def receive_scenario(client: Any, officers: Officers, path: Path, centre: str | None = None) -> dict[str, Any]:
    """Receive the scenario's application at `centre`, else the scenario's own `centre`, else Phú Xuân."""
    return receive(client, officers, manifest(path.parent.parent.name)["code"], load(path), centre)


def receive(client: Any, officers: Officers, code: str, scenario: dict[str, Any],
            centre: str | None = None) -> dict[str, Any]:
    """Receive a scenario of procedure `code` (a catalogue's generated one has no file)."""
    centre = centre or scenario.get("centre", PHU_XUAN)
    body = {"procedure_code": code, "application": scenario["application"],
            "reception": scenario["steps"][0]["data"]}
    response = client.post(f"{API}/dossiers", json=body, headers=officers(f"reception.{centre}"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def detail(client: Any, officers: Officers, receipt: dict[str, Any]) -> dict[str, Any]:
    headers = officers(f"reception.{receipt['receiving_unit_id']}")
    response = client.get(f"{API}/dossiers/{receipt['code']}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def expected_unit(receipt: dict[str, Any], rule: str) -> str:
    own = {"receiving_centre": receipt["receiving_unit_id"], "competent_unit": receipt["competent_unit_id"],
           "return_centre": receipt["return_unit_id"]}
    return own.get(rule) or receipt["routes"][rule]


def complete_step(client: Any, officers: Officers, receipt: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
    """Complete one scenario step from the inbox of the unit its lane is bound to (or send it back to the earlier
    step its `send_back` names, with its `reason`); returns the dossier."""
    binding = manifest_of(receipt)["lanes"][step["lane"]]
    unit = expected_unit(receipt, binding["unit"])
    headers = officers(f"{binding['role']}.{unit}")
    inbox = client.get(f"{API}/tasks", query_string={"limit": 100}, headers=headers).get_json()["items"]
    task = next((t for t in inbox if t["dossier_code"] == receipt["code"] and t["step"] == step["task"]), None)
    assert task is not None, f"{step['task']} of {receipt['code']} is not in {binding['role']}.{unit}'s inbox"
    assert task["lane"] == step["lane"] and task["unit_id"] == unit
    if "send_back" in step:
        response = client.post(f"{API}/tasks/{task['id']}/send-back", headers=headers,
                               json={"to": step["send_back"], "reason": step["reason"]})
    else:
        response = complete(client, headers, task["id"], step["data"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def manifest_of(receipt: dict[str, Any]) -> dict[str, Any]:
    return MANIFESTS[receipt["procedure_code"]]


MANIFESTS = {p.code: p.manifest for p in read_procedures(ROOT / "processes", ROOT / "forms")}
