"""Malformed and invalid requests: 400/404/422 problem+json with a pointer per field, nothing half-applied."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import API, complete, inbox, receive, received, sign_in, step_data, task_of
from tests.conftest import PHU_XUAN, VY_DA, birth_application


def _pointers(response: Any) -> list[str]:
    return [e["pointer"] for e in response.get_json()["errors"]]


@pytest.fixture
def reception(client: Any) -> dict[str, str]:
    return sign_in(client, f"reception.{PHU_XUAN}")


def _nothing_received(client: Any, headers: dict[str, str]) -> bool:
    return client.get(f"{API}/dossiers", headers=headers).get_json()["total"] == 0


def test_malformed_json_is_400(client: Any, reception: dict[str, str]) -> None:
    response = client.post(f"{API}/dossiers", data='{"procedure_code": "1.001193", "application": {',
                           headers={**reception, "Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 400
    assert _nothing_received(client, reception)


def test_missing_procedure_code_is_422(client: Any, reception: dict[str, str]) -> None:
    response = client.post(f"{API}/dossiers", json={"application": birth_application()}, headers=reception)

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert _pointers(response) == ["/procedure_code"]


def test_application_must_be_an_object(client: Any, reception: dict[str, str]) -> None:
    response = client.post(f"{API}/dossiers", json={"procedure_code": "1.001193", "application": ["x"]},
                           headers=reception)

    assert response.status_code == 422
    assert _pointers(response) == ["/application"]


def test_missing_application_fields_give_one_error_each(client: Any, reception: dict[str, str]) -> None:
    application = birth_application()
    del application["mother"]
    del application["child"]["full_name"], application["child"]["sex"]
    del application["applicant"]["phone"]

    response = receive(client, reception, application)

    assert response.status_code == 422
    assert sorted(_pointers(response)) == [
        "/application/applicant/phone", "/application/child/full_name", "/application/child/sex",
        "/application/mother"]
    assert all(e["detail"] == "is required" for e in response.get_json()["errors"])
    assert _nothing_received(client, reception)


def test_invalid_id_number_is_422_without_echoing_it(client: Any, reception: dict[str, str]) -> None:
    application = birth_application()
    application["mother"]["id_number"] = "04619-2000x"

    response = receive(client, reception, application)

    assert response.status_code == 422
    assert _pointers(response) == ["/application/mother/id_number"]
    assert "04619-2000x" not in response.get_data(as_text=True)


def test_invalid_phone_and_date_are_422_without_echoing_them(client: Any, reception: dict[str, str]) -> None:
    application = birth_application()
    application["applicant"]["phone"] = "+84 912 345 678"
    application["child"]["date_of_birth"] = "14/03/2025"

    response = receive(client, reception, application)

    assert response.status_code == 422
    assert sorted(_pointers(response)) == ["/application/applicant/phone", "/application/child/date_of_birth"]
    text = response.get_data(as_text=True)
    assert "912 345" not in text and "14/03/2025" not in text


def test_overlong_name_is_422_without_echoing_it(client: Any, reception: dict[str, str]) -> None:
    application = birth_application()
    application["child"]["full_name"] = "Nguyễn Minh Khang " * 6  # over 100 characters

    response = receive(client, reception, application)

    assert response.status_code == 422
    assert _pointers(response) == ["/application/child/full_name"]
    assert "Nguyễn Minh Khang" not in response.get_data(as_text=True)


def test_unknown_procedure_is_404(client: Any, reception: dict[str, str]) -> None:
    response = client.post(f"{API}/dossiers", json={"procedure_code": "9.999999", "application": {}},
                           headers=reception)

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_unknown_residence_unit_is_422(client: Any, reception: dict[str, str]) -> None:
    for unit_id in ("99999", "00070"):  # no such unit; a Hà Nội ward (only Huế is loaded)
        response = receive(client, reception, birth_application(unit_id))

        assert response.status_code == 422, unit_id
        assert _pointers(response) == ["/application/residence/unit_id"]
    assert _nothing_received(client, reception)


def test_return_unit_outside_the_province_is_422(client: Any, reception: dict[str, str]) -> None:
    for return_unit_id in ("00070", "99999"):  # a Hà Nội ward; no such unit
        response = receive(client, reception, return_unit_id=return_unit_id)

        assert response.status_code == 422, return_unit_id
        assert _pointers(response) == ["/return_unit_id"]
    assert _nothing_received(client, reception)


def test_invalid_task_data_is_422_and_the_task_stays_ready(client: Any, reception: dict[str, str]) -> None:
    code = received(client, reception)["code"]
    specialist = sign_in(client, f"specialist.{VY_DA}")
    task = task_of(client, specialist, code, "review")
    assert task is not None
    data = {k: v for k, v in step_data("review").items() if k != "register_number"}

    response = complete(client, specialist, task["id"], data)

    assert response.status_code == 422
    assert _pointers(response) == ["/register_number"]
    assert task_of(client, specialist, code, "review") is not None
    detail = client.get(f"{API}/dossiers/{code}", headers=specialist).get_json()
    assert detail["dossier"]["status"] == "processing"
    assert [e["kind"] for e in detail["history"]].count("task_completed") == 1
    assert complete(client, specialist, task["id"], step_data("review")).status_code == 200


def test_task_data_with_an_unknown_field_is_422(client: Any, reception: dict[str, str]) -> None:
    code = received(client, reception)["code"]
    specialist = sign_in(client, f"specialist.{VY_DA}")
    task = task_of(client, specialist, code, "review")
    assert task is not None

    response = complete(client, specialist, task["id"], {**step_data("review"), "register_number": 0, "extra": 1})

    assert response.status_code == 422
    assert _pointers(response) == ["/", "/register_number"]  # the unknown field is reported on its object
    assert len(inbox(client, specialist)) == 1


def test_unknown_task_is_404(client: Any) -> None:
    specialist = sign_in(client, f"specialist.{VY_DA}")

    response = complete(client, specialist, "00000000-0000-0000-0000-000000000000", step_data("review"))

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_unknown_dossier_is_404(client: Any, reception: dict[str, str]) -> None:
    detail = client.get(f"{API}/dossiers/19768-250714-9999", headers=reception)
    returned = client.post(f"{API}/dossiers/19768-250714-9999/return", json={"data": {"collected_by": "A"}},
                           headers=reception)

    assert detail.status_code == returned.status_code == 404
    assert detail.mimetype == "application/problem+json"


def test_bad_list_query_is_422(client: Any, reception: dict[str, str]) -> None:
    for query in ({"limit": 0}, {"limit": 1000}, {"limit": "ten"}, {"offset": -1}, {"status": "lost"}):
        response = client.get(f"{API}/dossiers", query_string=query, headers=reception)

        assert response.status_code == 422, query
        assert response.mimetype == "application/problem+json"
        assert _pointers(response) == [f"/{next(iter(query))}"]
