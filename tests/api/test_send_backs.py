"""Sending a step back through the API: the leader returns the signing step to the review with a reason; the
review re-opens for the specialist who did it, with the reason and a fresh allotment, while the dossier's
legal due time stays; the history and the control sheet show the return."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from tests.api.helpers import API, complete, received, sign_in, step_data, task_of
from tests.conftest import PHU_XUAN, VY_DA

REASON = "Sai ngày sinh của trẻ so với Giấy chứng sinh, đề nghị kiểm tra lại."


def _at_signing(client: Any) -> tuple[str, dict[str, Any], dict[str, str], dict[str, str]]:
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]
    specialist, leader = sign_in(client, f"specialist.{VY_DA}"), sign_in(client, f"leader.{VY_DA}")
    review = task_of(client, specialist, code, "review")
    assert review is not None
    assert complete(client, specialist, review["id"], step_data("review")).status_code == 200
    sign = task_of(client, leader, code, "sign")
    assert sign is not None
    return code, sign, specialist, leader


def _send_back(client: Any, headers: dict[str, str], task_id: str, **body: Any) -> Any:
    return client.post(f"{API}/tasks/{task_id}/send-back", json={"to": "review", "reason": REASON, **body},
                       headers=headers)


def test_a_leader_sends_the_signing_back_and_the_specialist_sees_why(app: Any, client: Any) -> None:
    clock = app.extensions["onestop"].clock
    code, sign, specialist, leader = _at_signing(client)
    before = client.get(f"{API}/dossiers/{code}", headers=leader).get_json()["dossier"]
    clock.now += timedelta(hours=1)

    response = _send_back(client, leader, sign["id"])

    assert response.status_code == 200, response.get_json()
    dossier = response.get_json()
    assert (dossier["status"], dossier["due_at"]) == ("processing", before["due_at"])  # the legal clock stays
    detail = client.get(f"{API}/dossiers/{code}", headers=specialist).get_json()
    sent = next(t for t in detail["tasks"] if t["id"] == sign["id"])
    assert sent["status"] == "sent_back" and sent["completed_at"] is not None
    again = task_of(client, specialist, code, "review")
    assert again is not None and again["id"] not in {t["id"] for t in detail["tasks"] if t["status"] != "ready"}
    assert again["sent_back_reason"] == REASON
    assert again["holder"]["name"].startswith("specialist")  # back to the officer who reviewed it
    calendar = app.extensions["onestop"].calendar
    assert again["due_at"] == _local(calendar.add_working_hours(clock.now, 4))  # review's 4 hours from the return
    event = next(e for e in detail["history"] if e["kind"] == "task_sent_back")
    assert event["data"]["from_step"] == "sign" and event["data"]["to_step"] == "review"
    assert REASON not in str(event)  # the free text stays off the hash-chained history, its digest is on it
    assert event["data"]["reason_sha256"] == hashlib.sha256(REASON.encode()).hexdigest()

    assert complete(client, specialist, again["id"], step_data("review")).status_code == 200
    signed = complete(client, leader, task_of(client, leader, code, "sign")["id"],  # type: ignore[index]
                      step_data("sign"))
    assert signed.status_code == 200 and signed.get_json()["status"] == "result_ready"
    sheet = client.get(f"{API}/dossiers/{code}/slips/control_sheet", headers=leader).get_data(as_text=True)
    assert "Trả lại bước" in sheet and REASON in sheet


def test_a_send_back_is_refused_with_a_reason(client: Any) -> None:
    code, sign, specialist, leader = _at_signing(client)

    elsewhere = _send_back(client, leader, sign["id"], to="receive")
    no_reason = _send_back(client, leader, sign["id"], reason="   ")
    by_a_specialist = _send_back(client, specialist, sign["id"])

    assert elsewhere.status_code == 422 and elsewhere.get_json()["errors"][0]["pointer"] == "/to"
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"][0]["pointer"] == "/reason"
    assert by_a_specialist.status_code == 403
    assert _send_back(client, leader, sign["id"]).status_code == 200
    twice = _send_back(client, leader, sign["id"])
    assert twice.status_code == 409
    review = task_of(client, specialist, code, "review")
    assert review is not None
    not_allowed = client.post(f"{API}/tasks/{review['id']}/send-back", json={"to": "receive", "reason": REASON},
                              headers=specialist)
    assert not_allowed.status_code == 409 and not_allowed.get_json()["code"] == "step_cannot_be_sent_back"


def test_no_step_is_sent_back_while_the_dossier_waits_for_the_applicant(client: Any) -> None:
    code, sign, _, leader = _at_signing(client)
    specialist = sign_in(client, f"specialist.{VY_DA}")
    # The leader's step is ready: as a handler, the specialist's unit may still ask for supplementation.
    asked = client.post(f"{API}/dossiers/{code}/supplement-request", headers=leader,
                        json={"reasons": "Thiếu giấy", "items": [{"name": "Giấy chứng sinh"}]})
    assert asked.status_code == 200, asked.get_json()

    response = _send_back(client, leader, sign["id"])

    assert response.status_code == 409 and response.get_json()["current_status"] == "supplement_requested"
    assert task_of(client, specialist, code, "review") is None


def _local(moment: Any) -> str:
    from engine.domain.calendar import VN_TZ

    return str(moment.astimezone(VN_TZ).isoformat())
