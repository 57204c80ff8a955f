"""/process-models/{code}/migrations: a generated plan, a check naming why dossiers cannot move, bad plans refused
with the step or version they name, and a started migration's progress as the worker moves the dossiers."""

from __future__ import annotations

from typing import Any

import pytest

from engine.services import worker
from tests.api.helpers import API, received, sign_in
from tests.conftest import PHU_XUAN

BIRTH = "1.001193"
PATH = f"{API}/process-models/{BIRTH}/migrations"


@pytest.fixture
def admin(client: Any) -> dict[str, str]:
    return sign_in(client, "admin.46")


def publish_renamed(client: Any, admin: dict[str, str]) -> int:
    """Version 2, whose step `review` is called `verify`."""
    bpmn = client.get(f"{API}/process-models/{BIRTH}", headers=admin).get_json()["bpmn"]
    renamed = bpmn.replace('"review"', '"verify"').replace(">review<", ">verify<")
    published = client.post(f"{API}/process-models/{BIRTH}/versions", headers=admin, json={"bpmn": renamed})
    assert published.status_code == 201, published.get_json()
    return int(published.get_json()["version"])


def test_the_plan_maps_the_steps_both_versions_have(client: Any, admin: dict[str, str]) -> None:
    version = publish_renamed(client, admin)

    response = client.post(f"{PATH}/plan", query_string={"from": 1, "to": version}, headers=admin)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["plan"] == {"from_version": 1, "to_version": version,
                            "steps": {"receive": "receive", "review": None, "sign": "sign", "hand_over": "hand_over"}}
    assert "verify" in [s["step"] for s in body["new_steps"]]


def test_the_check_says_why_a_dossier_cannot_move(client: Any, admin: dict[str, str]) -> None:
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]
    version = publish_renamed(client, admin)

    response = client.post(f"{PATH}/check", headers=admin, json={"from_version": 1, "to_version": version,
                                                                  "steps": {"review": None}})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["movable"], body["blocked"], body["by_reason"]) == (0, 1, {"step_unmapped": 1})
    [blocked] = body["blocked_dossiers"]
    assert blocked["dossier_code"] == code and blocked["waiting"] == ["review"]
    assert blocked["obstacles"][0]["params"] == {"step": "review"}


@pytest.mark.parametrize(("plan", "pointer", "words"), [
    ({"steps": {"review": "nowhere"}}, "/steps/review", "'nowhere', which is not a user task of version 2"),
    ({"steps": {"ghost": "sign"}}, "/steps/ghost", "'ghost' is not a user task of version 1"),
    ({"to_version": 1, "steps": {}}, "/to_version", "must differ"),
    ({"to_version": 9, "steps": {}}, "/to_version", "has no version 9"),
])
def test_a_bad_plan_is_refused_naming_what_is_wrong(client: Any, admin: dict[str, str], plan: dict[str, Any],
                                                    pointer: str, words: str) -> None:
    publish_renamed(client, admin)

    for path in (f"{PATH}/check", PATH):
        response = client.post(path, headers=admin, json={"from_version": 1, "to_version": 2, **plan})

        assert response.status_code == 422, response.get_json()
        [error] = [e for e in response.get_json()["errors"] if e["pointer"] == pointer]
        assert words in error["detail"]


def test_a_malformed_plan_is_a_422_and_an_unknown_procedure_a_404(client: Any, admin: dict[str, str]) -> None:
    assert client.post(PATH, headers=admin, json={"from_version": "one", "steps": []}).status_code == 422
    assert client.post(f"{API}/process-models/9.999999/migrations/plan", query_string={"from": 1, "to": 2},
                       headers=admin).status_code == 404


def test_a_started_migration_reports_its_progress(app: Any, client: Any, admin: dict[str, str]) -> None:
    reception = sign_in(client, f"reception.{PHU_XUAN}")
    codes = sorted(received(client, reception)["code"] for _ in range(3))
    version = publish_renamed(client, admin)

    started = client.post(PATH, headers=admin, json={"from_version": 1, "to_version": version,
                                                     "steps": {"review": "verify"}})
    assert started.status_code == 202, started.get_json()
    migration_id = started.get_json()["id"]
    before = client.get(f"{PATH}/{migration_id}", headers=admin).get_json()
    w = app.extensions["onestop"]
    worker.run_due(w.uow, handlers=worker.handlers(calendar=w.calendar, catalogue=w.catalogue), clock=w.clock)
    after = client.get(f"{PATH}/{migration_id}", headers=admin).get_json()

    assert before["counts"] == {"pending": 3, "moved": 0, "failed": 0, "blocked": 0} and not before["finished"]
    assert after["counts"] == {"pending": 0, "moved": 3, "failed": 0, "blocked": 0} and after["finished"]
    assert len(codes) == 3
    assert client.get(f"{API}/process-models/3.000722/migrations/{migration_id}", headers=admin).status_code == 404


def test_a_moved_dossier_reads_with_its_migrated_event(app: Any, client: Any, admin: dict[str, str]) -> None:
    reception = sign_in(client, f"reception.{PHU_XUAN}")
    code = received(client, reception)["code"]
    version = publish_renamed(client, admin)
    client.post(PATH, headers=admin, json={"from_version": 1, "to_version": version, "steps": {"review": "verify"}})
    w = app.extensions["onestop"]
    worker.run_due(w.uow, handlers=worker.handlers(calendar=w.calendar, catalogue=w.catalogue), clock=w.clock)

    detail = client.get(f"{API}/dossiers/{code}", headers=reception)

    assert detail.status_code == 200, detail.get_json()
    assert "migrated" in [e["kind"] for e in detail.get_json()["history"]]
