"""Holding steps through the API: claiming one or several, the 409 naming the holder, releasing, a leader's
assignment, and each of them in the dossier's history."""

from __future__ import annotations

from typing import Any

from engine.services import users
from tests.api.helpers import API, complete, received, sign_in, step_data, task_of
from tests.conftest import PASSWORD, PHU_XUAN, VY_DA

SECOND = "specialist2.19777"


def _second_specialist(app: Any) -> dict[str, Any]:
    """Another specialist at Vỹ Dạ, signed in."""
    users.create(app.extensions["onestop"].uow(), username=SECOND, password=PASSWORD + "-2", display_name="Lê Thị Hoa",
                 unit_id=VY_DA, roles=["specialist"])
    return {"username": SECOND, "password": PASSWORD + "-2"}


def _headers(client: Any, account: dict[str, Any]) -> dict[str, str]:
    response = client.post(f"{API}/auth/token", json=account)
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _review(client: Any) -> tuple[str, dict[str, Any]]:
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]
    task = task_of(client, sign_in(client, f"specialist.{VY_DA}"), code, "review")
    assert task is not None
    return code, task


def _kinds(client: Any, headers: dict[str, str], code: str) -> list[str]:
    return [e["kind"] for e in client.get(f"{API}/dossiers/{code}", headers=headers).get_json()["history"]]


def test_a_claimed_step_shows_its_holder_and_only_the_holder_completes_it(app: Any, client: Any) -> None:
    first = sign_in(client, f"specialist.{VY_DA}")
    second = _headers(client, _second_specialist(app))
    code, task = _review(client)

    claimed = client.post(f"{API}/tasks/{task['id']}/claim", headers=first)
    taken = client.post(f"{API}/tasks/{task['id']}/claim", headers=second)
    refused = complete(client, second, task["id"], step_data("review"))

    assert claimed.status_code == 200
    holder = claimed.get_json()["holder"]
    assert holder["name"].startswith("specialist — ") and isinstance(holder["id"], int)
    assert taken.status_code == 409 and refused.status_code == 409
    assert holder["name"] in refused.get_json()["detail"]
    assert refused.get_json()["code"] == "step_held_by_other"
    assert task_of(client, second, code, "review")["holder"] == holder  # type: ignore[index]
    assert client.post(f"{API}/tasks/{task['id']}/claim", headers=first).status_code == 200  # again: no change
    assert complete(client, first, task["id"], step_data("review")).status_code == 200
    assert _kinds(client, first, code).count("task_claimed") == 1


def test_an_unheld_step_is_completed_by_anyone_with_the_role_and_then_names_who_did_it(client: Any) -> None:
    specialist = sign_in(client, f"specialist.{VY_DA}")
    code, task = _review(client)

    done = complete(client, specialist, task["id"], step_data("review"))

    assert done.status_code == 200
    steps = client.get(f"{API}/dossiers/{code}", headers=specialist).get_json()["tasks"]
    review = next(t for t in steps if t["id"] == task["id"])
    assert review["status"] == "completed" and review["holder"]["name"].startswith("specialist")


def test_the_holder_or_the_units_leader_releases_a_step_and_nobody_else(app: Any, client: Any) -> None:
    first = sign_in(client, f"specialist.{VY_DA}")
    second = _headers(client, _second_specialist(app))
    leader = sign_in(client, f"leader.{VY_DA}")
    code, task = _review(client)
    client.post(f"{API}/tasks/{task['id']}/claim", headers=first)

    by_other = client.post(f"{API}/tasks/{task['id']}/release", headers=second)
    by_leader = client.post(f"{API}/tasks/{task['id']}/release", headers=leader)
    again = client.post(f"{API}/tasks/{task['id']}/release", headers=first)

    assert by_other.status_code == 403
    assert by_leader.status_code == 200 and by_leader.get_json()["holder"] is None
    assert again.status_code == 409
    assert complete(client, second, task["id"], step_data("review")).status_code == 200
    assert _kinds(client, first, code).count("task_released") == 1


def test_a_leader_assigns_and_reassigns_within_the_unit(app: Any, client: Any) -> None:
    first = sign_in(client, f"specialist.{VY_DA}")
    second = _headers(client, _second_specialist(app))
    leader = sign_in(client, f"leader.{VY_DA}")
    code, task = _review(client)
    client.post(f"{API}/tasks/{task['id']}/claim", headers=first)
    people = client.get(f"{API}/tasks/{task['id']}/assignees", headers=leader).get_json()
    by_name = {p["username"]: p["id"] for p in people}

    assigned = client.post(f"{API}/tasks/{task['id']}/assign", json={"user_id": by_name[SECOND]}, headers=leader)
    to_a_leader = client.post(f"{API}/tasks/{task['id']}/assign", json={"user_id": _leader_id(client, leader)},
                              headers=leader)
    by_a_specialist = client.post(f"{API}/tasks/{task['id']}/assign", json={"user_id": by_name[SECOND]},
                                  headers=first)

    assert set(by_name) == {f"specialist.{VY_DA}", SECOND}  # the unit's specialists, not its leader
    assert assigned.status_code == 200 and assigned.get_json()["holder"] == {"id": by_name[SECOND],
                                                                             "name": "Lê Thị Hoa"}
    assert to_a_leader.status_code == 422 and to_a_leader.get_json()["errors"][0]["pointer"] == "/user_id"
    assert by_a_specialist.status_code == 403
    assert complete(client, first, task["id"], step_data("review")).status_code == 409
    assert complete(client, second, task["id"], step_data("review")).status_code == 200
    detail = client.get(f"{API}/dossiers/{code}", headers=leader).get_json()
    assigned_event = next(e for e in detail["history"] if e["kind"] == "task_assigned")
    assert assigned_event["data"]["holder"] == by_name[SECOND]
    assert assigned_event["data"]["previous"] == by_name[f"specialist.{VY_DA}"]


def test_claiming_several_reports_each_step(app: Any, client: Any) -> None:
    first = sign_in(client, f"specialist.{VY_DA}")
    second = _headers(client, _second_specialist(app))
    _, one = _review(client)
    _, two = _review(client)
    client.post(f"{API}/tasks/{two['id']}/claim", headers=second)

    response = client.post(f"{API}/tasks/claim", json={"task_ids": [one["id"], two["id"], "no-such-task"]},
                           headers=first)
    empty = client.post(f"{API}/tasks/claim", json={"task_ids": []}, headers=first)

    assert response.status_code == 200
    items = {i["task_id"]: i for i in response.get_json()["items"]}
    assert items[one["id"]]["claimed"] is True and items[one["id"]]["error"] is None
    assert items[two["id"]]["claimed"] is False and items[two["id"]]["error"]["status"] == 409
    assert "Lê Thị Hoa" in items[two["id"]]["error"]["detail"]
    assert items["no-such-task"]["error"]["status"] == 404
    assert empty.status_code == 422


def _leader_id(client: Any, leader: dict[str, str]) -> int:
    """The leader's own id, as holder of a step they claim."""
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]
    specialist = sign_in(client, f"specialist.{VY_DA}")
    review = task_of(client, specialist, code, "review")
    assert review is not None
    complete(client, specialist, review["id"], step_data("review"))
    sign = task_of(client, leader, code, "sign")
    assert sign is not None
    return int(client.post(f"{API}/tasks/{sign['id']}/claim", headers=leader).get_json()["holder"]["id"])


def test_the_inbox_filters_mine_and_unclaimed(app: Any, client: Any) -> None:
    first = sign_in(client, f"specialist.{VY_DA}")
    second = _headers(client, _second_specialist(app))
    _, held = _review(client)
    _, free = _review(client)
    client.post(f"{API}/tasks/{held['id']}/claim", headers=first)

    def ids(headers: dict[str, str], held_by: str) -> set[str]:
        items = client.get(f"{API}/tasks", query_string={"held": held_by, "limit": 100}, headers=headers).get_json()
        return {t["id"] for t in items["items"]}

    assert held["id"] in ids(first, "mine") and free["id"] not in ids(first, "mine")
    assert ids(second, "mine") == set()
    assert free["id"] in ids(second, "unclaimed") and held["id"] not in ids(second, "unclaimed")
    assert client.get(f"{API}/tasks", query_string={"held": "theirs"}, headers=first).status_code == 422
