"""An admin's saved draft of a procedure (/process-models/{code}/draft): opened from the latest version,
saved part by part under its revision, checked, published as the next version, discarded; two admins never
overwrite each other's changes unseen."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import API, sign_in

MODELS = f"{API}/process-models"
CODE = "2.000884"  # signature certification


def _draft(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(f"{MODELS}/{CODE}/draft", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _save(client: Any, headers: dict[str, str], **body: Any) -> Any:
    return client.put(f"{MODELS}/{CODE}/draft", json=body, headers=headers)


def _renamed(bpmn: str) -> str:
    return bpmn.replace('name="Kiểm tra, chứng kiến việc ký"', 'name="Kiểm tra giấy tờ, chứng kiến việc ký"')


def test_an_unsaved_draft_is_the_latest_version(client: Any) -> None:
    admin = sign_in(client, "admin.46")
    draft = _draft(client, admin)
    latest = client.get(f"{MODELS}/{CODE}", headers=admin).get_json()

    assert draft["revision"] == 0 and draft["base_version"] == latest["version"] == 1
    assert draft["bpmn"] == latest["bpmn"] and draft["forms"] == latest["forms"]
    assert draft["updated_by"] is None
    assert client.get(f"{MODELS}/9.999999/draft", headers=admin).status_code == 404


def test_saved_parts_are_kept_and_published_as_the_next_version(client: Any) -> None:
    admin = sign_in(client, "admin.46")
    draft = _draft(client, admin)
    saved = _save(client, admin, revision=0, bpmn=_renamed(draft["bpmn"]))
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["revision"] == 1 and saved.get_json()["updated_by"] == "admin.46"
    assert _draft(client, admin)["bpmn"] == _renamed(draft["bpmn"])
    assert client.get(f"{MODELS}/{CODE}", headers=admin).get_json()["version"] == 1  # nothing published yet

    checked = client.post(f"{MODELS}/{CODE}/draft/validate", headers=admin)
    published = client.post(f"{MODELS}/{CODE}/draft/publish", json={"revision": 1}, headers=admin)

    assert checked.get_json() == {"valid": True, "problems": []}
    assert published.status_code == 201, published.get_json()
    assert published.get_json()["version"] == 2
    latest = client.get(f"{MODELS}/{CODE}", headers=admin).get_json()
    assert latest["bpmn"] == _renamed(draft["bpmn"]) and latest["forms"] == draft["forms"]
    assert _draft(client, admin)["revision"] == 0  # the draft is gone: the new version is the draft now


def test_a_second_admin_saving_an_older_revision_gets_409(client: Any) -> None:
    admin = sign_in(client, "admin.46")
    draft = _draft(client, admin)
    assert _save(client, admin, revision=0, bpmn=_renamed(draft["bpmn"])).status_code == 200

    stale = _save(client, admin, revision=0, bpmn=draft["bpmn"])
    stale_publish = client.post(f"{MODELS}/{CODE}/draft/publish", json={"revision": 0}, headers=admin)

    assert stale.status_code == 409 and "revision 1" in stale.get_json()["detail"]
    assert stale_publish.status_code == 409
    assert _draft(client, admin)["bpmn"] == _renamed(draft["bpmn"])


def test_a_draft_with_problems_is_saved_but_not_published(client: Any) -> None:
    admin = sign_in(client, "admin.46")
    draft = _draft(client, admin)
    broken = draft["bpmn"].replace('value="signature_certification/verify"', 'value="signature_certification/nope"')
    assert _save(client, admin, revision=0, bpmn=broken).status_code == 200

    checked = client.post(f"{MODELS}/{CODE}/draft/validate", headers=admin).get_json()
    published = client.post(f"{MODELS}/{CODE}/draft/publish", json={"revision": 1}, headers=admin)

    assert checked["valid"] is False
    assert [p["element_id"] for p in checked["problems"]] == ["verify"]
    assert published.status_code == 422
    assert client.get(f"{MODELS}/{CODE}", headers=admin).get_json()["version"] == 1


def test_publishing_a_draft_started_before_another_version_is_refused(client: Any) -> None:
    admin = sign_in(client, "admin.46")
    draft = _draft(client, admin)
    assert _save(client, admin, revision=0, bpmn=_renamed(draft["bpmn"])).status_code == 200
    other = draft["bpmn"].replace('name="Lập lời chứng"', 'name="Lập lời chứng thực"')
    assert client.post(f"{MODELS}/{CODE}/versions", json={"bpmn": other}, headers=admin).status_code == 201

    published = client.post(f"{MODELS}/{CODE}/draft/publish", json={"revision": 1}, headers=admin)

    assert published.status_code == 409 and "version 2" in published.get_json()["detail"]


def test_discarding_keeps_the_published_versions(client: Any) -> None:
    admin = sign_in(client, "admin.46")
    draft = _draft(client, admin)
    assert _save(client, admin, revision=0, bpmn=_renamed(draft["bpmn"])).status_code == 200

    assert client.delete(f"{MODELS}/{CODE}/draft?revision=0", headers=admin).status_code == 409
    assert client.delete(f"{MODELS}/{CODE}/draft?revision=1", headers=admin).status_code == 204
    assert _draft(client, admin) == draft


def test_bad_drafts_are_refused_with_the_field(client: Any) -> None:
    admin = sign_in(client, "admin.46")

    no_revision = _save(client, admin, bpmn="<x/>")
    bad_form_id = _save(client, admin, revision=0, forms={"../etc": {}})
    bad_decision = _save(client, admin, revision=0, decisions={"x.xml": "<definitions/>"})

    assert no_revision.status_code == 422 and "revision" in str(no_revision.get_json())
    assert bad_form_id.status_code == 422 and bad_decision.status_code == 422
    assert _draft(client, admin)["revision"] == 0


def test_only_province_admins_touch_drafts(client: Any) -> None:
    officer = sign_in(client, "reception.19768")

    assert client.get(f"{MODELS}/{CODE}/draft", headers=officer).status_code == 403
    assert _save(client, officer, revision=0, bpmn="<x/>").status_code == 403
    assert client.get(f"{MODELS}/{CODE}/draft").status_code == 401
