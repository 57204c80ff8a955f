"""GET /tasks and the inbox page (issue 22): the applicant column, the order by due time or arrival, and filters
applied to the whole inbox (urgency as each step's own timeliness, procedure) so the total counts exactly what
the filter shows; a step of a dossier waiting for the applicant is never urgent. Bad values are a 422."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.api.helpers import API, local, received, sign_in, sign_in_page
from tests.conftest import PHU_XUAN, VY_DA, Clock, birth_application


def _receive(client: Any, clock: Clock, at: datetime, name: str) -> str:
    clock.now = at
    application = birth_application(VY_DA)
    application["applicant"]["full_name"] = name
    return str(received(client, sign_in(client, f"reception.{PHU_XUAN}"), application=application)["code"])


def _tasks(client: Any, headers: dict[str, str], **query: Any) -> Any:
    return client.get(f"{API}/tasks", query_string=query, headers=headers)


@pytest.fixture
def inbox(client: Any, clock: Clock) -> dict[str, Any]:
    """Four steps to review at Vỹ Dạ (4 office hours each), seen at a moment when the first is overdue, the second
    near due (its last quarter), the third's dossier waits for the applicant and the fourth has just arrived."""
    codes = [_receive(client, clock, local(2025, 7, 14, 8, 0), "Lê Văn Quá"),
             _receive(client, clock, local(2025, 7, 14, 9, 0), "Phạm Thị Gần"),
             _receive(client, clock, local(2025, 7, 14, 9, 30), "Võ Văn Chờ")]
    specialist = sign_in(client, f"specialist.{VY_DA}")
    clock.now = local(2025, 7, 14, 9, 40)
    asked = client.post(f"{API}/dossiers/{codes[2]}/supplement-request", headers=specialist,
                        json={"reasons": "Thiếu giấy", "items": [{"name": "Giấy chứng sinh"}]})
    assert asked.status_code == 200, asked.get_json()
    steps = _tasks(client, specialist).get_json()["items"]
    due = {t["dossier_code"]: datetime.fromisoformat(t["due_at"]) for t in steps}
    clock.now = due[codes[1]] - timedelta(minutes=30)  # the last half hour of four: near due
    assert due[codes[0]] < clock.now
    codes.append(_receive(client, clock, clock.now - timedelta(minutes=5), "Đỗ Thị Mới"))
    return {"codes": codes, "headers": specialist}


@pytest.mark.parametrize(("urgency", "expected"), [("urgent", [0, 1]), ("near_due", [1]), ("overdue", [0])])
def test_the_urgency_filter_holds_for_the_whole_inbox_and_its_total(client: Any, inbox: dict[str, Any],
                                                                    urgency: str, expected: list[int]) -> None:
    codes = inbox["codes"]
    whole = _tasks(client, inbox["headers"], urgency=urgency).get_json()
    assert [t["dossier_code"] for t in whole["items"]] == [codes[i] for i in expected]
    assert whole["total"] == len(expected)
    assert {t["timeliness"] for t in whole["items"]} <= {"near_due", "overdue"}
    first = _tasks(client, inbox["headers"], urgency=urgency, limit=1).get_json()
    assert (len(first["items"]), first["total"]) == (1, len(expected))


def test_each_step_shows_its_applicant_and_a_stopped_clock_instead_of_a_mark(client: Any,
                                                                             inbox: dict[str, Any]) -> None:
    codes = inbox["codes"]
    items = {t["dossier_code"]: t for t in _tasks(client, inbox["headers"]).get_json()["items"]}
    assert [items[c]["applicant_name"] for c in codes] == ["Lê Văn Quá", "Phạm Thị Gần", "Võ Văn Chờ", "Đỗ Thị Mới"]
    assert [items[c]["timeliness"] for c in codes] == ["overdue", "near_due", None, "in_time"]
    assert items[codes[2]]["clock_stopped_since"].startswith("2025-07-14T09:40")
    assert {t["procedure_code"] for t in items.values()} == {"1.001193"}


def test_the_inbox_sorts_by_due_time_or_by_arrival_and_filters_by_procedure(client: Any,
                                                                            inbox: dict[str, Any]) -> None:
    headers, codes = inbox["headers"], inbox["codes"]
    by_arrival = [t["dossier_code"] for t in _tasks(client, headers, sort="arrival").get_json()["items"]]
    assert by_arrival == codes
    by_due = _tasks(client, headers, sort="due").get_json()["items"]
    assert [t["due_at"] for t in by_due] == sorted(t["due_at"] for t in by_due)
    assert _tasks(client, headers, procedure="1.001193").get_json()["total"] == 4
    assert _tasks(client, headers, procedure="3.000722").get_json() | {"items": []} == {
        "items": [], "total": 0, "limit": 20, "offset": 0}


@pytest.mark.parametrize(("query", "pointer"), [({"urgency": "soon"}, "urgency"), ({"sort": "name"}, "sort"),
                                                ({"status": "late"}, "status"), ({"procedure": "x" * 33}, "procedure")])
def test_a_bad_filter_is_a_422_naming_it(client: Any, query: dict[str, str], pointer: str) -> None:
    response = _tasks(client, sign_in(client, f"specialist.{VY_DA}"), **query)
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert pointer in str(response.get_json())


def test_the_inbox_page_filters_the_whole_inbox_and_shows_the_applicants(client: Any, inbox: dict[str, Any]) -> None:
    codes = inbox["codes"]
    sign_in_page(client, f"specialist.{VY_DA}")
    page = client.get("/inbox?urgency=urgent").get_data(as_text=True)
    assert "(2)" in page and codes[0] in page and codes[1] in page and codes[2] not in page
    assert "Lê Văn Quá" in page and "Phạm Thị Gần" in page
    everything = client.get("/inbox?sort=arrival&urgency=nonsense").get_data(as_text=True)
    assert all(code in everything for code in codes)  # a filter the page cannot read is dropped, and said so
    assert everything.index(codes[0]) < everything.index(codes[3]) and 'aria-sort="ascending"' in everything
