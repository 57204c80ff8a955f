"""The admins' procedure authoring pages: a new procedure typed in a form (each problem beside its input, rows
added and removed without a script), the forms editor of the draft with the counter's rendering beside it (a
broken JSON shows its line, a schema problem is named), saving into the draft and publishing it, and the diff."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from tests.api.helpers import csrf_of, sign_in_page

BIRTH = "1.001193"
FIELDS = {"code": "1.009911", "key": "household_poverty", "name_vi": "Xác nhận hộ nghèo", "name_en": "Poverty "
          "confirmation", "field": "social_protection", "field_name_vi": "Bảo trợ xã hội", "level": "commune",
          "working_days": "3", "limit_vi": "03 ngày làm việc", "competent_unit": "applicant_residence",
          "agency": "", "path": "standard", "cross_boundary": "1", "documents-0-name_vi": "Tờ khai",
          "documents-0-form": "original", "documents-0-copies": "1", "documents-0-required": "on"}


def _admin(client: Any) -> str:
    sign_in_page(client, "admin.46")
    return csrf_of(client, "/admin/procedures/new")


def _textarea(page: str) -> str:
    found = re.search(r'<textarea id="schema"[^>]*>(.*?)</textarea>', page, re.S)
    assert found
    return html.unescape(found.group(1))


def test_a_new_procedure_from_the_page_opens_its_diagram_and_is_listed(client: Any) -> None:
    token = _admin(client)

    created = client.post("/admin/procedures/new", data={**FIELDS, "csrf_token": token, "action": "create"})

    assert created.status_code == 302
    assert created.headers["Location"] == f"/admin/procedures/{FIELDS['code']}/diagram"
    listed = client.get("/admin/procedures").get_data(as_text=True)
    assert FIELDS["code"] in listed and "Xác nhận hộ nghèo" in listed
    diff = client.get(f"/admin/procedures/{FIELDS['code']}/diff?draft=1").get_data(as_text=True)
    assert "Tiếp nhận và chuyển hồ sơ" in diff and "<code>receive</code>" in diff


def test_each_wrong_field_is_shown_beside_its_input_and_rows_are_added_and_removed(client: Any) -> None:
    token = _admin(client)
    bad = {**FIELDS, "csrf_token": token, "code": "1.9", "working_days": "ba", "documents-0-copies": "0",
           "fees-0-name_vi": "Lệ phí", "fees-0-amount_vnd": "-5", "fees-0-per": "case"}

    refused = client.post("/admin/procedures/new", data={**bad, "action": "create"})
    added = client.post("/admin/procedures/new", data={**bad, "action": "add-documents"})
    removed = client.post("/admin/procedures/new", data={**bad, "action": "remove-fees-0"})

    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    for name in ("code", "working_days", "documents-0-copies", "fees-0-amount_vnd"):
        assert re.search(rf'id="in-{name}-error" class="error">[^<]+<', page), name
    assert 'value="Lệ phí"' in page  # what was typed stays
    assert added.status_code == 200 and 'name="documents-1-name_vi"' in added.get_data(as_text=True)
    assert 'name="fees-0-name_vi"' not in removed.get_data(as_text=True)
    assert client.get(f"/api/v1/process-models/{FIELDS['code']}/draft").status_code in (401, 404)


def test_the_preview_renders_the_form_and_names_its_problems(client: Any) -> None:
    token = _admin(client)
    path = f"/admin/procedures/{BIRTH}/forms/preview"
    form_id = "birth_registration/review"
    good = {"type": "object", "properties": {"decision": {"type": "string", "title": "Ý kiến đề xuất"}}}

    rendered = client.post(path, data={"csrf_token": token, "form_id": form_id, "schema": json.dumps(good)})
    broken = client.post(path, data={"csrf_token": token, "form_id": form_id,
                                     "schema": '{\n  "type": "object",\n  oops\n}'})
    invalid = client.post(path, data={"csrf_token": token, "form_id": form_id, "schema": '{"type": 12}'})
    bad_ref = client.post(path, data={"csrf_token": token, "form_id": form_id,
                                      "schema": '{"properties": {"a": {"$ref": "nowhere#/x"}}}'})
    no_csrf = client.post(path, data={"form_id": form_id, "schema": "{}"})

    assert rendered.get_json()["problems"] == [] and "Ý kiến đề xuất" in rendered.get_json()["html"]
    assert 'name="/preview/decision"' in rendered.get_json()["html"]
    assert broken.get_json()["line"] == 3 and "line 3" in broken.get_json()["problems"][0]
    assert broken.get_json()["html"] is None
    assert "not a valid JSON Schema" in invalid.get_json()["problems"][0]
    assert "form 'birth_registration/review'" in bad_ref.get_json()["problems"][0]
    assert no_csrf.status_code == 302  # a stale form: back to where it came from, nothing done


def test_a_form_saved_into_the_draft_is_published_and_the_counter_shows_it(client: Any) -> None:
    token = _admin(client)
    page = client.get(f"/admin/procedures/{BIRTH}/forms?form_id=birth_registration/application")
    shown = page.get_data(as_text=True)
    assert 'id="form-preview"' in shown and "Người đi đăng ký khai sinh" in shown  # the counter's rendering
    schema = json.loads(_textarea(page.get_data(as_text=True)))
    schema["properties"]["child"]["properties"]["place_of_birth"]["title"] = "Nơi sinh (cơ sở y tế)"
    form = {"csrf_token": token, "form_id": "birth_registration/application", "schema": json.dumps(schema)}

    broken = client.post(f"/admin/procedures/{BIRTH}/forms", data={**form, "revision": "0", "schema": "{oops"})
    unstorable = client.post(f"/admin/procedures/{BIRTH}/forms", data={**form, "revision": "0",
                                                                       "schema": '{"title": "\\ud800"}'})
    saved = client.post(f"/admin/procedures/{BIRTH}/forms", data={**form, "revision": "0", "action": "save"})
    stale = client.post(f"/admin/procedures/{BIRTH}/forms", data={**form, "revision": "0", "action": "save"})
    published = client.post(f"/admin/procedures/{BIRTH}/forms", data={**form, "revision": "1", "action": "publish"})

    assert broken.status_code == 422 and "line 1" in broken.get_data(as_text=True)
    assert unstorable.status_code == 422 and "unpaired UTF-16 surrogate" in unstorable.get_data(as_text=True)
    assert saved.status_code == 302
    assert stale.status_code == 422  # someone (here: the same admin) saved the draft since revision 0
    assert published.status_code == 302
    assert "Đã ban hành phiên bản 2" in client.get(published.headers["Location"]).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    sign_in_page(client, "reception.19768")
    assert "Nơi sinh (cơ sở y tế)" in client.get(f"/counter/{BIRTH}").get_data(as_text=True)


def test_forms_are_added_and_only_unused_ones_removed(client: Any) -> None:
    token = _admin(client)
    url = f"/admin/procedures/{BIRTH}/forms"

    added = client.post(url, data={"csrf_token": token, "revision": "0", "action": "add", "name": "extra_check"})
    in_use = client.post(url, data={"csrf_token": token, "revision": "1", "action": "remove",
                                    "remove": "birth_registration/review"})
    removed = client.post(url, data={"csrf_token": token, "revision": "1", "action": "remove",
                                     "remove": "birth_registration/extra_check"})

    assert added.status_code == 302 and "extra_check" in added.headers["Location"]
    assert in_use.status_code == 422
    assert removed.status_code == 302
    draft = client.get(f"/api/v1/process-models/{BIRTH}/draft").get_json() or {}
    assert "birth_registration/extra_check" not in draft.get("forms", {})


def test_the_diff_page_names_the_changed_step(client: Any) -> None:
    token = _admin(client)
    page = client.get(f"/admin/procedures/{BIRTH}/forms?form_id=birth_registration/review").get_data(as_text=True)
    schema = json.loads(_textarea(page))
    schema["title"] = "Thẩm định (đã sửa)"
    assert client.post(f"/admin/procedures/{BIRTH}/forms", data={
        "csrf_token": token, "form_id": "birth_registration/review", "revision": "0", "action": "publish",
        "schema": json.dumps(schema)}).status_code == 302

    diff = client.get(f"/admin/procedures/{BIRTH}/diff?from=1&to=2")
    listed = client.get("/admin/procedures").get_data(as_text=True)

    assert diff.status_code == 200
    assert "birth_registration/review" in diff.get_data(as_text=True)
    assert "Thẩm định (đã sửa)" in html.unescape(diff.get_data(as_text=True))
    assert f"/admin/procedures/{BIRTH}/diff?from=1&amp;to=2" in listed
    assert client.get(f"/admin/procedures/{BIRTH}/diff").status_code == 400
