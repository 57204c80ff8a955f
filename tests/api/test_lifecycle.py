"""The one-stop lifecycle through the API: each action's status, national code, clock effect, notice
and history event; who may take it; and 409 for every action its status does not allow.

Birth registration (same day) received at Phú Xuân for a family in Vỹ Dạ: Vỹ Dạ reviews and signs (and is
the one to ask for supplementation or stop), Phú Xuân returns. Nothing received is refused: refusal is of
reception, before a dossier exists (engine/services/intake.py). Times are Huế wall-clock times.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import (
    API,
    complete,
    drive_to_result,
    local,
    received,
    return_result,
    sign_in,
    step_data,
    task_of,
)
from tests.conftest import PHU_XUAN, VY_DA, Clock

ITEMS = [{"name": "Giấy chứng sinh (bản chính)", "form": "original", "copies": 1}]


def act(client: Any, headers: dict[str, str], code: str, action: str, **body: Any) -> Any:
    return client.post(f"{API}/dossiers/{code}/{action}", json=body, headers=headers)


def get(client: Any, headers: dict[str, str], code: str) -> dict[str, Any]:
    response = client.get(f"{API}/dossiers/{code}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def kinds(detail: dict[str, Any]) -> list[str]:
    return [e["kind"] for e in detail["history"]]


@pytest.fixture
def counter(client: Any) -> dict[str, str]:
    return sign_in(client, f"reception.{PHU_XUAN}")


@pytest.fixture
def specialist(client: Any) -> dict[str, str]:
    return sign_in(client, f"specialist.{VY_DA}")


@pytest.fixture
def code(client: Any, clock: Clock, counter: dict[str, str]) -> str:
    clock.now = local(2025, 7, 14, 9, 0)  # Monday 09:00: due 17:00 the same day
    return str(received(client, counter)["code"])


def test_supplementation_stops_the_clock_and_moves_the_appointment_by_the_wait(
        client: Any, clock: Clock, counter: dict[str, str], specialist: dict[str, str], code: str) -> None:
    clock.now = local(2025, 7, 14, 10, 0)
    review = task_of(client, specialist, code, "review")
    assert review is not None
    # The counter guided before it accepted: once received, what is missing is the handling unit's to ask.
    assert act(client, counter, code, "supplement-request", reasons="Thiếu", items=ITEMS).status_code == 403
    asked = act(client, specialist, code, "supplement-request", reasons="Thiếu giấy chứng sinh", items=ITEMS)
    assert asked.status_code == 200, asked.get_json()
    assert asked.get_json()["status_info"]["national_code"] == 5
    assert asked.get_json()["paused_at"] == "2025-07-14T10:00:00+07:00"
    # While the applicant supplements, no step moves.
    blocked = complete(client, specialist, review["id"], step_data("review"))
    assert blocked.status_code == 409 and blocked.get_json()["current_status"] == "supplement_requested"

    clock.now = local(2025, 7, 15, 10, 0)  # paused Mon 10:00-11:30, 13:00-17:00, Tue 07:30-10:00: 8 office hours
    answered = act(client, counter, code, "supplement", note="Đã nộp bản chính")
    assert answered.status_code == 200, answered.get_json()
    dossier = answered.get_json()
    assert (dossier["status"], dossier["paused_at"]) == ("processing", None)
    assert dossier["due_at"] == dossier["deadline_at"] == "2025-07-15T17:00:00+07:00"
    detail = get(client, counter, code)
    notice = detail["notices"][0]
    assert (notice["kind"], notice["number"], notice["items"], notice["unit_id"]) == (
        "supplement_request", 1, ITEMS, VY_DA)
    assert notice["due_before"] == "2025-07-14T17:00:00+07:00"
    assert notice["due_after"] == "2025-07-15T17:00:00+07:00"
    assert notice["answered_at"] == "2025-07-15T10:00:00+07:00"
    assert {"notice_issued", "clock_paused", "clock_resumed", "supplemented"} <= set(kinds(detail))
    # The open step's own due time moved with the dossier's.
    assert next(t for t in detail["tasks"] if t["step"] == "review")["due_at"] > review["due_at"]


def test_a_pause_over_national_day_costs_only_office_hours_and_finishing_after_the_moved_deadline_is_late(
        client: Any, clock: Clock, counter: dict[str, str], specialist: dict[str, str]) -> None:
    clock.now = local(2025, 8, 29, 14, 0)  # Friday: due 17:00 that day
    code = received(client, counter)["code"]
    clock.now = local(2025, 8, 29, 16, 0)
    assert act(client, specialist, code, "supplement-request", reasons="Thiếu", items=ITEMS).status_code == 200
    clock.now = local(2025, 9, 3, 8, 30)  # Sat, Sun, 1-2 Sep off: 1 office hour on Friday + 1 on Wednesday
    assert act(client, counter, code, "supplement").get_json()["due_at"] == "2025-09-03T09:30:00+07:00"

    clock.now = local(2025, 9, 3, 9, 45)
    drive_to_result(client, code)
    detail = get(client, counter, code)
    assert detail["dossier"]["finished_at"] == "2025-09-03T09:45:00+07:00"
    assert detail["timeliness"] == {"class": "late", "label": "Trễ hạn"}


def test_supplementation_is_asked_once_and_a_second_request_is_refused(
        client: Any, clock: Clock, counter: dict[str, str], specialist: dict[str, str], code: str) -> None:
    clock.now = local(2025, 7, 14, 10, 0)
    assert act(client, specialist, code, "supplement-request", reasons="Thiếu", items=ITEMS).status_code == 200
    clock.now = local(2025, 7, 14, 10, 15)
    assert act(client, counter, code, "supplement").status_code == 200
    clock.now = local(2025, 7, 14, 11, 0)
    again = act(client, specialist, code, "supplement-request", reasons="Thiếu thêm", items=ITEMS)
    assert again.status_code == 409 and again.get_json()["current_status"] == "processing"
    assert "the law allows one written request" in again.get_json()["detail"]
    assert get(client, counter, code)["dossier"]["supplement_rounds"] == 1


def test_finished_before_the_appointment_day_is_before_time(client: Any, clock: Clock,
                                                            counter: dict[str, str]) -> None:
    clock.now = local(2025, 7, 14, 15, 30)  # after the 15:00 cut-off: due Tuesday 17:00
    code = received(client, counter)["code"]
    clock.now = local(2025, 7, 14, 16, 30)
    drive_to_result(client, code)
    detail = get(client, counter, code)
    assert (detail["dossier"]["due_at"], detail["timeliness"]["class"]) == ("2025-07-15T17:00:00+07:00",
                                                                            "before_time")
    steps = {t["step"]: t for t in detail["tasks"]}
    # The review's 4 office hours run from 15:30 to Tuesday 10:00 (1.5 + 2.5); done on Monday, a day early.
    assert steps["review"]["due_at"] == "2025-07-15T10:00:00+07:00"
    assert steps["review"]["timeliness"]["class"] == "before_time"


def test_a_received_dossier_found_not_eligible_is_stopped_with_written_reasons_never_refused(
        client: Any, clock: Clock, counter: dict[str, str], specialist: dict[str, str], code: str) -> None:
    """Refusal (status 3) means not received: after reception the handling unit stops (status 8, Mẫu 05)."""
    assert act(client, counter, code, "refuse", reasons="Không đủ điều kiện").status_code == 404  # no such action
    assert act(client, specialist, code, "stop", reasons="  ").status_code == 422

    clock.now = local(2025, 7, 14, 9, 20)
    stopped = act(client, specialist, code, "stop", reasons="Hồ sơ không đủ điều kiện giải quyết")
    assert stopped.status_code == 200, stopped.get_json()
    assert stopped.get_json()["status_info"] == {"status": "stopped", "national_code": 8, "label": "Dừng xử lý"}
    assert stopped.get_json()["finished_at"] == "2025-07-14T09:20:00+07:00"
    assert task_of(client, specialist, code, "review") is None  # gone from the inbox
    detail = get(client, counter, code)
    assert (detail["notices"][0]["kind"], detail["notices"][0]["reasons"]) == (
        "stop", "Hồ sơ không đủ điều kiện giải quyết")
    # The history says a stop notice was issued, never its reasons.
    assert {"notice": "stop", "number": 1} in [e["data"] for e in detail["history"]]
    assert "điều kiện" not in str(detail["history"])


def test_withdrawal_at_the_applicants_request(client: Any, counter: dict[str, str], code: str) -> None:
    withdrawn = act(client, counter, code, "withdraw", reasons="Người nộp xin rút hồ sơ")
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["status_info"]["national_code"] == 7
    specialist = sign_in(client, f"specialist.{VY_DA}")
    assert task_of(client, specialist, code, "review") is None


def test_only_the_handling_unit_stops_a_dossier(client: Any, counter: dict[str, str], code: str) -> None:
    assert act(client, counter, code, "stop", reasons="Không đủ điều kiện").status_code == 403
    specialist = sign_in(client, f"specialist.{VY_DA}")
    stopped = act(client, specialist, code, "stop", reasons="Không đủ điều kiện đăng ký")
    assert stopped.status_code == 200, stopped.get_json()
    assert stopped.get_json()["status_info"]["national_code"] == 8
    assert get(client, counter, code)["notices"][0]["unit_id"] == VY_DA


def test_apology_moves_the_appointment_once_and_only_before_it_passes(
        client: Any, clock: Clock, counter: dict[str, str], code: str) -> None:
    specialist = sign_in(client, f"specialist.{VY_DA}")
    clock.now = local(2025, 7, 14, 16, 0)
    new = "2025-07-16T17:00:00+07:00"
    assert act(client, counter, code, "extend", reasons="Chờ xác minh", new_due_at=new).status_code == 403
    saturday = act(client, specialist, code, "extend", reasons="Chờ", new_due_at="2025-07-19T10:00:00+07:00")
    assert saturday.status_code == 422 and saturday.get_json()["errors"][0]["pointer"] == "/new_due_at"
    earlier = act(client, specialist, code, "extend", reasons="Chờ", new_due_at="2025-07-14T16:30:00+07:00")
    assert earlier.status_code == 422

    moved = act(client, specialist, code, "extend", reasons="Chờ kết quả xác minh", new_due_at=new)
    assert moved.status_code == 200, moved.get_json()
    assert (moved.get_json()["due_at"], moved.get_json()["deadline_at"]) == (new, "2025-07-14T17:00:00+07:00")
    again = act(client, specialist, code, "extend", reasons="Lần nữa", new_due_at="2025-07-17T17:00:00+07:00")
    assert again.status_code == 409
    apology = get(client, counter, code)["notices"][0]
    assert (apology["kind"], apology["due_before"], apology["due_after"]) == ("apology",
                                                                              "2025-07-14T17:00:00+07:00", new)


def test_no_apology_once_the_appointment_has_passed(client: Any, clock: Clock, code: str) -> None:
    clock.now = local(2025, 7, 14, 17, 1)
    specialist = sign_in(client, f"specialist.{VY_DA}")
    late = act(client, specialist, code, "extend", reasons="Chậm", new_due_at="2025-07-16T17:00:00+07:00")
    assert late.status_code == 409 and "passed" in late.get_json()["detail"]


def test_return_records_the_method(client: Any, counter: dict[str, str], code: str) -> None:
    drive_to_result(client, code)
    returned = client.post(f"{API}/dossiers/{code}/return", headers=counter,
                           json={"method": "post", "data": {"collected_by": "Bưu điện Huế"}})
    assert returned.status_code == 200, returned.get_json()
    assert (returned.get_json()["status_info"]["national_code"], returned.get_json()["return_method"]) == (10, "post")
    bad = client.post(f"{API}/dossiers/{code}/return", headers=counter, json={"method": "pigeon"})
    assert bad.status_code == 422


ACTIONS = {  # action -> who takes it, with what body
    "supplement-request": ("specialist", {"reasons": "Thiếu", "items": ITEMS}),
    "supplement": ("reception", {}),
    "withdraw": ("reception", {"reasons": "Rút"}),
    "stop": ("specialist", {"reasons": "Dừng"}),
    "extend": ("specialist", {"reasons": "Chậm", "new_due_at": "2025-07-18T17:00:00+07:00"}),
}


def test_every_action_on_a_returned_dossier_is_a_conflict_naming_its_status(
        client: Any, counter: dict[str, str], specialist: dict[str, str], code: str) -> None:
    drive_to_result(client, code)
    assert return_result(client, counter, code).status_code == 200
    for action, (role, body) in ACTIONS.items():
        response = act(client, counter if role == "reception" else specialist, code, action, **body)
        # Asking, stopping and extending belong to a handling unit, and no step is waiting any more:
        # forbidden first.
        assert response.status_code in (403, 409) if role == "specialist" else response.status_code == 409
        if response.status_code == 409:
            assert response.get_json()["current_status"] == "returned", action


def test_a_withdrawn_dossier_accepts_no_action_and_no_step(client: Any, counter: dict[str, str],
                                                           specialist: dict[str, str], code: str) -> None:
    review = task_of(client, specialist, code, "review")
    assert review is not None
    assert act(client, counter, code, "withdraw", reasons="Rút").status_code == 200
    for action in ("supplement", "withdraw"):
        response = act(client, counter, code, action, **ACTIONS[action][1])
        assert (response.status_code, response.get_json()["current_status"]) == (409, "withdrawn"), action
    # Its steps left the inbox, so the handling unit has nothing to ask or stop.
    for action in ("supplement-request", "stop"):
        assert act(client, specialist, code, action, **ACTIONS[action][1]).status_code == 403, action
    late_step = complete(client, specialist, review["id"], step_data("review"))
    assert (late_step.status_code, late_step.get_json()["current_status"]) == (409, "withdrawn")


def test_the_citizen_sees_the_supplementation_stage_but_never_its_reasons(
        client: Any, clock: Clock, counter: dict[str, str], specialist: dict[str, str]) -> None:
    receipt = received(client, counter)
    reasons = "Thiếu giấy chứng sinh của cháu Nguyễn Văn Bình"
    asked = act(client, specialist, receipt["code"], "supplement-request", reasons=reasons, items=ITEMS)
    assert asked.status_code == 200, asked.get_json()
    public = client.get(f"{API}/public/dossiers/{receipt['code']}", query_string={"secret": receipt["secret"]})
    assert public.status_code == 200
    body = public.get_json()
    assert body["status_info"]["national_code"] == 5
    assert "Chờ bổ sung hồ sơ (tạm dừng tính thời gian giải quyết)" in [s["label"] for s in body["timeline"]]
    assert "Bình" not in str(body) and reasons not in str(body)
    assert body["supplement"]["items"] == ITEMS  # what to bring (the citizen's to-do), never why
