"""POST /dossiers: a dossier received at Phú Xuân for a family living in Vỹ Dạ (cross-boundary)."""

from __future__ import annotations

import re
from typing import Any

from engine.domain.calendar import VN_TZ
from tests.api.helpers import API, inbox, local, receive, received, sign_in
from tests.conftest import PHU_XUAN, THUAN_HOA, VY_DA, Clock, birth_application


def test_receipt_has_code_secret_status_and_competent_unit(client: Any, clock: Clock) -> None:
    response = receive(client, sign_in(client, f"reception.{PHU_XUAN}"))
    receipt = response.get_json()

    assert response.status_code == 201
    assert re.fullmatch(r"^19768-\d{6}-\d{4}$", receipt["code"])
    assert receipt["code"] == f"19768-{clock.now.astimezone(VN_TZ):%y%m%d}-0001"
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{10}", receipt["secret"])
    assert receipt["status"] == "processing"
    assert receipt["status_info"]["national_code"] == 4
    assert receipt["receiving_unit_id"] == PHU_XUAN
    assert receipt["competent_unit_id"] == VY_DA
    assert receipt["return_unit_id"] == PHU_XUAN
    assert receipt["applicant_name"] == "Nguyễn Văn An"
    assert receipt["received_at"] == "2025-07-14T09:00:00+07:00"


def test_code_uses_the_local_date_not_the_utc_date(client: Any, clock: Clock) -> None:
    clock.now = local(2025, 7, 15, 1, 0)  # still 14 July in UTC
    receipt = received(client, sign_in(client, f"reception.{PHU_XUAN}"))

    assert receipt["code"] == "19768-250715-0001"


def test_daily_sequence_increments_per_unit_and_restarts_next_day(client: Any, clock: Clock) -> None:
    phu_xuan = sign_in(client, f"reception.{PHU_XUAN}")
    thuan_hoa = sign_in(client, f"reception.{THUAN_HOA}")

    first = received(client, phu_xuan)["code"]
    second = received(client, phu_xuan)["code"]
    other_unit = received(client, thuan_hoa)["code"]
    clock.now = local(2025, 7, 15, 8, 0)
    next_day = received(client, phu_xuan)["code"]

    assert (first, second) == ("19768-250714-0001", "19768-250714-0002")
    assert other_unit == "19786-250714-0001"
    assert next_day == "19768-250715-0001"


def test_review_task_goes_to_the_competent_unit_only(client: Any) -> None:
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]

    vy_da = inbox(client, sign_in(client, f"specialist.{VY_DA}"))
    phu_xuan = inbox(client, sign_in(client, f"specialist.{PHU_XUAN}"))

    assert [(t["dossier_code"], t["step"], t["unit_id"], t["role"]) for t in vy_da] == [
        (code, "review", VY_DA, "specialist")]
    assert vy_da[0]["form_id"] == "birth_registration/review"
    assert vy_da[0]["due_at"].endswith("+07:00")
    assert phu_xuan == []
    # The reception step was completed at the counter: nothing left for the receiving officer.
    assert inbox(client, sign_in(client, f"reception.{PHU_XUAN}")) == []


def test_return_unit_can_be_another_centre_of_the_province(client: Any) -> None:
    receipt = received(client, sign_in(client, f"reception.{PHU_XUAN}"), return_unit_id=THUAN_HOA)

    assert receipt["return_unit_id"] == THUAN_HOA


def test_same_idempotency_key_gives_the_same_dossier(client: Any) -> None:
    headers = sign_in(client, f"reception.{PHU_XUAN}")

    first = receive(client, headers, key="counter-7-ticket-42")
    again = receive(client, headers, key="counter-7-ticket-42")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.get_json()["code"] == first.get_json()["code"]
    listing = client.get(f"{API}/dossiers", headers=headers).get_json()
    assert listing["total"] == 1
    assert len(inbox(client, sign_in(client, f"specialist.{VY_DA}"))) == 1


def test_same_key_at_another_unit_is_another_dossier(client: Any) -> None:
    first = receive(client, sign_in(client, f"reception.{PHU_XUAN}"), key="shared-key")
    other = receive(client, sign_in(client, f"reception.{THUAN_HOA}"), key="shared-key")

    assert first.status_code == other.status_code == 201
    assert other.get_json()["code"].startswith(f"{THUAN_HOA}-")
    assert other.get_json()["code"] != first.get_json()["code"]


def test_without_key_each_post_is_a_new_dossier(client: Any) -> None:
    headers = sign_in(client, f"reception.{PHU_XUAN}")
    application = birth_application(VY_DA)

    codes = {received(client, headers, application=application)["code"] for _ in range(2)}

    assert len(codes) == 2


def test_the_reception_checklist_is_validated_and_kept(client: Any) -> None:
    headers = sign_in(client, f"reception.{PHU_XUAN}")
    bad = receive(client, headers, reception={"documents_checked": "yes"})
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["pointer"] == "/reception/documents_checked"

    receipt = received(client, headers, reception={"documents_checked": True, "note": "Đủ hồ sơ"})
    detail = client.get(f"{API}/dossiers/{receipt['code']}", headers=headers).get_json()
    done = [e for e in detail["history"] if e["kind"] == "task_completed"]
    assert [e["data"]["step"] for e in done] == ["receive"]
