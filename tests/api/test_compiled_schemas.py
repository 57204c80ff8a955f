"""The hot endpoints answer with compiled schemas (api/schemas/compiled.py): through a dossier's whole life, on
both databases, every compiled dump they make equals marshmallow's `Schema().dump` of the same object, keys in
the same order, and the status codes stay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from marshmallow import Schema

import api.schemas.dossiers
from api.schemas import compiled
from api.schemas.common import status_fields
from api.schemas.dossiers import _timeliness_fields
from engine.domain.status import DossierStatus
from engine.domain.timeliness import Timeliness
from tests.api.helpers import API, complete, local, receive, received, return_result, sign_in, step_data, task_of
from tests.conftest import PHU_XUAN, VY_DA, Clock
from tests.unit.test_compiled_schemas import ordered

ITEMS = [{"name": "Giấy chứng sinh (bản chính)", "form": "original", "copies": 1}]


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every compiled dump also made by marshmallow and compared; the names of the schemas compared."""
    seen: list[str] = []
    real = compiled.dumper

    def checking(schema_class: type[Schema]) -> Callable[[Any], dict[str, Any]]:
        def dump(obj: Any) -> dict[str, Any]:
            answer = real(schema_class)(obj)
            assert ordered(answer) == ordered(schema_class().dump(obj)), schema_class.__name__
            seen.append(schema_class.__name__)
            return answer
        return dump

    monkeypatch.setattr(compiled, "dumper", checking)
    monkeypatch.setattr(api.schemas.dossiers, "dumper", checking)
    return seen


def act(client: Any, headers: dict[str, str], code: str, action: str, **body: Any) -> Any:
    response = client.post(f"{API}/dossiers/{code}/{action}", json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/json"
    return response.get_json()


def test_a_dossiers_life_answers_as_marshmallow_would(app: Any, client: Any, clock: Clock, checked: list[str]) -> None:
    counter, specialist = sign_in(client, f"reception.{PHU_XUAN}"), sign_in(client, f"specialist.{VY_DA}")
    leader = sign_in(client, f"leader.{VY_DA}")
    clock.now = local(2025, 7, 14, 9, 0)
    first = receive(client, counter, key="compiled-1")
    assert first.status_code == 201 and "secret" in first.get_json()
    replay = receive(client, counter, key="compiled-1")
    assert replay.status_code == 200 and replay.get_json() == first.get_json()
    code = first.get_json()["code"]
    detail = ok(client.get(f"{API}/dossiers/{code}", headers=specialist))
    assert detail["tasks"] and detail["timeliness"] is not None
    with app.test_request_context():  # the labels each app makes once are its catalogue's Vietnamese ones
        assert detail["dossier"]["status_info"] == status_fields(DossierStatus.PROCESSING)
        assert detail["timeliness"] == _timeliness_fields(Timeliness(detail["timeliness"]["class"]))
    assert ok(client.get(f"{API}/dossiers/{code}", headers=specialist)) == detail

    review = task_of(client, specialist, code, "review")
    assert review is not None
    assert ok(client.post(f"{API}/tasks/{review['id']}/claim", headers=specialist))["holder"] is not None
    ok(client.get(f"{API}/dossiers/{code}", headers=specialist))  # a held step
    assert ok(client.post(f"{API}/tasks/{review['id']}/release", headers=specialist))["holder"] is None
    bulk = ok(client.post(f"{API}/tasks/claim", json={"task_ids": [review["id"], "no-such-step"]}, headers=specialist))
    assert [item["claimed"] for item in bulk["items"]] == [True, False]

    act(client, specialist, code, "extend", reasons="Chờ xác minh", new_due_at="2025-07-16T17:00:00+07:00")
    clock.now = local(2025, 7, 14, 10, 0)
    assert act(client, specialist, code, "supplement-request", reasons="Thiếu", items=ITEMS)["paused_at"]
    ok(client.get(f"{API}/dossiers/{code}", headers=specialist))  # a notice waiting, the clock stopped
    ok(client.get(f"{API}/tasks", query_string={"limit": 100}, headers=specialist))  # the clock stopped since
    clock.now = local(2025, 7, 15, 10, 0)
    act(client, counter, code, "supplement", note="Đã nộp")
    assert ok(complete(client, specialist, review["id"], step_data("review")))["status"] == "processing"
    sign = task_of(client, leader, code, "sign")
    assert sign is not None
    sent = ok(client.post(f"{API}/tasks/{sign['id']}/send-back", json={"to": "review", "reason": "Kiểm tra lại"},
                          headers=leader))
    assert sent["status"] == "processing"
    again = task_of(client, specialist, code, "review")
    assert again is not None and again["sent_back_reason"] == "Kiểm tra lại"
    ok(complete(client, specialist, again["id"], step_data("review")))
    sign = task_of(client, leader, code, "sign")
    assert sign is not None
    assert ok(complete(client, leader, sign["id"], step_data("sign")))["status"] == "result_ready"
    assert ok(return_result(client, counter, code))["return_method"] == "counter"
    returned = ok(client.get(f"{API}/dossiers/{code}", headers=counter))
    assert returned["dossier"]["returned_at"] and any(notice["answered_at"] for notice in returned["notices"])
    ok(client.get(f"{API}/dossiers", query_string={"q": code}, headers=counter))
    ok(client.get(f"{API}/dossiers", query_string={"limit": 100}, headers=counter))

    assert {"DossierReceiptSchema", "DossierDetailSchema", "TaskReadSchema", "ClaimManyReadSchema",
            "DossierReadSchema", "NoticeReadSchema", "InboxItemPageSchema", "DossierSearchPageSchema"} <= set(checked)


def test_ended_dossiers_answer_as_marshmallow_would(client: Any, checked: list[str]) -> None:
    counter, specialist = sign_in(client, f"reception.{PHU_XUAN}"), sign_in(client, f"specialist.{VY_DA}")
    withdrawn, stopped = received(client, counter)["code"], received(client, counter)["code"]
    assert act(client, counter, withdrawn, "withdraw", reasons="Xin rút")["finished_at"]
    assert act(client, specialist, stopped, "stop", reasons="Không đủ điều kiện")["status_info"]["national_code"] == 8
    for code in (withdrawn, stopped):
        assert ok(client.get(f"{API}/dossiers/{code}", headers=counter))["notices"]
    assert checked.count("DossierDetailSchema") == 2
