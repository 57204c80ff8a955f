"""The straight path across units: received at Phú Xuân, handled and signed at Vỹ Dạ, returned at Phú Xuân."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import API, drive_to_result, inbox, received, return_result, sign_in, task_of
from tests.conftest import PHU_XUAN, VY_DA


def test_straight_path_to_returned(client: Any) -> None:
    reception = sign_in(client, f"reception.{PHU_XUAN}")
    code = received(client, reception)["code"]

    signed = drive_to_result(client, code, competent=VY_DA)

    assert signed["status"] == "result_ready"
    assert signed["status_info"]["national_code"] == 9
    assert signed["result_ready_at"].endswith("+07:00")
    hand_over = task_of(client, reception, code, "hand_over")
    assert hand_over is not None
    assert (hand_over["unit_id"], hand_over["role"]) == (PHU_XUAN, "reception")
    assert inbox(client, sign_in(client, f"reception.{VY_DA}")) == []
    assert inbox(client, sign_in(client, f"specialist.{VY_DA}")) == []

    response = return_result(client, reception, code, collected_by="Nguyễn Văn An")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "returned"
    assert response.get_json()["returned_at"].endswith("+07:00")
    assert inbox(client, reception) == []

    detail = client.get(f"{API}/dossiers/{code}", headers=reception).get_json()
    assert detail["dossier"]["status"] == "returned"
    assert detail["procedure_name"]["vi"] == "Đăng ký khai sinh"
    tasks = {t["step"]: t for t in detail["tasks"]}
    assert set(tasks) == {"receive", "review", "sign", "hand_over"}
    assert all(t["status"] == "completed" and t["completed_at"] for t in tasks.values())
    assert (tasks["review"]["unit_id"], tasks["sign"]["unit_id"]) == (VY_DA, VY_DA)

    history = detail["history"]
    kinds = [e["kind"] for e in history]
    assert kinds[0] == "received"
    assert [e["data"]["step"] for e in history if e["kind"] == "task_completed"] == [
        "receive", "review", "sign", "hand_over"]
    hand_overs = [(e["data"]["from_unit"], e["data"]["to_unit"]) for e in history if e["kind"] == "handed_over"]
    assert hand_overs == [(PHU_XUAN, VY_DA), (VY_DA, PHU_XUAN)]
    statuses = [e["data"]["status"] for e in history if e["kind"] == "status_changed"]
    assert statuses == ["processing", "result_ready", "returned"]
    assert all(e["at"].endswith("+07:00") for e in history)


def test_competent_unit_can_read_the_dossier_it_handles(client: Any) -> None:
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]

    response = client.get(f"{API}/dossiers/{code}", headers=sign_in(client, f"specialist.{VY_DA}"))

    assert response.status_code == 200
    assert response.get_json()["dossier"]["competent_unit_id"] == VY_DA
    assert response.get_json()["application"]["residence"]["unit_id"] == VY_DA
