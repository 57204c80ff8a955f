"""Actions not allowed in the current state: 409 problem+json with the dossier's current status."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import API, complete, drive_to_result, received, return_result, sign_in, step_data, task_of
from tests.conftest import PHU_XUAN, VY_DA


def test_completing_a_task_twice_is_409(client: Any) -> None:
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]
    specialist = sign_in(client, f"specialist.{VY_DA}")
    task = task_of(client, specialist, code, "review")
    assert task is not None

    first = complete(client, specialist, task["id"], step_data("review"))
    second = complete(client, specialist, task["id"], step_data("review"))

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.mimetype == "application/problem+json"
    assert second.get_json()["current_status"] == "processing"
    detail = client.get(f"{API}/dossiers/{code}", headers=specialist).get_json()
    assert [e["data"].get("step") for e in detail["history"] if e["kind"] == "task_completed"] == [
        "receive", "review"]
    assert detail["dossier"]["version"] == first.get_json()["version"]


def test_return_before_the_result_is_ready_is_409(client: Any) -> None:
    reception = sign_in(client, f"reception.{PHU_XUAN}")
    code = received(client, reception)["code"]

    response = return_result(client, reception, code)

    assert response.status_code == 409
    assert response.get_json()["current_status"] == "processing"
    assert client.get(f"{API}/dossiers/{code}", headers=reception).get_json()["dossier"]["status"] == "processing"


def test_returning_twice_is_409(client: Any) -> None:
    reception = sign_in(client, f"reception.{PHU_XUAN}")
    code = received(client, reception)["code"]
    drive_to_result(client, code)
    assert return_result(client, reception, code).status_code == 200

    again = return_result(client, reception, code)

    assert again.status_code == 409
    assert again.get_json()["current_status"] == "returned"


def test_return_with_invalid_data_is_422_and_the_result_stays_ready(client: Any) -> None:
    reception = sign_in(client, f"reception.{PHU_XUAN}")
    code = received(client, reception)["code"]
    drive_to_result(client, code)

    response = client.post(f"{API}/dossiers/{code}/return", json={"data": {}}, headers=reception)

    assert response.status_code == 422
    assert [e["pointer"] for e in response.get_json()["errors"]] == ["/collected_by"]
    assert client.get(f"{API}/dossiers/{code}", headers=reception).get_json()["dossier"]["status"] == "result_ready"
    assert return_result(client, reception, code).status_code == 200
