"""While the dossier waits for the citizen, the look-up (API) and the citizen's page say what to do: which documents
to bring and by when, how much to pay and by when; the appointment shown is the one in force. Nothing personal.
Page words in both languages; the API's labels stay Vietnamese."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.settings import ROOT
from tests.api.helpers import API, local, received, sign_in
from tests.api.procedures import Officers, complete_step, detail, load, receive_scenario
from tests.conftest import PHU_XUAN, VY_DA, Clock

BIRTH_GROUP = ROOT / "processes" / "birth_group" / "scenarios" / "straight.json"
LAND = ROOT / "processes" / "land_change_registration" / "scenarios" / "straight.json"
ITEMS = [{"name": "Giấy chứng sinh", "form": "certified_copy", "copies": 2}]
REASONS = "Thiếu giấy chứng sinh của cháu Nguyễn Văn Bình"


def look_up(client: Any, receipt: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"{API}/public/dossiers/{receipt['code']}", query_string={"secret": receipt["secret"]})
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def page(client: Any, receipt: dict[str, Any], lang: str) -> str:
    client.get(f"/lang/{lang}?next=/")
    response = client.get("/", query_string={"code": receipt["code"], "secret": receipt["secret"]})
    assert response.status_code == 200
    return response.get_data(as_text=True)  # type: ignore[no-any-return]


def ask_supplement(client: Any, officers: Officers, receipt: dict[str, Any]) -> None:
    """The officer holding the dossier's first handling step asks, in writing, for what is missing."""
    step = next(t for t in detail(client, officers, receipt)["tasks"]
                if t["status"] == "ready" and t["role"] != "reception")
    asked = client.post(f"{API}/dossiers/{receipt['code']}/supplement-request", json={
        "reasons": REASONS, "items": ITEMS}, headers=officers(f"{step['role']}.{step['unit_id']}"))
    assert asked.status_code == 200, asked.get_json()


def test_the_citizen_is_told_which_documents_to_bring_and_by_when(client: Any) -> None:
    officers = Officers(client)
    receipt = receive_scenario(client, officers, BIRTH_GROUP)
    ask_supplement(client, officers, receipt)

    body = look_up(client, receipt)
    supplement = body["supplement"]
    reply_by = datetime.fromisoformat(supplement["reply_by"])
    vi, en = page(client, receipt, "vi"), page(client, receipt, "en")

    assert supplement["items"] == ITEMS and body["clock_stopped"] is True
    assert reply_by > datetime.fromisoformat(supplement["issued_at"])  # the procedure's 7 working days
    assert body["status_info"]["label"] == "Yêu cầu bổ sung giấy tờ"
    assert 'id="todo"' in vi and "Việc ông/bà cần làm" in vi
    assert f"chậm nhất vào {reply_by:%d/%m/%Y %H:%M}" in vi
    assert "Giấy chứng sinh (bản sao chứng thực, số lượng: 2 bản)" in vi
    assert "ngày hẹn trả kết quả sẽ được lùi tương ứng" in vi
    assert "What you need to do" in en and f"by {reply_by.day} {reply_by:%b %Y, %H:%M}" in en
    assert "Giấy chứng sinh (certified copy, copies: 2)" in en
    for shown in (str(body), vi, en):
        assert "Bình" not in shown and REASONS not in shown


def test_without_a_legal_limit_the_page_says_to_bring_the_documents(client: Any) -> None:
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    receipt = received(client, counter)
    ask_supplement(client, Officers(client), receipt)

    assert look_up(client, receipt)["supplement"]["reply_by"] is None
    vi = page(client, receipt, "vi")
    assert "Đề nghị ông/bà nộp bổ sung các giấy tờ dưới đây tại nơi đã nộp hồ sơ." in vi
    assert "chậm nhất" not in vi


def test_the_citizen_is_told_how_much_to_pay_and_by_when(client: Any) -> None:
    officers, steps = Officers(client), load(LAND)["steps"]
    receipt = receive_scenario(client, officers, LAND)
    for step in steps[1:next(i for i, s in enumerate(steps) if s["lane"] == "payment")]:
        complete_step(client, officers, receipt, step)

    body = look_up(client, receipt)
    vi, en = page(client, receipt, "vi"), page(client, receipt, "en")

    assert body["status"] == "awaiting_payment" and body["clock_stopped"] is True and body["supplement"] is None
    assert "Đề nghị ông/bà nộp 71.250.000 ₫ chậm nhất ngày 20/12/2025" in vi
    assert "Please pay 71.250.000 ₫ by 20 Dec 2025" in en
    assert "The time you take does not count" in en


def test_the_appointment_shown_is_the_one_in_force_after_an_apology(client: Any, clock: Clock) -> None:
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    receipt = received(client, counter)
    clock.now = local(2025, 7, 14, 16, 0)
    moved = client.post(f"{API}/dossiers/{receipt['code']}/extend", headers=sign_in(client, f"specialist.{VY_DA}"),
                        json={"reasons": "Chờ kết quả xác minh", "new_due_at": "2025-07-16T17:00:00+07:00"})
    assert moved.status_code == 200, moved.get_json()

    body = look_up(client, receipt)
    vi = page(client, receipt, "vi")

    assert body["due_at"] == "2025-07-16T17:00:00+07:00" and body["clock_stopped"] is False
    assert '<strong id="appointment">16/07/2025 17:00</strong>' in vi
    assert "Xin lỗi và gia hạn thời gian giải quyết" in [s["label"] for s in body["timeline"]]
    assert 'id="todo"' not in vi  # nothing for the citizen to do


def test_the_appointment_moves_by_the_wait_once_the_documents_arrive(client: Any, clock: Clock) -> None:
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    receipt = received(client, counter)  # Monday 09:00: due 17:00 the same day
    clock.now = local(2025, 7, 14, 10, 0)
    ask_supplement(client, Officers(client), receipt)
    clock.now = local(2025, 7, 15, 10, 0)  # eight office hours later
    assert client.post(f"{API}/dossiers/{receipt['code']}/supplement", json={},
                       headers=counter).status_code == 200

    body = look_up(client, receipt)
    en = page(client, receipt, "en")

    assert (body["due_at"], body["supplement"], body["clock_stopped"]) == ("2025-07-15T17:00:00+07:00", None, False)
    assert '<strong id="appointment">15 Jul 2025, 17:00</strong>' in en
    assert "Supplementary documents received; handling goes on" in en


def test_timeline_words_follow_the_page_and_stay_vietnamese_in_the_api(client: Any) -> None:
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    receipt = received(client, counter)

    labels = [s["label"] for s in look_up(client, receipt)["timeline"]]
    en = page(client, receipt, "en")

    assert "Tiếp nhận hồ sơ" in labels
    assert "Dossier received" in en and "Tiếp nhận hồ sơ" not in en
