"""The outbox as admins watch it, over the API and on its page (both databases): the backlog per destination,
the messages with their dossiers' codes and masked errors but never their payloads, and sending a parked message
again; every other role is refused."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from engine.domain.outbox import DeliveryFailed, Destination, MessageStatus, OutboundMessage
from engine.services import outbound
from tests.api.helpers import API, csrf_of, received, sign_in, sign_in_page
from tests.conftest import PHU_XUAN, VY_DA, Clock

SECRET_ID = "079201001234"  # what a payload carries and no answer may show
PAYLOAD = {"ChuHoSo": "Nguyễn Văn An", "SoGiayTo": SECRET_ID, "Email": "an.nguyen@example.com"}


class Receiver:
    """A transport that delivers, or refuses a message whose key it was told to refuse."""

    def __init__(self, refuse: dict[str, DeliveryFailed] | None = None):
        self.refuse, self.arrived = refuse or {}, []

    def deliver(self, message: OutboundMessage) -> None:
        if message.key in self.refuse:
            raise self.refuse[message.key]
        self.arrived.append(message.key)


def _write(app: Any, *messages: OutboundMessage) -> list[int]:
    with app.extensions["onestop"].uow() as uow:
        uow.outbox.add(list(messages))
        uow.commit()
    return [m.id or 0 for m in messages]


def _message(destination: Destination, key: str, at: Any, dossier_id: int | None = None,
             kind: str = "DongBoHoSoMC") -> OutboundMessage:
    stream = f"{destination.value}:dossier:{dossier_id or key}"
    return OutboundMessage(destination, kind, stream, key, PAYLOAD, at, dossier_id=dossier_id)


def _deliver(app: Any, clock: Clock, receivers: dict[Destination, Receiver]) -> int:
    w = app.extensions["onestop"]
    return outbound.deliver_due(w.uow, transports=receivers, clock=clock)


def _dossier_id(app: Any, code: str) -> int:
    with app.extensions["onestop"].uow() as uow:
        dossier = uow.dossiers.get(code)
    assert dossier is not None and dossier.id is not None
    return dossier.id


@pytest.fixture
def admin(client: Any) -> dict[str, str]:
    return sign_in(client, "admin.46")


@pytest.fixture
def sent(app: Any, client: Any, clock: Clock) -> dict[str, Any]:
    """Two dossier records for the portal (one refused and parked, the other behind it), an e-mail delivered and
    an SMS still pending, written an hour apart and delivered by fake receivers."""
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]
    dossier_id = _dossier_id(app, code)
    start = clock()
    ids = _write(app, _message(Destination.DVCQG, "record", start, dossier_id),
                 _message(Destination.DVCQG, "progress", start + timedelta(minutes=1), dossier_id,
                          "CapNhatTienDoHoSoMC"))
    clock.now += timedelta(hours=1)
    ids += _write(app, _message(Destination.EMAIL, "mail", clock(), dossier_id, "received"),
                  _message(Destination.SMS, "sms", clock(), None, "received"))
    refusal = DeliveryFailed(f"SoGiayTo {SECRET_ID} of an.nguyen@example.com (0912 345 678) not valid",
                             permanent=True)
    _deliver(app, clock, {Destination.DVCQG: Receiver({"record": refusal}), Destination.EMAIL: Receiver()})
    clock.now += timedelta(minutes=30)
    return {"code": code, "record": ids[0], "progress": ids[1], "mail": ids[2], "sms": ids[3], "start": start}


def test_the_summary_counts_each_destination_and_ages_its_oldest_undelivered_message(
        client: Any, admin: dict[str, str], sent: dict[str, Any], clock: Clock) -> None:
    response = client.get(f"{API}/outbox/summary", headers=admin)

    assert response.status_code == 200
    lines = {line["destination"]: line for line in response.get_json()}
    assert set(lines) == {"dvcqg", "email", "sms", "province"}
    dvcqg, email, sms = lines["dvcqg"], lines["email"], lines["sms"]
    assert (dvcqg["pending"], dvcqg["parked"], dvcqg["delivered"], dvcqg["failed_attempts"]) == (1, 1, 0, 1)
    # The parked record (holding the progress behind it) has waited since it was written, an hour and a half ago.
    assert dvcqg["oldest_undelivered_age_seconds"] == 90 * 60
    assert dvcqg["oldest_undelivered_at"].endswith("+07:00")
    assert (email["pending"], email["delivered"], email["oldest_undelivered_at"],
            email["oldest_undelivered_age_seconds"]) == (0, 1, None, None)
    assert (sms["pending"], sms["oldest_undelivered_age_seconds"]) == (1, 30 * 60)


def test_the_list_puts_the_undelivered_first_with_dossier_codes_and_masked_errors_never_payloads(
        client: Any, admin: dict[str, str], sent: dict[str, Any]) -> None:
    response = client.get(f"{API}/outbox", headers=admin)

    assert response.status_code == 200
    body = response.get_json()
    assert [m["id"] for m in body["items"]] == [sent["sms"], sent["progress"], sent["record"], sent["mail"]]
    assert body["total"] == 4
    record = body["items"][2]
    assert (record["status"], record["attempts"], record["dossier_code"], record["kind"]) \
        == ("parked", 1, sent["code"], "DongBoHoSoMC")
    assert record["last_error"] == "SoGiayTo [id-number] of [email] ([phone]) not valid"
    assert body["items"][0]["dossier_code"] is None
    assert body["items"][3]["delivered_at"] is not None
    assert set(record) == {"id", "destination", "kind", "dossier_code", "status", "attempts", "last_error",
                           "created_at", "next_attempt_at", "delivered_at"}
    text = json.dumps(body, ensure_ascii=False)
    assert SECRET_ID not in text and "Nguyễn Văn An" not in text and "example.com" not in text


def test_the_error_is_masked_when_it_is_recorded(app: Any, sent: dict[str, Any]) -> None:
    with app.extensions["onestop"].uow() as uow:
        stored = uow.outbox.get(sent["record"])

    assert stored is not None and stored.last_error == "SoGiayTo [id-number] of [email] ([phone]) not valid"


@pytest.mark.parametrize(("query", "expected"), [
    ({"status": "parked"}, ["record"]),
    ({"status": "pending"}, ["sms", "progress"]),
    ({"status": "delivered"}, ["mail"]),
    ({"destination": "dvcqg"}, ["progress", "record"]),
    ({"destination": "sms", "status": "pending"}, ["sms"]),
    ({"destination": "email", "status": "pending"}, []),
    ({"limit": 2, "offset": 1}, ["progress", "record"]),
])
def test_the_list_filters_by_status_and_destination_and_pages(client: Any, admin: dict[str, str],
                                                              sent: dict[str, Any], query: dict[str, Any],
                                                              expected: list[str]) -> None:
    body = client.get(f"{API}/outbox", query_string=query, headers=admin).get_json()

    assert [m["id"] for m in body["items"]] == [sent[key] for key in expected]
    assert body["total"] == (4 if "limit" in query else len(expected))


@pytest.mark.parametrize("query", [{"status": "lost"}, {"destination": "fax"}, {"limit": 0}, {"offset": -1}])
def test_a_filter_out_of_its_values_is_a_422(client: Any, admin: dict[str, str], query: dict[str, Any]) -> None:
    response = client.get(f"{API}/outbox", query_string=query, headers=admin)

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_retrying_a_parked_message_makes_it_pending_and_the_worker_delivers_its_stream(
        app: Any, client: Any, admin: dict[str, str], sent: dict[str, Any], clock: Clock) -> None:
    response = client.post(f"{API}/outbox/{sent['record']}/retry", headers=admin)

    assert response.status_code == 200
    retried = response.get_json()
    assert (retried["id"], retried["status"], retried["attempts"], retried["dossier_code"]) \
        == (sent["record"], "pending", 0, sent["code"])
    portal = Receiver()
    _deliver(app, clock, {Destination.DVCQG: portal})
    assert portal.arrived == ["record", "progress"]


@pytest.mark.parametrize(("which", "status"), [("progress", "pending"), ("mail", "delivered")])
def test_retrying_a_message_that_is_not_parked_is_a_conflict_with_its_status(
        client: Any, admin: dict[str, str], sent: dict[str, Any], which: str, status: str) -> None:
    response = client.post(f"{API}/outbox/{sent[which]}/retry", headers=admin)

    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert (response.get_json()["current_status"], response.get_json()["code"]) \
        == (status, "outbox_message_not_parked")


def test_retrying_twice_is_a_conflict_the_second_time(client: Any, admin: dict[str, str],
                                                       sent: dict[str, Any]) -> None:
    first = client.post(f"{API}/outbox/{sent['record']}/retry", headers=admin)
    second = client.post(f"{API}/outbox/{sent['record']}/retry", headers=admin)

    assert (first.status_code, second.status_code, second.get_json()["current_status"]) == (200, 409, "pending")


def test_retrying_an_unknown_message_is_not_found(client: Any, admin: dict[str, str]) -> None:
    response = client.post(f"{API}/outbox/987654/retry", headers=admin)

    assert response.status_code == 404
    assert response.get_json()["code"] == "outbox_message_not_found"


@pytest.mark.parametrize(("username", "expected"), [
    (None, 401), (f"reception.{PHU_XUAN}", 403), (f"specialist.{VY_DA}", 403), (f"leader.{VY_DA}", 403),
    ("supervisor.46", 403), ("portal.46", 403), ("admin.46", 200),
])
def test_only_admins_watch_the_outbox(client: Any, sent: dict[str, Any], username: str | None,
                                      expected: int) -> None:
    headers = sign_in(client, username) if username else {}

    answers = [client.get(f"{API}/outbox/summary", headers=headers).status_code,
               client.get(f"{API}/outbox", headers=headers).status_code,
               client.post(f"{API}/outbox/{sent['record']}/retry", headers=headers).status_code]

    assert answers == [expected] * 3


def test_the_page_shows_the_backlog_and_the_parked_message_and_sends_it_again(
        app: Any, sent: dict[str, Any]) -> None:
    browser = app.test_client()
    sign_in_page(browser, "admin.46")

    page = browser.get("/admin/outbox").get_data(as_text=True)

    assert 'href="/admin/outbox"' in page  # the admin menu's link
    assert sent["code"] in page and "SoGiayTo [id-number] of [email] ([phone]) not valid" in page
    assert SECRET_ID not in page and "Nguyễn Văn An" not in page and "example.com" not in page
    assert page.count("Gửi lại</button>") == 1
    assert "Cổng Dịch vụ công quốc gia" in page
    assert page.count("Thông báo: đã tiếp nhận hồ sơ") == 2 and "<code>DongBoHoSoMC</code>" in page  # notices in words
    csrf = csrf_of(browser, "/admin/outbox")
    refused = browser.post(f"/admin/outbox/{sent['record']}/retry", data={"status": "parked"})
    assert refused.status_code == 302 and _status(app, sent["record"]) == MessageStatus.PARKED
    sent_again = browser.post(f"/admin/outbox/{sent['record']}/retry", data={"csrf_token": csrf, "status": "parked"})
    assert sent_again.status_code == 302 and sent_again.location.endswith("/admin/outbox?status=parked")
    assert _status(app, sent["record"]) == MessageStatus.PENDING
    after = browser.get(sent_again.location).get_data(as_text=True)
    assert f"Thông điệp {sent['record']} sẽ được gửi lại." in after
    again = browser.post(f"/admin/outbox/{sent['record']}/retry", data={"csrf_token": csrf}, follow_redirects=True)
    assert "không còn tạm dừng" in again.get_data(as_text=True)


@pytest.mark.parametrize(("query", "shown", "hidden"), [
    ("?destination=sms", ["sms"], ["record", "mail"]),
    ("?status=delivered", ["mail"], ["record", "sms"]),
    ("?status=lost", ["record", "sms", "mail"], []),  # a filter not understood is dropped
])
def test_the_page_filters_its_list(app: Any, sent: dict[str, Any], query: str, shown: list[str],
                                   hidden: list[str]) -> None:
    browser = app.test_client()
    sign_in_page(browser, "admin.46")

    page = browser.get(f"/admin/outbox{query}").get_data(as_text=True)

    assert all(f'id="message-{sent[key]}"' in page for key in shown)
    assert not any(f'id="message-{sent[key]}"' in page for key in hidden)


def test_the_page_is_for_admins(app: Any, sent: dict[str, Any]) -> None:
    answers = {}
    for username in (f"reception.{PHU_XUAN}", "supervisor.46", "admin.46"):
        browser = app.test_client()
        sign_in_page(browser, username)
        answers[username] = browser.get("/admin/outbox").status_code

    assert answers == {f"reception.{PHU_XUAN}": 403, "supervisor.46": 403, "admin.46": 200}
    assert app.test_client().get("/admin/outbox").status_code == 302


def _status(app: Any, message_id: int) -> MessageStatus:
    with app.extensions["onestop"].uow() as uow:
        message = uow.outbox.get(message_id)
    assert message is not None
    return message.status
