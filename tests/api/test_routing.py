"""Routing across units and levels: parallel legs in two agencies' inboxes, optional legs, the land
dossier's trip to the province and back, decision tables, and refusal outside the competent commune."""

from __future__ import annotations

from typing import Any

from api.settings import ROOT
from tests.api.helpers import API
from tests.api.procedures import Officers, complete_step, detail, load, receive_scenario
from tests.conftest import PHU_XUAN, THUAN_HOA, VY_DA

PROCESSES = ROOT / "processes"


def _ready(client: Any, officers: Officers, username: str, code: str) -> list[str]:
    inbox = client.get(f"{API}/tasks", query_string={"limit": 100}, headers=officers(username)).get_json()
    return [t["step"] for t in inbox["items"] if t["dossier_code"] == code]


def test_birth_group_legs_wait_in_police_and_social_insurance_inboxes_at_once(client: Any) -> None:
    officers, path = Officers(client), PROCESSES / "birth_group" / "scenarios" / "straight.json"
    steps = {s["task"]: s for s in load(path)["steps"]}
    receipt = receive_scenario(client, officers, path, centre=THUAN_HOA)  # the family lives in Vỹ Dạ
    assert receipt["competent_unit_id"] == VY_DA
    assert receipt["routes"] == {"agency:police": f"{VY_DA}-CA", "agency:social_insurance": "46-BHXH"}
    for step in ("review", "sign"):
        complete_step(client, officers, receipt, steps[step])

    assert _ready(client, officers, f"specialist.{VY_DA}-CA", receipt["code"]) == ["register_residence"]
    assert _ready(client, officers, "specialist.46-BHXH", receipt["code"]) == ["issue_insurance_card"]
    assert _ready(client, officers, f"specialist.{PHU_XUAN}-CA", receipt["code"]) == []  # not another commune's

    after_police = complete_step(client, officers, receipt, steps["register_residence"])
    assert after_police["status"] == "processing"
    assert _ready(client, officers, f"reception.{THUAN_HOA}", receipt["code"]) == []
    after_both = complete_step(client, officers, receipt, steps["issue_insurance_card"])
    assert after_both["status"] == "result_ready"
    assert _ready(client, officers, f"reception.{THUAN_HOA}", receipt["code"]) == ["hand_over"]

    handovers = [(e["data"]["from_unit"], e["data"]["to_unit"])
                 for e in detail(client, officers, receipt)["history"] if e["kind"] == "handed_over"]
    assert handovers == [(THUAN_HOA, VY_DA), (VY_DA, f"{VY_DA}-CA"), (VY_DA, "46-BHXH"), ("46-BHXH", THUAN_HOA)]


def test_death_group_takes_only_the_chosen_legs(client: Any) -> None:
    officers = Officers(client)
    for bundle, insurance_steps in ((2, []), (4, ["settle_funeral_allowance", "settle_survivor_benefits"])):
        path = PROCESSES / "death_group" / "scenarios" / f"bundle_{bundle}.json"
        receipt = receive_scenario(client, officers, path)
        for step in load(path)["steps"][1:]:
            complete_step(client, officers, receipt, step)
        tasks = detail(client, officers, receipt)["tasks"]
        assert [t["step"] for t in tasks if t["unit_id"] == "46-BHXH"] == insurance_steps, bundle


def test_land_dossier_goes_from_the_commune_to_the_land_office_branch_and_back(client: Any) -> None:
    officers, path = Officers(client), PROCESSES / "land_change_registration" / "scenarios" / "straight.json"
    scenario = load(path)
    receipt = receive_scenario(client, officers, path, centre=VY_DA)
    branch = receipt["competent_unit_id"]
    assert branch.startswith("46-VPDK-")
    statuses = [complete_step(client, officers, receipt, step)["status"] for step in scenario["steps"][1:]]

    assert "awaiting_payment" in statuses and statuses[-1] == "returned"
    history = detail(client, officers, receipt)["history"]
    route = [(e["data"]["from_unit"], e["data"]["to_unit"]) for e in history if e["kind"] == "handed_over"]
    assert route[0] == (VY_DA, branch) and route[-1][1] == VY_DA
    assert ("46-THUE" in {to for _, to in route})
    kinds = [e["kind"] for e in history]
    assert kinds.index("clock_paused") < kinds.index("clock_resumed")


def test_a_register_copy_is_refused_outside_the_commune_that_keeps_the_register(client: Any) -> None:
    officers, path = Officers(client), PROCESSES / "register_copy" / "scenarios" / "straight.json"
    scenario = load(path)
    keeper = scenario["application"]["register"]["unit_id"]
    elsewhere = PHU_XUAN if keeper != PHU_XUAN else VY_DA
    body = {"procedure_code": "2.000908", "application": scenario["application"]}

    refused = client.post(f"{API}/dossiers", json=body, headers=officers(f"reception.{elsewhere}"))

    assert refused.status_code == 422
    problem = refused.get_json()
    assert "received only at the centre of" in problem["detail"]
    assert problem["errors"][0]["pointer"] == "/application/register/unit_id"
    assert receive_scenario(client, officers, path, centre=keeper)["competent_unit_id"] == keeper


def test_a_decision_table_sends_a_provincial_register_extract_to_the_justice_department(client: Any) -> None:
    officers = Officers(client)
    folder = PROCESSES / "civil_status_extract" / "scenarios"
    provincial = receive_scenario(client, officers, folder / "provincial_register.json")
    communal = receive_scenario(client, officers, folder / "commune_register.json")

    assert provincial["competent_unit_id"] == "46-STP"
    assert communal["competent_unit_id"] == load(folder / "commune_register.json")["application"]["register"]["unit_id"]


def test_the_certified_copy_fee_follows_the_page_rule(client: Any) -> None:
    officers, path = Officers(client), PROCESSES / "certified_copy" / "scenarios" / "straight.json"
    application = load(path)["application"]
    receipt = receive_scenario(client, officers, path)
    pages, copies = application["document"]["pages"], application["copies"]
    per_copy = min(2000 * min(pages, 2) + 1000 * max(pages - 2, 0), 200_000)
    assert receipt["fee_vnd"] == per_copy * copies
