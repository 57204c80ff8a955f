"""The admins' process-model API: list and fetch versions, validate a draft, publish it as a new version
that new dossiers run while dossiers already received keep theirs; 403, 409 and 422 with problems."""

from __future__ import annotations

from typing import Any

import pytest

from api.settings import ROOT
from engine.adapters.definitions import read_procedures
from tests.api.helpers import API, complete, received, sign_in, step_data, task_of
from tests.conftest import PHU_XUAN, VY_DA

MODELS = f"{API}/process-models"
BIRTH = "1.001193"
OLD_NAME, NEW_NAME = "Kiểm tra, ghi sổ hộ tịch", "Kiểm tra hồ sơ, ghi sổ hộ tịch"


def _admin(client: Any) -> dict[str, str]:
    return sign_in(client, "admin.46")


def _birth(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(f"{MODELS}/{BIRTH}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _versions_stored(app: Any) -> list[int]:
    with app.extensions["onestop"].uow() as uow:
        return [row[2] for row in uow.procedures.versions(BIRTH)]


def test_list_names_every_procedure_with_its_versions(client: Any) -> None:
    response = client.get(MODELS, headers=_admin(client))

    assert response.status_code == 200
    models = {m["code"]: m for m in response.get_json()}
    assert set(models) == {p.code for p in read_procedures(ROOT / "processes", ROOT / "forms")}
    assert len(models) >= 72  # 12 drawn by hand, the rest generated from processes/catalogue/
    birth = models[BIRTH]
    assert birth["name"]["vi"] == "Đăng ký khai sinh" and birth["latest_version"] == 1
    [version] = birth["versions"]
    assert version["version"] == 1 and len(version["checksum"]) == 64
    assert version["published_at"].endswith("+07:00")


def test_get_returns_the_latest_version_or_the_one_asked_for(client: Any) -> None:
    admin = _admin(client)
    latest = _birth(client, admin)
    first = client.get(f"{MODELS}/{BIRTH}/versions/1", headers=admin)

    assert latest["version"] == 1 and latest["code"] == BIRTH
    assert latest["bpmn"].startswith("<?xml") and latest["manifest"]["process"]["process_id"] == "birth_registration"
    assert set(latest["forms"]) >= {"birth_registration/application", "birth_registration/review"}
    assert latest["decisions"] == {} and [v["version"] for v in latest["versions"]] == [1]
    assert first.status_code == 200 and first.get_json() == latest
    assert client.get(f"{MODELS}/{BIRTH}/versions/2", headers=admin).status_code == 404
    assert client.get(f"{MODELS}/9.999999", headers=admin).status_code == 404


def test_validate_lists_problems_by_element(client: Any) -> None:
    admin = _admin(client)
    bpmn = _birth(client, admin)["bpmn"]
    broken = (bpmn.replace('"child_full_name"', "__import__('os')")
              .replace("<bpmn:flowNodeRef>sign</bpmn:flowNodeRef>", ""))

    valid = client.post(f"{MODELS}/{BIRTH}/validate", json={"bpmn": bpmn}, headers=admin)
    invalid = client.post(f"{MODELS}/{BIRTH}/validate", json={"bpmn": broken, "forms": None}, headers=admin)

    assert valid.status_code == 200 and valid.get_json() == {"valid": True, "problems": []}
    assert invalid.status_code == 200
    body = invalid.get_json()
    assert body["valid"] is False
    assert {p["element_id"] for p in body["problems"]} == {"prepare_certificate", "sign"}
    assert all(isinstance(p["message"], str) and p["message"] for p in body["problems"])


def test_publishing_a_version_leaves_running_dossiers_on_theirs(client: Any, app: Any) -> None:
    admin, reception = _admin(client), sign_in(client, f"reception.{PHU_XUAN}")
    before = received(client, reception)["code"]
    bpmn = _birth(client, admin)["bpmn"].replace(f'name="{OLD_NAME}"', f'name="{NEW_NAME}"')

    response = client.post(f"{MODELS}/{BIRTH}/versions", json={"bpmn": bpmn}, headers=admin)
    after = received(client, reception)["code"]

    assert response.status_code == 201, response.get_json()
    published = response.get_json()
    assert (published["code"], published["version"]) == (BIRTH, 2)
    assert published["published_at"] == "2025-07-14T09:00:00+07:00" and len(published["checksum"]) == 64
    assert _birth(client, admin)["versions"][-1] == published
    assert client.get(f"{API}/procedures/{BIRTH}").get_json()["version"] == 2
    specialist = sign_in(client, f"specialist.{VY_DA}")
    old_task, new_task = task_of(client, specialist, before, "review"), task_of(client, specialist, after, "review")
    assert old_task is not None and new_task is not None
    assert (old_task["name"], new_task["name"]) == (OLD_NAME, NEW_NAME)
    with app.extensions["onestop"].uow() as uow:
        versions = [uow.procedures.get(uow.dossiers.get(c).procedure_version_id).version for c in (before, after)]
    assert versions == [1, 2]
    assert complete(client, specialist, old_task["id"], step_data("review")).status_code == 200


def test_publishing_an_unchanged_draft_is_409(client: Any, app: Any) -> None:
    admin = _admin(client)
    latest = _birth(client, admin)
    draft = {"bpmn": latest["bpmn"], "forms": latest["forms"], "manifest": latest["manifest"]}

    response = client.post(f"{MODELS}/{BIRTH}/versions", json=draft, headers=admin)

    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert "nothing changed" in response.get_json()["detail"]
    assert _versions_stored(app) == [1]


def test_publishing_a_draft_of_an_outdated_version_is_409(client: Any, app: Any) -> None:
    admin = _admin(client)
    bpmn = _birth(client, admin)["bpmn"]
    first = client.post(f"{MODELS}/{BIRTH}/versions", json={"bpmn": bpmn + "\n", "base_version": 1}, headers=admin)

    second = client.post(f"{MODELS}/{BIRTH}/versions", json={"bpmn": bpmn + " ", "base_version": 1}, headers=admin)

    assert first.status_code == 201 and second.status_code == 409
    assert "reload" in second.get_json()["detail"]
    assert _versions_stored(app) == [1, 2]


def test_publishing_an_invalid_draft_is_422_with_problems_and_stores_nothing(client: Any, app: Any) -> None:
    admin = _admin(client)
    latest = _birth(client, admin)
    bpmn = latest["bpmn"].replace('value="result_ready"', 'value="done"')
    forms = {k: v for k, v in latest["forms"].items() if k != "birth_registration/review"}

    response = client.post(f"{MODELS}/{BIRTH}/versions", json={"bpmn": bpmn, "forms": forms}, headers=admin)

    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["title"] == "Invalid procedure definition"
    assert [(p["element_id"], "milestone" in p["message"] or "names form" in p["message"])
            for p in body["problems"]] == [("review", True), ("sign", True)]
    assert _versions_stored(app) == [1]


@pytest.mark.parametrize("username", ["supervisor.46", f"reception.{PHU_XUAN}", f"leader.{VY_DA}"])
def test_only_admins_manage_process_models(client: Any, app: Any, username: str) -> None:
    headers = sign_in(client, username)
    draft = {"bpmn": _birth(client, _admin(client))["bpmn"] + "\n"}

    responses = [client.get(MODELS, headers=headers), client.get(f"{MODELS}/{BIRTH}", headers=headers),
                 client.get(f"{MODELS}/{BIRTH}/versions/1", headers=headers),
                 client.post(f"{MODELS}/{BIRTH}/validate", json=draft, headers=headers),
                 client.post(f"{MODELS}/{BIRTH}/versions", json=draft, headers=headers)]

    assert [r.status_code for r in responses] == [403] * 5
    assert client.get(MODELS).status_code == 401
    assert _versions_stored(app) == [1]


@pytest.mark.parametrize("body", [{}, {"bpmn": ""}, {"bpmn": 3}, {"bpmn": "<x/>", "forms": []},
                                  {"bpmn": "<x/>", "extra": 1}])
def test_malformed_request_bodies_are_422(client: Any, body: dict[str, Any]) -> None:
    response = client.post(f"{MODELS}/{BIRTH}/validate", json=body, headers=_admin(client))

    assert response.status_code == 422 and response.mimetype == "application/problem+json"


def test_malicious_bpmn_is_answered_with_problems(client: Any) -> None:
    xxe = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<d xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</d>')

    response = client.post(f"{MODELS}/{BIRTH}/validate", json={"bpmn": xxe}, headers=_admin(client))

    assert response.status_code == 200
    [problem] = response.get_json()["problems"]
    assert problem["element_id"] is None and "root:" not in problem["message"]
