"""The citizen's look-up with code and secret: status and timeline, never personal data."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import API, drive_to_result, received, return_result, sign_in
from tests.conftest import PHU_XUAN, VY_DA, birth_application


def _personal_values(application: dict[str, Any]) -> list[str]:
    people = [application[k] for k in ("applicant", "child", "mother", "father")]
    values = [p["full_name"] for p in people] + [p["id_number"] for p in people if "id_number" in p]
    values += [application["applicant"]["phone"], application["residence"]["address"],
               application["child"]["birth_notice_number"], application["child"]["date_of_birth"]]
    return values


def _look_up(client: Any, code: str, secret: str) -> Any:
    return client.get(f"{API}/public/dossiers/{code}", query_string={"secret": secret})


def test_look_up_after_return_shows_status_and_timeline_without_personal_data(client: Any) -> None:
    reception = sign_in(client, f"reception.{PHU_XUAN}")
    receipt = received(client, reception)
    drive_to_result(client, receipt["code"])
    assert return_result(client, reception, receipt["code"], collected_by="Nguyễn Văn An").status_code == 200

    response = _look_up(client, receipt["code"], receipt["secret"])

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "returned"
    assert body["procedure_name"] == "Đăng ký khai sinh"
    assert body["due_at"].endswith("+07:00")
    labels = [stage["label"] for stage in body["timeline"]]
    assert "Tiếp nhận hồ sơ" in labels
    assert "Chuyển hồ sơ đến Phường Vỹ Dạ" in labels
    assert "Chuyển hồ sơ đến Phường Phú Xuân" in labels
    text = response.get_data(as_text=True)
    for value in _personal_values(birth_application(VY_DA)):
        assert value not in text, value
    assert "applicant" not in text and "application" not in text


def test_look_up_right_after_reception(client: Any) -> None:
    receipt = received(client, sign_in(client, f"reception.{PHU_XUAN}"))

    body = _look_up(client, receipt["code"], receipt["secret"]).get_json()

    assert body["status"] == "processing"
    assert body["status_info"]["national_code"] == 4
    assert body["timeline"][0]["label"] == "Tiếp nhận hồ sơ"
    assert body["timeline"][0]["unit_name"] == "Phường Phú Xuân"


def test_secret_is_case_insensitive(client: Any) -> None:
    receipt = received(client, sign_in(client, f"reception.{PHU_XUAN}"))

    response = _look_up(client, receipt["code"], receipt["secret"].lower())

    assert response.status_code == 200
    assert response.get_json()["code"] == receipt["code"]


def test_wrong_secret_and_unknown_code_look_the_same(client: Any) -> None:
    receipt = received(client, sign_in(client, f"reception.{PHU_XUAN}"))
    wrong = "ZZZZ" if receipt["secret"] != "ZZZZ" else "YYYY"

    wrong_secret = _look_up(client, receipt["code"], wrong)
    unknown_code = _look_up(client, "19768-250714-9999", receipt["secret"])

    assert wrong_secret.status_code == unknown_code.status_code == 404
    assert wrong_secret.mimetype == "application/problem+json"
    assert wrong_secret.get_json()["detail"] == unknown_code.get_json()["detail"]
    assert receipt["code"] not in wrong_secret.get_data(as_text=True)


def test_missing_or_short_secret_is_422(client: Any) -> None:
    receipt = received(client, sign_in(client, f"reception.{PHU_XUAN}"))

    for query in ({}, {"secret": ""}, {"secret": receipt["secret"][:3]}):
        response = client.get(f"{API}/public/dossiers/{receipt['code']}", query_string=query)

        assert response.status_code == 422, query
        assert [e["pointer"] for e in response.get_json()["errors"]] == ["/secret"]
