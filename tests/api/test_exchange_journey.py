"""A birth registration received in Huế for a family living in Đà Nẵng, at API level across two in-process
deployments (tests/api/exchange_pair.py): Huế's counter receives it, Đà Nẵng's commune handles it (with a
supplementation round trip), Huế returns it. Both dossier pages show the exchange, the citizen looks it up at Huế
only, and each province's figures count the dossier once, in its own part."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from tests.api.exchange_pair import DA_NANG, HAI_VAN, HUE, Pair
from tests.api.helpers import API, received, return_result, sign_in, sign_in_page, step_data, task_of
from tests.conftest import PHU_XUAN, birth_application

ITEMS = [{"name": "Giấy chứng sinh (bản chính)", "form": "original", "copies": 1}]
JULY = {"from": "2025-07-01T00:00:00+07:00", "to": "2025-08-01T00:00:00+07:00"}


def act(client: Any, headers: dict[str, str], code: str, action: str, **body: Any) -> dict[str, Any]:
    answer = client.post(f"{API}/dossiers/{code}/{action}", json=body, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()  # type: ignore[no-any-return]


def dossier(client: Any, headers: dict[str, str], code: str) -> dict[str, Any]:
    answer = client.get(f"{API}/dossiers/{code}", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["dossier"]  # type: ignore[no-any-return]


def complete_step(client: Any, headers: dict[str, str], code: str, step: str) -> None:
    task = task_of(client, headers, code, step)
    assert task is not None, f"{step} of {code} is not in the inbox"
    answer = client.post(f"{API}/tasks/{task['id']}/complete", json={"data": step_data(step)}, headers=headers)
    assert answer.status_code == 200, answer.get_json()


def province_figures(client: Any, headers: dict[str, str], province: str) -> dict[str, Any]:
    answer = client.get(f"{API}/stats/centres", query_string={**JULY, "unit_id": province}, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()  # type: ignore[no-any-return]


def test_received_in_hue_handled_in_da_nang_returned_in_hue(pair: Pair) -> None:
    a, b = pair.a.client, pair.b.client
    counter = sign_in(a, f"reception.{PHU_XUAN}")
    specialist = sign_in(b, f"specialist.{HAI_VAN}")

    receipt = received(a, counter, application=birth_application(HAI_VAN))
    code, secret = receipt["code"], receipt["secret"]
    assert receipt["competent_unit_id"] == HAI_VAN
    assert task_of(a, sign_in(a, f"specialist.{PHU_XUAN}"), code, "review") is None  # nobody in Huế handles it
    pair.deliver()

    # Đà Nẵng's specialist has it, under the same code and appointment; Huế knows it was accepted.
    assert task_of(b, specialist, code, "review") is not None
    assert dossier(b, specialist, code)["due_at"] == receipt["due_at"]
    assert dossier(b, specialist, code)["exchange"] == {"role": "handler", "province": "46", "state": "dossier"}
    assert dossier(a, counter, code)["exchange"] == {"role": "sender", "province": "48", "state": "accepted"}

    # The citizen looks it up at Huế: where it is handled, nothing personal; Đà Nẵng answers "not found".
    looked_up = a.get(f"{API}/public/dossiers/{code}", query_string={"secret": secret}).get_json()
    assert looked_up["handled_in"] == {"unit_name": "Phường Hải Vân", "province_name": "Thành phố Đà Nẵng",
                                       "label": "Đang giải quyết tại Phường Hải Vân, Thành phố Đà Nẵng."}
    assert "Nguyễn" not in str(looked_up)
    page = a.get("/", query_string={"code": code, "secret": secret}).get_data(as_text=True)
    assert "Đang giải quyết tại Phường Hải Vân, Thành phố Đà Nẵng." in page
    elsewhere = b.get(f"{API}/public/dossiers/{code}", query_string={"secret": secret})
    assert elsewhere.status_code == 404 and elsewhere.get_json()["code"] == "lookup_no_match"

    # A supplementation round trip: asked at Đà Nẵng, brought at Huế's counter, handling resumes at Đà Nẵng.
    act(b, specialist, code, "supplement-request", reasons="Giấy chứng sinh chưa rõ", items=ITEMS)
    pair.deliver()
    assert dossier(a, counter, code)["status"] == "supplement_requested"
    act(a, counter, code, "supplement", note="Đã nộp bản chính")
    pair.deliver()
    assert dossier(b, specialist, code)["status"] == "processing"

    # Both pages show the exchange.
    sign_in_page(a, f"reception.{PHU_XUAN}")
    at_a = a.get(f"/dossiers/{code}")
    assert at_a.status_code == 200
    text_a = at_a.get_data(as_text=True)
    assert "Liên thông ngoài tỉnh" in text_a and "Giải quyết tại Phường Hải Vân, Thành phố Đà Nẵng" in text_a
    assert "Chuyển tỉnh/thành phố khác" in text_a and "Nhận từ tỉnh/thành phố khác" in text_a
    # The review step Huế's workflow opened is Đà Nẵng's to do: left to it, not shown as done in Huế.
    review = re.search(r'<li class="step cancelled">\s*<strong>Kiểm tra, ghi sổ hộ tịch</strong>.*?</li>', text_a, re.S)
    assert review and "Chuyển tỉnh/thành phố khác thực hiện" in review[0] and "Đã thực hiện" not in review[0]
    sign_in_page(b, f"specialist.{HAI_VAN}")
    at_b = b.get(f"/dossiers/{code}")
    assert at_b.status_code == 200
    text_b = at_b.get_data(as_text=True)
    assert "Tiếp nhận tại Phường Phú Xuân, Thành phố Huế" in text_b
    assert "Lần cuối nhận từ tỉnh/thành phố khác: hồ sơ bổ sung của người nộp" in text_b  # B's state: what came
    # The receipt, with the secret the citizen holds, is Huế's: Đà Nẵng neither offers nor prints one.
    assert "kind=receipt" not in text_b and "/slips/receipt" not in text_b
    refused = b.get(f"{API}/dossiers/{code}/slips/receipt", headers=specialist)
    assert refused.status_code == 404 and refused.get_json()["code"] == "receipt_elsewhere"
    assert a.get(f"{API}/dossiers/{code}/slips/receipt", headers=counter).status_code == 200

    # Đà Nẵng reviews, issues the signed result and signs: it comes back to Huế, which returns it; Đà Nẵng is told;
    # the citizen downloads Đà Nẵng's signed result from Huế.
    leader = sign_in(b, f"leader.{HAI_VAN}")
    complete_step(b, specialist, code, "review")
    assert b.post(f"{API}/dossiers/{code}/result", headers=leader).status_code == 201
    complete_step(b, leader, code, "sign")
    pair.deliver()
    assert dossier(a, counter, code)["status"] == "result_ready"
    assert a.get(f"{API}/public/dossiers/{code}", query_string={"secret": secret}).get_json()["has_result"] is True
    assert return_result(a, counter, code).status_code == 200
    pair.deliver()
    assert dossier(b, specialist, code)["status"] == "returned"
    download = a.get(f"{API}/public/dossiers/{code}/result", query_string={"secret": secret}, buffered=True)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    page = a.get("/", query_string={"code": code, "secret": secret}).get_data(as_text=True)
    assert 'id="result-download"' in page and "Đang giải quyết tại" not in page
    assert [status for status, _ in pair.transports[HUE].answers + pair.transports[DA_NANG].answers] == [200] * 6

    # Counted once on each side, each in its part: at Huế's centre; at Đà Nẵng in no centre, as its unit's part.
    pair.clock.now += timedelta(hours=1)  # the figures are as of now: what happened at 09:00 is in them
    at_hue = province_figures(a, sign_in(a, f"supervisor.{HUE}"), HUE)
    at_da_nang = province_figures(b, sign_in(b, f"supervisor.{DA_NANG}"), DA_NANG)
    phu_xuan = next(c for c in at_hue["centres"] if c["id"] == PHU_XUAN)
    assert (at_hue["totals"]["received"], phu_xuan["figures"]["received"], phu_xuan["figures"]["resolved"]) == (1, 1, 1)
    assert at_hue["from_other_provinces"] == []
    assert [(g["id"], g["name"]) for g in at_hue["competent_units"]] == [(HAI_VAN, "Phường Hải Vân")]  # named there
    assert at_da_nang["totals"]["total"] == 0
    assert [(g["id"], g["figures"]["total"], g["figures"]["resolved"])
            for g in at_da_nang["from_other_provinces"]] == [(HAI_VAN, 1, 1)]
    # Each count of that table leads to its dossiers (the same query), as every figure of the report does.
    behind = b.get(f"{API}/stats/dossiers", headers=sign_in(b, f"supervisor.{DA_NANG}"), query_string={
        **JULY, "unit_id": DA_NANG, "figure": "resolved", "group": f"from_other_provinces:{HAI_VAN}"}).get_json()
    assert (behind["total"], [d["code"] for d in behind["items"]]) == (1, [code])
