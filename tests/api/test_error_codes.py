"""Domain errors reach people in their language: the API's problem+json carries the error's stable `code` and safe
`params` beside the English `detail`; a page says the same in Vietnamese (or English) and never shows the engine's
English message."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import API, complete, csrf_of, local, received, sign_in, sign_in_page, step_data, task_of
from tests.conftest import PHU_XUAN, VY_DA, Clock

ITEMS = [{"name": "Giấy chứng sinh (bản chính)", "form": "original", "copies": 1}]


@pytest.fixture
def waiting(client: Any) -> tuple[str, dict[str, Any]]:
    """A dossier waiting for the applicant's supplement, and its review step (which may not move meanwhile)."""
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]
    specialist = sign_in(client, f"specialist.{VY_DA}")
    review = task_of(client, specialist, code, "review")
    asked = client.post(f"{API}/dossiers/{code}/supplement-request", headers=specialist,
                        json={"reasons": "Thiếu", "items": ITEMS})
    assert review is not None and asked.status_code == 200, asked.get_json()
    return code, review


def test_the_api_body_carries_the_code_and_params(client: Any, waiting: tuple[str, dict[str, Any]]) -> None:
    _code, review = waiting
    blocked = complete(client, sign_in(client, f"specialist.{VY_DA}"), review["id"], step_data("review"))
    body = blocked.get_json()

    assert blocked.status_code == 409 and blocked.mimetype == "application/problem+json"
    assert body["code"] == "dossier_waits_for_applicant"
    assert body["params"] == {"status": "supplement_requested", "action": "complete_step"}
    assert body["current_status"] == "supplement_requested" and "cannot complete step" in body["detail"]


def test_params_carry_times_in_vietnam_time_and_unknowns_the_class_default(client: Any, clock: Clock) -> None:
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]  # Monday 09:00, due 17:00
    specialist = sign_in(client, f"specialist.{VY_DA}")
    clock.now = local(2025, 7, 14, 17, 1)
    late = client.post(f"{API}/dossiers/{code}/extend", headers=specialist, json={
        "reasons": "Chờ xác minh", "new_due_at": "2025-07-16T17:00:00+07:00"}).get_json()
    missing = client.get(f"{API}/dossiers/{PHU_XUAN}-250714-9999", headers=specialist).get_json()
    unknown_task = client.post(f"{API}/tasks/nope/complete", json={"data": {}}, headers=specialist).get_json()

    assert (late["code"], late["params"]) == ("apology_too_late", {
        "status": "processing", "dossier": code, "latest": "2025-07-14T17:00:00+07:00",
        "due_at": "2025-07-14T17:00:00+07:00"})
    assert (missing["code"], missing["params"]) == ("dossier_not_found", {"dossier": f"{PHU_XUAN}-250714-9999"})
    assert (unknown_task["code"], unknown_task["params"]) == ("not_found", {})


def test_a_vietnamese_page_that_meets_a_conflict_says_it_in_vietnamese(
        client: Any, waiting: tuple[str, dict[str, Any]]) -> None:
    code, review = waiting
    sign_in_page(client, f"specialist.{VY_DA}")
    posted = client.post(f"/dossiers/{code}/tasks/{review['id']}", data={"csrf_token": csrf_of(client, "/inbox")})
    page = client.get(f"/dossiers/{code}").get_data(as_text=True)

    assert posted.status_code == 302
    assert "Hồ sơ đang chờ người nộp bổ sung giấy tờ còn thiếu; chưa thể xử lý tiếp" in page
    assert "cannot" not in page and "supplement_requested" not in page.split('class="flash')[1][:300]


def test_an_english_page_says_it_in_english_from_the_same_code(
        client: Any, waiting: tuple[str, dict[str, Any]]) -> None:
    code, review = waiting
    sign_in_page(client, f"specialist.{VY_DA}")
    client.get("/lang/en?next=/")
    client.post(f"/dossiers/{code}/tasks/{review['id']}", data={"csrf_token": csrf_of(client, "/inbox")})
    page = client.get(f"/dossiers/{code}").get_data(as_text=True)

    assert "The dossier is waiting for the applicant to bring the missing documents" in page
    assert "cannot complete step" not in page


def test_an_error_page_words_the_error_in_the_pages_language(client: Any) -> None:
    sign_in_page(client, f"specialist.{VY_DA}")
    missing = f"{PHU_XUAN}-250714-9999"
    vi = client.get(f"/dossiers/{missing}")
    client.get("/lang/en?next=/")
    en = client.get(f"/dossiers/{missing}")

    assert vi.status_code == 404 and f"Không có hồ sơ {missing}." in vi.get_data(as_text=True)
    assert en.status_code == 404 and f"Dossier {missing} does not exist." in en.get_data(as_text=True)
    assert "does not exist" not in vi.get_data(as_text=True)


def test_a_rating_refused_on_the_citizens_page_is_said_in_vietnamese(client: Any) -> None:
    receipt = received(client, sign_in(client, f"reception.{PHU_XUAN}"))
    posted = client.post("/rate", data={"code": receipt["code"], "secret": receipt["secret"], "level": "satisfied"})
    page = client.get(posted.headers["Location"]).get_data(as_text=True)

    assert "Chỉ đánh giá dịch vụ sau khi đã nhận kết quả." in page
    assert "the service can be rated" not in page


def test_an_http_error_page_says_what_it_means_not_the_servers_english(client: Any) -> None:
    page = client.get("/no-such-page")
    text = page.get_data(as_text=True)
    api = client.get(f"{API}/no-such-resource")

    assert page.status_code == 404 and "Không có trang này." in text and "requested URL" not in text
    assert api.status_code == 404 and "requested URL" in api.get_json()["detail"]  # the API keeps its detail
