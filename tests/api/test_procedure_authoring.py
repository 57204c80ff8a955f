"""An admin's new procedure from the browser's fields (POST /process-models): saved as the first draft of its
code, every wrong field named by its pointer, a code or key already used refused; and the diff between two
versions or a draft and its base (…/diff, …/draft/diff)."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import API, sign_in

MODELS = f"{API}/process-models"
NEW = {"code": "1.009901", "key": "poverty_certificate", "name_vi": "Xác nhận hộ nghèo", "name_en": "Poverty "
       "certificate", "field": "social_protection", "field_name_vi": "Bảo trợ xã hội", "level": "commune",
       "working_days": 3, "limit_vi": "03 ngày làm việc", "documents": [
           {"name_vi": "Tờ khai", "form": "original", "copies": 1, "required": True},
           {"name_vi": "Giấy tờ chứng minh thu nhập", "form": "photocopy", "copies": 1, "required": False}],
       "fees": [], "cross_boundary": True, "competent_unit": "applicant_residence", "path": "standard"}


def test_a_new_procedure_is_saved_as_a_first_draft_and_published(client: Any) -> None:
    admin = sign_in(client, "admin.46")

    created = client.post(MODELS, json=NEW, headers=admin)

    assert created.status_code == 201, created.get_json()
    draft = created.get_json()
    assert draft["base_version"] is None and draft["revision"] == 1
    assert draft["manifest"]["process"]["process_id"] == "poverty_certificate"
    assert set(draft["forms"]) >= {"poverty_certificate/application", "poverty_certificate/review"}
    assert draft["manifest"]["documents"][1] == {"name": {"vi": "Giấy tờ chứng minh thu nhập", "en":
                                                          "Giấy tờ chứng minh thu nhập"},
                                                 "form": "photocopy", "copies": 1, "required": False}
    diff = client.get(f"{MODELS}/{NEW['code']}/draft/diff", headers=admin).get_json()
    assert diff["from_version"] is None and {e["kind"] for e in diff["elements"]} == {"added"}
    assert client.post(f"{MODELS}/{NEW['code']}/draft/validate", headers=admin).get_json()["valid"] is True
    published = client.post(f"{MODELS}/{NEW['code']}/draft/publish", json={"revision": 1}, headers=admin)
    assert published.status_code == 201, published.get_json()
    assert published.get_json()["version"] == 1


def test_every_wrong_field_is_named_and_nothing_is_saved(client: Any) -> None:
    admin = sign_in(client, "admin.46")
    bad = {**NEW, "code": "1.9", "key": "Bad Key", "working_days": 200, "competent_unit": "agency",
           "agency": "army", "path": "consult:army",
           "documents": [{"name_vi": "", "form": "scan", "copies": 0, "required": True}],
           "fees": [{"name_vi": "Lệ phí", "amount_vnd": -5, "per": "day"}]}

    refused = client.post(MODELS, json=bad, headers=admin)

    assert refused.status_code == 422
    pointers = {e["pointer"] for e in refused.get_json()["errors"]}
    assert pointers >= {"/code", "/key", "/working_days", "/agency", "/path", "/documents/0/name_vi",
                        "/documents/0/form", "/documents/0/copies", "/fees/0/amount_vnd", "/fees/0/per"}
    assert client.get(f"{MODELS}/1.9/draft", headers=admin).status_code == 404


def test_a_code_or_key_in_use_is_refused_on_its_field(client: Any) -> None:
    admin = sign_in(client, "admin.46")
    assert client.post(MODELS, json=NEW, headers=admin).status_code == 201

    published_code = client.post(MODELS, json={**NEW, "code": "1.001193", "key": "other_key"}, headers=admin)
    draft_code = client.post(MODELS, json={**NEW, "key": "other_key"}, headers=admin)
    draft_key = client.post(MODELS, json={**NEW, "code": "1.009902"}, headers=admin)
    published_key = client.post(MODELS, json={**NEW, "code": "1.009903", "key": "birth_registration"},
                                headers=admin)

    for response, pointer in ((published_code, "/code"), (draft_code, "/code"), (draft_key, "/key"),
                              (published_key, "/key")):
        assert response.status_code == 422, response.get_json()
        assert [e["pointer"] for e in response.get_json()["errors"]] == [pointer]


def test_the_diff_between_versions_names_the_changed_elements_and_values(client: Any) -> None:
    admin = sign_in(client, "admin.46")
    code = "2.000884"
    latest = client.get(f"{MODELS}/{code}", headers=admin).get_json()
    bpmn = latest["bpmn"].replace('name="Kiểm tra, chứng kiến việc ký"', 'name="Kiểm tra giấy tờ"')
    manifest = {**latest["manifest"], "cross_boundary": not latest["manifest"]["cross_boundary"]}
    assert client.post(f"{MODELS}/{code}/versions", json={"bpmn": bpmn, "manifest": manifest},
                       headers=admin).status_code == 201

    diff = client.get(f"{MODELS}/{code}/diff", query_string={"from": 1, "to": 2}, headers=admin).get_json()

    assert diff["elements"] == [{"element_id": "verify", "kind": "changed", "type": "userTask",
                                 "name": "Kiểm tra giấy tờ", "changes": [
                                     {"pointer": "name", "old": "Kiểm tra, chứng kiến việc ký",
                                      "new": "Kiểm tra giấy tờ"}]}]
    assert diff["manifest"] == [{"pointer": "/cross_boundary", "old": latest["manifest"]["cross_boundary"],
                                 "new": manifest["cross_boundary"]}]
    assert diff["forms"] == [] and diff["decisions"] == []
    assert client.get(f"{MODELS}/{code}/diff", query_string={"from": 1, "to": 9}, headers=admin).status_code == 404
    assert client.get(f"{MODELS}/{code}/diff", query_string={"from": 1}, headers=admin).status_code == 422


def test_the_draft_diff_shows_a_broken_diagram_without_failing(client: Any) -> None:
    admin = sign_in(client, "admin.46")
    code = "2.000884"
    assert client.put(f"{MODELS}/{code}/draft", json={"revision": 0, "bpmn": "<not-closed"},
                      headers=admin).status_code == 200

    diff = client.get(f"{MODELS}/{code}/draft/diff", headers=admin)

    assert diff.status_code == 200
    assert diff.get_json()["diagram_error"].startswith("the diagram is not well-formed XML")
    assert diff.get_json()["from_version"] == 1 and diff.get_json()["to_version"] is None


def test_only_admins_create_and_compare(client: Any) -> None:
    officer = sign_in(client, "reception.19768")

    assert client.post(MODELS, json=NEW, headers=officer).status_code == 403
    assert client.get(f"{MODELS}/2.000884/diff?from=1&to=1", headers=officer).status_code == 403
    assert client.get(f"{MODELS}/2.000884/draft/diff", headers=officer).status_code == 403
    assert client.post(MODELS, json=NEW).status_code == 401
