"""The citizen's contact for notices (issue 23) through the API: given at the counter (POST /dossiers) or with a
portal submission (carried to the dossier on acceptance), checked and normalised (a bad e-mail or phone is a 422
pointing at it), never shown by the public look-ups; and the financial-obligation notice of a procedure whose
tax step records one names its amounts, total and deadline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from api import create_app
from api.settings import ROOT
from engine.domain.contact import Contact
from engine.domain.outbox import Destination
from tests.api.helpers import API, csrf_of, receive, received, sign_in, sign_in_page
from tests.api.procedures import Officers, complete_step, load
from tests.api.test_pages import _flat
from tests.conftest import PHU_XUAN, VY_DA, Clock, birth_application, make_settings

EMAIL, PHONE = "an.nguyen@example.vn", "+84912345678"
GIVEN = {"email": " An.Nguyen@Example.VN ", "phone": "0912 345 678", "consent": True}
STORED = Contact("An.Nguyen@example.vn", PHONE, True)
INTAKE = f"{API}/intake/submissions"


@pytest.fixture
def counter(client: Any) -> dict[str, str]:
    return sign_in(client, f"reception.{PHU_XUAN}")


def stored_contact(app: Any, code: str) -> Contact | None:
    with app.extensions["onestop"].uow() as uow:
        dossier = uow.dossiers.get(code)
    assert dossier is not None
    return dossier.contact  # type: ignore[no-any-return]


def test_the_contact_given_at_the_counter_is_stored_normalised_and_never_public(app: Any, client: Any,
                                                                                 counter: dict[str, str]) -> None:
    receipt = received(client, counter, contact=GIVEN)
    assert stored_contact(app, receipt["code"]) == STORED
    assert "contact" not in receipt
    public = client.get(f"{API}/public/dossiers/{receipt['code']}", query_string={"secret": receipt["secret"]})
    assert public.status_code == 200
    shown = public.get_data(as_text=True).lower()
    assert "an.nguyen" not in shown and "912345678" not in shown and "contact" not in shown


def test_a_contact_without_consent_is_kept_and_none_is_no_contact(app: Any, client: Any,
                                                                  counter: dict[str, str]) -> None:
    kept = received(client, counter, contact={"phone": "+84 912 345 678"})
    assert stored_contact(app, kept["code"]) == Contact(None, PHONE, False)
    assert stored_contact(app, received(client, counter)["code"]) is None


@pytest.mark.parametrize(("contact", "pointer"), [
    ({"email": "an.nguyen@", "consent": True}, "/contact/email"),
    ({"email": "an@example.vn\r\nBcc: all@example.vn", "consent": True}, "/contact/email"),
    ({"phone": "77777", "consent": True}, "/contact/phone"),
    ({"phone": "0234 3822 000", "consent": True}, "/contact/phone"),  # a landline gets no SMS
    ({"phone": PHONE, "consent": "yes"}, "/contact/consent"),
    ({"phone": PHONE, "consent": True, "name": "An"}, "/contact/name"),
])
def test_a_bad_contact_is_a_422_pointing_at_it_and_nothing_is_received(client: Any, counter: dict[str, str],
                                                                      contact: dict[str, Any], pointer: str) -> None:
    response = receive(client, counter, contact=contact)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert [e["pointer"] for e in problem["errors"]] == [pointer]
    text = response.get_data(as_text=True)
    typed = [contact[name] for name in ("email", "phone") if pointer == f"/contact/{name}"]
    assert [value for value in typed if value in text] == []  # not echoed
    listed = client.get(f"{API}/dossiers", headers=counter).get_json()
    assert listed["total"] == 0


def test_a_portal_submission_carries_its_contact_to_the_dossier(app: Any, client: Any,
                                                               counter: dict[str, str]) -> None:
    portal = sign_in(client, "portal.46")
    body = {"reference": "G22.46-250714-0007", "centre_id": PHU_XUAN, "procedure_code": "1.001193",
            "application": birth_application(VY_DA), "contact": GIVEN,
            "components": [{"name": "Tờ khai", "form": "electronic", "document": 0},
                           {"name": "Giấy chứng sinh", "form": "electronic", "document": 1}]}
    bad = client.post(INTAKE, json={**body, "contact": {"phone": "09123", "consent": True}}, headers=portal)
    assert bad.status_code == 422 and [e["pointer"] for e in bad.get_json()["errors"]] == ["/contact/phone"]
    submitted = client.post(INTAKE, json=body, headers=portal)
    assert submitted.status_code == 201, submitted.get_json()
    assert "contact" not in submitted.get_json()
    again = client.post(INTAKE, json={**body, "contact": {**GIVEN, "phone": "0987654321"}}, headers=portal)
    assert again.status_code == 409  # the same reference with another contact is other content
    with app.extensions["onestop"].uow() as uow:
        assert uow.submissions.get(submitted.get_json()["id"]).contact == STORED
    public = client.get(f"{API}/public/submissions/{body['reference']}")
    assert public.status_code == 200 and "912345678" not in public.get_data(as_text=True)
    accepted = client.post(f"{INTAKE}/{submitted.get_json()['id']}/accept", json={}, headers=counter)
    assert accepted.status_code in (200, 201), accepted.get_json()
    assert stored_contact(app, accepted.get_json()["code"]) == STORED


@pytest.fixture
def mailing_app(database_url: str, clock: Clock) -> Iterator[Any]:
    """The app with e-mail notices configured: messages are written at commit (nothing is delivered here)."""
    settings = replace(make_settings(database_url), smtp_url="smtp://127.0.0.1:9?from=thongbao@hue.gov.vn")
    flask_app = create_app({"TESTING": True, "SETTINGS": settings, "WIRING": {"clock": clock}})
    yield flask_app
    flask_app.extensions["onestop"].engine.dispose()


def test_the_financial_obligation_notice_names_what_the_tax_step_recorded(mailing_app: Any) -> None:
    client = mailing_app.test_client()
    officers = Officers(client)
    path = ROOT / "processes" / "land_change_registration" / "scenarios" / "straight.json"
    scenario = load(path)
    body = {"procedure_code": "1.013831", "application": scenario["application"],
            "reception": scenario["steps"][0]["data"], "contact": {"email": EMAIL, "consent": True}}
    response = client.post(f"{API}/dossiers", json=body, headers=officers(f"reception.{PHU_XUAN}"))
    assert response.status_code == 201, response.get_json()
    receipt = response.get_json()
    for step in scenario["steps"][1:3]:  # appraisal, then the tax step records the notice: the dossier waits
        dossier = complete_step(client, officers, receipt, step)
    assert dossier["status"] == "awaiting_payment"
    with mailing_app.extensions["onestop"].uow() as uow:
        messages = uow.outbox.of_dossier(uow.dossiers.get(receipt["code"]).id)
    assert [m.kind for m in messages if m.destination == Destination.EMAIL] == ["received", "financial_obligation"]
    body_text = messages[-1].payload["body"]
    assert "thông báo nộp tiền số TB-LPTB-2025-11-08342" in body_text
    assert "57.000.000 đồng" in body_text and "Tổng cộng: 71.250.000 đồng" in body_text
    assert "trước ngày 20/12/2025" in body_text
    assert scenario["application"]["applicant"]["id_number"] not in str([m.payload for m in messages])


def test_the_counter_page_takes_the_contact_and_the_consent(app: Any, client: Any) -> None:
    sign_in_page(client, f"reception.{PHU_XUAN}")
    page = client.get("/counter/1.001193").get_data(as_text=True)
    phone = re.search(r'<input[^>]*name="/contact/phone"[^>]*>', page)
    assert phone and 'data-prefill-from="/application/applicant/phone"' in phone.group(0)
    assert "Đồng ý nhận thông báo về hồ sơ qua thư điện tử / tin nhắn" in page
    form = _flat(birth_application(VY_DA)) | {"csrf_token": csrf_of(client), "document": ["0", "1"]}

    wrong = client.post("/counter/1.001193", data=form | {"/contact/phone": "0912", "/contact/consent": "1",
                                                          "/contact/email": EMAIL})
    assert wrong.status_code == 422
    shown = wrong.get_data(as_text=True)
    assert re.search(r'name="/contact/phone"[^>]*value="0912"[^>]*aria-invalid="true"', shown)
    assert f'value="{EMAIL}"' in shown and 'name="/contact/consent" value="1" checked' in shown

    sent = client.post("/counter/1.001193", data=form | {"/contact/phone": "091 234 5678", "/contact/consent": "1",
                                                         "/contact/email": ""})
    assert sent.status_code == 302
    code = re.search(r"/dossiers/([^?]+)", sent.headers["Location"])
    assert code and stored_contact(app, code.group(1)) == Contact(None, PHONE, True)
