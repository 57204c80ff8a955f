"""The web pages through the Flask client: sign-in and its CSRF token, who may see which page, the
counter's form errors and idempotent resubmission, the actions a dossier page offers, the language
switch, and the citizen's page showing nothing personal."""

from __future__ import annotations

import re
from typing import Any

from tests.api.helpers import csrf_of as _csrf
from tests.api.helpers import received, sign_in, step_data, task_of
from tests.api.helpers import sign_in_page as _log_in
from tests.conftest import PASSWORD, VY_DA, birth_application


def _flat(values: dict[str, Any], prefix: str = "/application") -> dict[str, str]:
    form: dict[str, str] = {}
    for name, value in values.items():
        if isinstance(value, dict):
            form |= _flat(value, f"{prefix}/{name}")
        else:
            form[f"{prefix}/{name}"] = str(value)
    return form


def test_pages_for_officers_send_strangers_to_sign_in_and_back(client: Any) -> None:
    response = client.get("/inbox?status=completed")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/inbox")


def test_sign_in_needs_the_forms_csrf_token_and_the_right_password(client: Any) -> None:
    assert client.post("/login", data={"username": "reception.19768", "password": PASSWORD}).status_code == 401
    wrong = client.post("/login", data={"username": "reception.19768", "password": "nope",
                                        "csrf_token": _csrf(client)})
    assert wrong.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in wrong.get_data(as_text=True)


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(client: Any) -> None:
    token = _csrf(client)
    inside = client.post("/login", data={"username": "specialist.19777", "password": PASSWORD, "csrf_token": token,
                                         "next": "/dossiers?status=processing"})
    assert inside.headers["Location"] == "/dossiers?status=processing"
    outside = client.post("/login", data={"username": "specialist.19777", "password": PASSWORD,
                                          "csrf_token": _csrf(client), "next": "//evil.example/x"})
    assert outside.headers["Location"] == "/inbox"


def test_a_page_post_without_the_csrf_token_changes_nothing(client: Any) -> None:
    _log_in(client, "reception.19768")
    response = client.post("/counter/1.001193", data=_flat(birth_application(VY_DA)))

    assert response.status_code == 302
    listed = client.get("/dossiers").get_data(as_text=True)
    assert "19768-" not in listed


def test_the_api_accepts_the_session_only_with_the_csrf_header(client: Any) -> None:
    _log_in(client, "admin.46")
    bpmn = client.get("/api/v1/process-models/1.001193").get_json()["bpmn"]

    refused = client.post("/api/v1/process-models/1.001193/validate", json={"bpmn": bpmn})
    accepted = client.post("/api/v1/process-models/1.001193/validate", json={"bpmn": bpmn},
                           headers={"X-CSRF-Token": _csrf(client, "/admin/procedures")})

    assert refused.status_code == 403
    assert accepted.status_code == 200 and accepted.get_json()["valid"] is True


def test_counter_shows_each_error_beside_its_field_and_keeps_what_was_typed(client: Any) -> None:
    _log_in(client, "reception.19768")
    form = _flat(birth_application(VY_DA)) | {"/application/mother/id_number": "12AB", "csrf_token": _csrf(client),
                                             "document": ["0", "1"]}
    del form["/application/child/full_name"]

    response = client.post("/counter/1.001193", data=form)
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert re.search(r'id="f-application-child-full_name-error" class="error">Bắt buộc nhập.<', page)
    assert re.search(r'id="f-application-mother-id_number-error" class="error">Không đúng định dạng.<', page)
    assert 'value="Trần Thị Bích Ngọc"' in page
    assert "12AB" in page  # the officer's own input comes back to be corrected


def test_counter_resubmission_with_the_same_form_makes_one_dossier(client: Any) -> None:
    _log_in(client, "reception.19768")
    page = client.get("/counter/1.001193").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page)
    assert key
    form = _flat(birth_application(VY_DA)) | {"csrf_token": _csrf(client), "idempotency_key": key.group(1),
                                             "document": ["0", "1"], "return_method": "post"}

    first = client.post("/counter/1.001193", data=form)
    again = client.post("/counter/1.001193", data=form)

    assert first.status_code == again.status_code == 302
    assert first.headers["Location"].split("?")[0] == again.headers["Location"].split("?")[0]
    detail = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Qua dịch vụ bưu chính" in detail


def test_counter_rejects_an_unknown_return_method_as_a_form_error(client: Any) -> None:
    _log_in(client, "reception.19768")
    form = _flat(birth_application(VY_DA)) | {"csrf_token": _csrf(client), "return_method": "pigeon"}

    assert client.post("/counter/1.001193", data=form).status_code == 422


def test_a_missing_required_document_is_not_received_and_the_guidance_lists_it(client: Any) -> None:
    _log_in(client, "reception.19768")
    form = _flat(birth_application(VY_DA)) | {"csrf_token": _csrf(client), "document": ["0"]}

    response = client.post("/counter/1.001193", data=form)
    page = response.get_data(as_text=True)

    assert response.status_code == 422  # the counter guides the applicant instead (test_intake_pages.py)
    assert re.search(r'id="documents-error"[^>]*>Chưa có thành phần bắt buộc: Giấy chứng sinh', page)
    assert re.search(r'<textarea id="items" name="items"[^>]*>Giấy chứng sinh</textarea>', page)
    # Accept is not disabled by the server (the page works without JavaScript); the hint says why it is refused.
    assert re.search(r'<button type="submit" name="decision" value="accept" class="primary">', page)
    assert re.search(r'<p class="muted" id="accept-hint">', page)


def test_the_dossier_page_offers_each_officer_only_what_they_may_do(client: Any) -> None:
    code = received(client, sign_in(client, "reception.19768"))["code"]
    offered = {}
    for username in ("reception.19768", "specialist.19777", "leader.19777"):
        _log_in(client, username)
        page = client.get(f"/dossiers/{code}").get_data(as_text=True)
        offered[username] = set(re.findall(r'id="action-([a-z_]+)"', page))
        client.post("/logout")

    assert offered["reception.19768"] == {"withdraw"}  # what is missing is the handling unit's to ask now
    assert offered["specialist.19777"] == {"request_supplement", "stop", "extend"}
    assert offered["leader.19777"] == set()


def test_an_action_from_the_page_goes_through_the_service_and_its_rules(client: Any) -> None:
    code = received(client, sign_in(client, "reception.19768"))["code"]
    _log_in(client, "specialist.19777")
    token = _csrf(client, f"/dossiers/{code}")

    empty = client.post(f"/dossiers/{code}/actions/stop", data={"csrf_token": token, "reasons": ""})
    assert "reasons" in client.get(empty.headers["Location"]).get_data(as_text=True)
    done = client.post(f"/dossiers/{code}/actions/stop", data={"csrf_token": token, "reasons": "Giấy tờ giả"})
    page = client.get(done.headers["Location"]).get_data(as_text=True)

    assert "Dừng xử lý" in page
    assert "Thông báo dừng giải quyết (1)" in page


def test_completing_a_step_with_bad_data_shows_the_errors_on_its_form(client: Any) -> None:
    code = received(client, sign_in(client, "reception.19768"))["code"]
    task = task_of(client, sign_in(client, "specialist.19777"), code, "review")
    assert task
    _log_in(client, "specialist.19777")
    token = _csrf(client, f"/dossiers/{code}")

    response = client.post(f"/dossiers/{code}/tasks/{task['id']}", data={
        "csrf_token": token, f"/tasks/{task['id']}/register_book": step_data("review")["register_book"],
        f"/tasks/{task['id']}/register_number": "abc"})

    assert response.status_code == 422
    assert re.search(rf'id="f-tasks-{task["id"]}-register_number-error" class="error">Sai kiểu dữ liệu.<',
                     response.get_data(as_text=True))


def test_other_units_officers_cannot_open_the_dossier_page(client: Any) -> None:
    code = received(client, sign_in(client, "reception.19768"))["code"]
    _log_in(client, "specialist.19930")

    response = client.get(f"/dossiers/{code}")

    assert response.status_code == 403
    assert response.mimetype == "text/html"


def test_admin_pages_are_for_admins(client: Any) -> None:
    _log_in(client, "leader.19777")

    assert client.get("/admin/procedures").status_code == 403
    assert client.get("/admin/procedures/1.001193/diagram").status_code == 403


def test_english_switch_keeps_the_page_and_translates_it(client: Any) -> None:
    _log_in(client, "reception.19768")
    response = client.get("/lang/en?next=/counter")

    assert response.headers["Location"] == "/counter"
    page = client.get("/counter").get_data(as_text=True)
    assert '<html lang="en">' in page and "Receive a dossier" in page
    assert client.get("/lang/en?next=https://evil.example").headers["Location"] == "/"


def test_citizen_page_shows_the_status_and_nothing_personal(client: Any) -> None:
    receipt = received(client, sign_in(client, "reception.19768"))

    page = client.get("/", query_string={"code": receipt["code"], "secret": receipt["secret"]})
    wrong = client.get("/", query_string={"code": receipt["code"], "secret": "ZZZZ"})
    text = page.get_data(as_text=True)

    assert page.status_code == 200 and "Đang xử lý" in text
    application = birth_application(VY_DA)
    for personal in (application["applicant"]["id_number"], application["applicant"]["phone"],
                     application["applicant"]["full_name"], application["residence"]["address"]):
        assert personal not in text
    assert wrong.status_code == 404 and "Không tìm thấy hồ sơ" in wrong.get_data(as_text=True)
    assert 'name="level"' not in text  # rating opens only once the result is returned


def test_pages_cannot_be_framed(client: Any) -> None:
    assert client.get("/login").headers["X-Frame-Options"] == "DENY"
