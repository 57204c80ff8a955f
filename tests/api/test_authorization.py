"""Who may do what: roles and units on tasks, receptions and reads; listings scoped to the caller's unit."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import (
    API,
    complete,
    drive_to_result,
    inbox,
    receive,
    received,
    return_result,
    sign_in,
    step_data,
    task_of,
)
from tests.conftest import PHU_XUAN, THUAN_HOA, VY_DA, birth_application


def _review_task(client: Any) -> tuple[str, dict[str, Any]]:
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]
    task = task_of(client, sign_in(client, f"specialist.{VY_DA}"), code, "review")
    assert task is not None
    return code, task


def test_specialist_of_another_unit_cannot_complete_the_task(client: Any) -> None:
    code, task = _review_task(client)

    response = complete(client, sign_in(client, f"specialist.{PHU_XUAN}"), task["id"], step_data("review"))

    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert task_of(client, sign_in(client, f"specialist.{VY_DA}"), code, "review") is not None


def test_reception_officer_cannot_complete_a_specialist_task(client: Any) -> None:
    code, task = _review_task(client)

    same_unit = complete(client, sign_in(client, f"reception.{VY_DA}"), task["id"], step_data("review"))
    receiving_unit = complete(client, sign_in(client, f"reception.{PHU_XUAN}"), task["id"], step_data("review"))

    assert same_unit.status_code == receiving_unit.status_code == 403
    assert task_of(client, sign_in(client, f"specialist.{VY_DA}"), code, "review") is not None


def test_leader_cannot_sign_before_review_and_specialist_cannot_sign(client: Any) -> None:
    code, task = _review_task(client)
    assert inbox(client, sign_in(client, f"leader.{VY_DA}")) == []
    specialist = sign_in(client, f"specialist.{VY_DA}")
    assert complete(client, specialist, task["id"], step_data("review")).status_code == 200
    sign = task_of(client, sign_in(client, f"leader.{VY_DA}"), code, "sign")
    assert sign is not None

    response = complete(client, specialist, sign["id"], step_data("sign"))

    assert response.status_code == 403


def test_leader_cannot_receive_a_dossier(client: Any) -> None:
    leader = sign_in(client, f"leader.{PHU_XUAN}")

    response = receive(client, leader)

    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert client.get(f"{API}/dossiers", headers=leader).get_json()["total"] == 0


def test_specialist_cannot_receive_a_dossier(client: Any) -> None:
    assert receive(client, sign_in(client, f"specialist.{PHU_XUAN}")).status_code == 403


def test_leader_reusing_a_reception_idempotency_key_is_still_forbidden(client: Any) -> None:
    assert receive(client, sign_in(client, f"reception.{PHU_XUAN}"), key="ticket-1").status_code == 201

    response = receive(client, sign_in(client, f"leader.{PHU_XUAN}"), key="ticket-1")

    assert response.status_code == 403
    assert "secret" not in response.get_json()


def test_uninvolved_unit_cannot_read_or_return_the_dossier(client: Any) -> None:
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]
    thuan_hoa = sign_in(client, f"reception.{THUAN_HOA}")

    detail = client.get(f"{API}/dossiers/{code}", headers=thuan_hoa)
    returned = return_result(client, thuan_hoa, code)

    assert detail.status_code == returned.status_code == 403
    assert detail.mimetype == "application/problem+json"
    assert "Nguyễn" not in detail.get_data(as_text=True)


def test_involved_unit_of_another_role_cannot_return_the_result(client: Any) -> None:
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]
    drive_to_result(client, code)

    competent_reception = return_result(client, sign_in(client, f"reception.{VY_DA}"), code)
    receiving_leader = return_result(client, sign_in(client, f"leader.{PHU_XUAN}"), code)

    assert competent_reception.status_code == receiving_leader.status_code == 403
    assert task_of(client, sign_in(client, f"reception.{PHU_XUAN}"), code, "hand_over") is not None


def test_dossier_list_is_scoped_paginated_and_filtered(client: Any) -> None:
    phu_xuan = sign_in(client, f"reception.{PHU_XUAN}")
    thuan_hoa = sign_in(client, f"reception.{THUAN_HOA}")
    codes = [received(client, phu_xuan)["code"] for _ in range(3)]
    own = received(client, thuan_hoa, application=birth_application(THUAN_HOA))["code"]
    drive_to_result(client, codes[0])

    first = client.get(f"{API}/dossiers", query_string={"limit": 2}, headers=phu_xuan).get_json()
    second = client.get(f"{API}/dossiers", query_string={"limit": 2, "offset": 2}, headers=phu_xuan).get_json()

    assert (first["total"], first["limit"], first["offset"], len(first["items"])) == (3, 2, 0, 2)
    assert (second["total"], second["offset"], len(second["items"])) == (3, 2, 1)
    assert sorted(d["code"] for d in first["items"] + second["items"]) == sorted(codes)

    vy_da = client.get(f"{API}/dossiers", headers=sign_in(client, f"leader.{VY_DA}")).get_json()
    assert sorted(d["code"] for d in vy_da["items"]) == sorted(codes)
    only = client.get(f"{API}/dossiers", headers=thuan_hoa).get_json()
    assert [d["code"] for d in only["items"]] == [own] and only["total"] == 1

    ready = client.get(f"{API}/dossiers", query_string={"status": "result_ready"}, headers=phu_xuan).get_json()
    processing = client.get(f"{API}/dossiers", query_string={"status": "processing"}, headers=phu_xuan).get_json()
    assert [d["code"] for d in ready["items"]] == [codes[0]] and ready["total"] == 1
    assert sorted(d["code"] for d in processing["items"]) == sorted(codes[1:]) and processing["total"] == 2
    returned = client.get(f"{API}/dossiers", query_string={"status": "returned"}, headers=phu_xuan).get_json()
    assert returned == {"items": [], "total": 0, "limit": 20, "offset": 0, "query_kind": None,
                        "total_exact": True}


def test_listing_needs_a_token(client: Any) -> None:
    assert client.get(f"{API}/dossiers").status_code == 401
