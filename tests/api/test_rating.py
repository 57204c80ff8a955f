"""The citizen's rating with the receipt's code and secret: once, after the return; the look-up shows the
level and whether a rating is still possible, and the comment appears in no answer and no history event."""

from __future__ import annotations

from typing import Any

import pytest

from engine.adapters.ratings import RatingRepository
from tests.api.helpers import API, drive_to_result, received, return_result, sign_in
from tests.conftest import PHU_XUAN, VY_DA, Clock

COMMENT = "Chị Trần Thị Bình ở quầy số 3 hướng dẫn rất tận tình"


def _returned(client: Any) -> dict[str, Any]:
    """A birth registration received at Phú Xuân, reviewed and signed in Vỹ Dạ, returned: its receipt."""
    reception = sign_in(client, f"reception.{PHU_XUAN}")
    receipt = received(client, reception)
    drive_to_result(client, receipt["code"])
    assert return_result(client, reception, receipt["code"]).status_code == 200
    return receipt


def _rate(client: Any, code: str, secret: str, **body: Any) -> Any:
    return client.post(f"{API}/public/dossiers/{code}/rating", json={"secret": secret, **body})


def _look_up(client: Any, code: str, secret: str) -> Any:
    return client.get(f"{API}/public/dossiers/{code}", query_string={"secret": secret})


def test_rating_after_the_return_is_201_and_the_look_up_shows_it(client: Any, clock: Clock) -> None:
    receipt = _returned(client)
    before = _look_up(client, receipt["code"], receipt["secret"]).get_json()
    assert (before["can_rate"], before["rating"]) == (True, None)

    response = _rate(client, receipt["code"], receipt["secret"], level="very_satisfied",
                     criteria={"staff_attitude": "very_satisfied", "convenience": "satisfied"})

    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {
        "level": "very_satisfied", "label": "Rất hài lòng", "rated_at": "2025-07-14T09:00:00+07:00",
        "criteria": [
            {"criterion": "convenience", "criterion_label": "Sự thuận tiện", "level": "satisfied",
             "label": "Hài lòng"},
            {"criterion": "staff_attitude", "criterion_label": "Thái độ của cán bộ, công chức",
             "level": "very_satisfied", "label": "Rất hài lòng"},
        ]}
    after = _look_up(client, receipt["code"], receipt["secret"]).get_json()
    assert after["can_rate"] is False
    assert after["rating"] == {"level": "very_satisfied", "label": "Rất hài lòng"}
    assert after["timeline"][-1]["kind"] == "rated"
    assert after["timeline"][-1]["label"] == "Đánh giá mức độ hài lòng: Rất hài lòng"
    assert after["timeline"][-1]["unit_name"] is None


def test_rating_before_the_return_is_409_with_the_current_status(client: Any) -> None:
    reception = sign_in(client, f"reception.{PHU_XUAN}")
    receipt = received(client, reception)

    processing = _rate(client, receipt["code"], receipt["secret"], level="satisfied")
    drive_to_result(client, receipt["code"])
    ready = _rate(client, receipt["code"], receipt["secret"], level="satisfied")

    assert (processing.status_code, ready.status_code) == (409, 409)
    assert processing.mimetype == "application/problem+json"
    assert processing.get_json()["current_status"] == "processing"
    assert ready.get_json()["current_status"] == "result_ready"
    look_up = _look_up(client, receipt["code"], receipt["secret"]).get_json()
    assert (look_up["can_rate"], look_up["rating"]) == (False, None)
    assert all(stage["kind"] != "rated" for stage in look_up["timeline"])


def test_a_stopped_dossier_cannot_be_rated(client: Any) -> None:
    """Only a returned result is rated; a dossier refused at reception has no code nor secret to rate with."""
    receipt = received(client, sign_in(client, f"reception.{PHU_XUAN}"))
    stopped = client.post(f"{API}/dossiers/{receipt['code']}/stop", json={"reasons": "Không đủ điều kiện"},
                          headers=sign_in(client, f"specialist.{VY_DA}"))
    assert stopped.status_code == 200, stopped.get_json()

    response = _rate(client, receipt["code"], receipt["secret"], level="dissatisfied")

    assert response.status_code == 409
    assert response.get_json()["current_status"] == "stopped"
    assert _look_up(client, receipt["code"], receipt["secret"]).get_json()["can_rate"] is False


def test_wrong_secret_and_unknown_code_give_the_look_ups_404(client: Any) -> None:
    receipt = _returned(client)
    wrong = "ZZZZ" if receipt["secret"] != "ZZZZ" else "YYYY"

    wrong_secret = _rate(client, receipt["code"], wrong, level="satisfied")
    unknown_code = _rate(client, "19768-250714-9999", receipt["secret"], level="satisfied")
    look_up = _look_up(client, receipt["code"], wrong)

    assert wrong_secret.status_code == unknown_code.status_code == 404
    assert wrong_secret.mimetype == "application/problem+json"
    assert wrong_secret.get_json() == unknown_code.get_json() == look_up.get_json()
    assert receipt["code"] not in wrong_secret.get_data(as_text=True)
    assert _look_up(client, receipt["code"], receipt["secret"]).get_json()["can_rate"] is True


def test_the_secret_is_case_insensitive(client: Any) -> None:
    receipt = _returned(client)

    assert _rate(client, receipt["code"], receipt["secret"].lower(), level="satisfied").status_code == 201


def test_a_second_rating_is_409_and_the_first_stands(client: Any) -> None:
    receipt = _returned(client)
    assert _rate(client, receipt["code"], receipt["secret"], level="satisfied").status_code == 201

    again = _rate(client, receipt["code"], receipt["secret"], level="dissatisfied", comment="Đổi ý")

    assert again.status_code == 409
    assert again.get_json()["current_status"] == "returned"
    body = _look_up(client, receipt["code"], receipt["secret"]).get_json()
    assert body["rating"] == {"level": "satisfied", "label": "Hài lòng"}
    assert [stage["kind"] for stage in body["timeline"]].count("rated") == 1


def test_a_rating_that_slips_past_the_check_hits_the_unique_constraint_as_409(
        client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """As when two ratings race: both saw none, the second insert breaks the one-per-dossier constraint."""
    receipt = _returned(client)
    assert _rate(client, receipt["code"], receipt["secret"], level="satisfied").status_code == 201
    monkeypatch.setattr(RatingRepository, "get_for_dossier", lambda self, dossier_id: None)

    again = _rate(client, receipt["code"], receipt["secret"], level="dissatisfied")

    assert again.status_code == 409, again.get_json()
    assert again.get_json()["current_status"] == "returned"
    monkeypatch.undo()
    body = _look_up(client, receipt["code"], receipt["secret"]).get_json()
    assert [stage["kind"] for stage in body["timeline"]].count("rated") == 1


@pytest.mark.parametrize(("body", "pointers"), [
    ({"level": "hai_long"}, ["/level"]),
    ({"level": 3}, ["/level"]),
    ({}, ["/level"]),
    ({"level": "satisfied", "comment": "x" * 1001}, ["/comment"]),
    ({"level": "satisfied", "criteria": {"parking": "satisfied"}}, ["/criteria/parking/key"]),
    ({"level": "satisfied", "criteria": {"convenience": "ok"}}, ["/criteria/convenience/value"]),
])
def test_invalid_body_is_422_with_pointers(client: Any, body: dict[str, Any], pointers: list[str]) -> None:
    receipt = _returned(client)

    response = _rate(client, receipt["code"], receipt["secret"], **body)

    assert response.status_code == 422, response.get_json()
    assert [e["pointer"] for e in response.get_json()["errors"]] == pointers
    assert _look_up(client, receipt["code"], receipt["secret"]).get_json()["can_rate"] is True


def test_missing_secret_is_422(client: Any) -> None:
    receipt = _returned(client)

    response = client.post(f"{API}/public/dossiers/{receipt['code']}/rating", json={"level": "satisfied"})

    assert response.status_code == 422
    assert [e["pointer"] for e in response.get_json()["errors"]] == ["/secret"]


def test_the_comment_appears_in_no_answer_and_no_history_event(client: Any) -> None:
    receipt = _returned(client)

    response = _rate(client, receipt["code"], receipt["secret"], level="satisfied", comment=COMMENT)

    assert response.status_code == 201
    assert COMMENT not in response.get_data(as_text=True) and "comment" not in response.get_json()
    look_up = _look_up(client, receipt["code"], receipt["secret"])
    assert COMMENT not in look_up.get_data(as_text=True) and "Trần Thị Bình" not in look_up.get_data(as_text=True)
    detail = client.get(f"{API}/dossiers/{receipt['code']}", headers=sign_in(client, f"reception.{PHU_XUAN}"))
    assert "Trần Thị Bình" not in detail.get_data(as_text=True)
    rated = [e for e in detail.get_json()["history"] if e["kind"] == "rated"]
    assert [(e["data"], e["actor_id"], e["unit_id"]) for e in rated] == [({"level": "satisfied"}, None, None)]
