"""Two counter officers deciding the same submission at the same instant, through the API (real threads,
SQLite file and PostgreSQL): two acceptances make one dossier (201 and 409); an acceptance and a refusal
make exactly one decision. The acceptance is slowed inside its transaction, so the loser certainly
arrives while the winner holds the submission."""

from __future__ import annotations

import time
from typing import Any

import pytest

from engine.services import dossiers, users
from tests.api.helpers import API, sign_in
from tests.api.test_intake import INTAKE, body, decide, detail
from tests.conftest import PASSWORD, PHU_XUAN
from tests.integration._support import run_together

ROUNDS = 3


@pytest.fixture
def officers(app: Any, client: Any, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    """Phú Xuân's two counter officers, each signed in; the acceptance takes 0.15 s longer holding its lock."""
    users.create(app.extensions["onestop"].uow(), username=f"reception2.{PHU_XUAN}", password=PASSWORD,
                 display_name="Tiếp nhận 2", unit_id=PHU_XUAN, roles=["reception"])
    real = dossiers.record_opening

    def slow_record_opening(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.15)
        return real(*args, **kwargs)

    monkeypatch.setattr(dossiers, "record_opening", slow_record_opening)
    return [sign_in(client, f"reception.{PHU_XUAN}"), sign_in(client, f"reception2.{PHU_XUAN}")]


def _submitted(client: Any, portal: dict[str, str], n: int) -> int:
    response = client.post(INTAKE, json=body(reference=f"G22.race-{n}"), headers=portal)
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def _together(app: Any, calls: list[tuple[dict[str, str], str, dict[str, Any]]], submission_id: int, *,
              second_after: float = 0) -> list[Any]:
    """The decisions sent at once (the second `second_after` seconds later), each officer on a client of
    their own; their responses, in order."""
    def call(index: int, headers: dict[str, str], decision: str, json: dict[str, Any]) -> Any:
        def send() -> Any:
            time.sleep(second_after if index else 0)
            return decide(app.test_client(), headers, submission_id, decision, json)
        return send

    outcomes = run_together([call(i, *c) for i, c in enumerate(calls)])
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    return [response for _, response in outcomes]


def test_two_officers_accepting_at_once_make_one_dossier(app: Any, client: Any,
                                                        officers: list[dict[str, str]]) -> None:
    portal = sign_in(client, "portal.46")
    for n in range(ROUNDS):
        submission_id = _submitted(client, portal, n)

        responses = _together(app, [(officer, "accept", {}) for officer in officers], submission_id)

        assert sorted(r.status_code for r in responses) == [201, 409], [r.get_json() for r in responses]
        winner = next(r.get_json() for r in responses if r.status_code == 201)
        loser = next(r.get_json() for r in responses if r.status_code == 409)
        assert loser["current_status"] in ("submitted", "received")
        assert winner["code"] == f"{PHU_XUAN}-250714-{n + 1:04d}"  # the loser's number was given back
        assert detail(client, portal, submission_id)["dossier_code"] == winner["code"]
    listed = client.get(f"{API}/dossiers", query_string={"limit": 100}, headers=officers[0]).get_json()
    assert listed["total"] == ROUNDS
    for dossier in listed["items"]:
        history = client.get(f"{API}/dossiers/{dossier['code']}", headers=officers[0]).get_json()["history"]
        assert [e["kind"] for e in history].count("submitted") == 1


def test_an_acceptance_and_a_refusal_at_once_make_one_decision(app: Any, client: Any,
                                                              officers: list[dict[str, str]]) -> None:
    portal = sign_in(client, "portal.46")
    received = 0
    for n in range(ROUNDS):
        submission_id = _submitted(client, portal, n)

        # The refusal at once, or while the acceptance holds the submission: either may win, never both.
        accepted, refused = _together(app, [(officers[0], "accept", {}),
                                            (officers[1], "refuse", {"reasons": "Không đủ điều kiện"})],
                                      submission_id, second_after=0.1 * (n % 2))

        assert sorted((accepted.status_code, refused.status_code)) in ([200, 409], [201, 409])
        after = detail(client, portal, submission_id)
        if accepted.status_code == 201:
            received += 1
            assert (after["stage"], after["refusal"]) == ("accepted", None)
            assert after["dossier"]["code"] == accepted.get_json()["code"]
        else:
            assert (after["stage"], after["dossier"], after["dossier_code"]) == ("refused", None, None)
            assert after["refusal"]["reasons"] == "Không đủ điều kiện"
    assert client.get(f"{API}/dossiers", headers=officers[0]).get_json()["total"] == received
