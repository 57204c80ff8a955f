"""The table of the six lifecycle actions of a received dossier (api/actions.py): each row is one JSON API
endpoint with its schema, and the dossier page's forms go through the same rows to the same service calls."""

from __future__ import annotations

from typing import Any

from api.actions import ACTIONS
from engine.domain.lifecycle import Action
from tests.api.helpers import API, received, sign_in
from tests.api.helpers import csrf_of as _csrf
from tests.api.helpers import sign_in_page as _log_in
from tests.conftest import PHU_XUAN, VY_DA


def test_each_officer_action_has_one_row_served_at_its_url_with_its_schema(client: Any) -> None:
    spec = client.get(f"{API}/openapi.json").get_json()

    assert {row.action for row in ACTIONS} == {Action.REQUEST_SUPPLEMENT, Action.SUPPLEMENT, Action.WITHDRAW,
                                               Action.STOP, Action.EXTEND, Action.RETURN}
    assert f"{API}/dossiers/{{code}}/refuse" not in spec["paths"]  # reception is refused before a dossier exists
    for row in ACTIONS:
        operation = spec["paths"][f"{API}/dossiers/{{code}}/{row.segment}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert body == f"#/components/schemas/{row.schema.__name__.removesuffix('Schema')}"
        assert operation["summary"] == row.summary
        assert {"401", "403", "404", "409", "422"} <= set(operation["responses"])


def test_the_page_and_the_api_ask_for_the_same_supplementation(client: Any) -> None:
    counter, handler = sign_in(client, f"reception.{PHU_XUAN}"), sign_in(client, f"specialist.{VY_DA}")
    by_api, by_page = received(client, counter)["code"], received(client, counter)["code"]
    items = [{"name": "Giấy chứng sinh"}, {"name": "Tờ khai"}]
    asked = client.post(f"{API}/dossiers/{by_api}/supplement-request", headers=handler,
                        json={"reasons": "Thiếu giấy tờ", "items": items})
    assert asked.status_code == 200, asked.get_json()
    _log_in(client, f"specialist.{VY_DA}")
    sent = client.post(f"/dossiers/{by_page}/actions/request_supplement", data={
        "csrf_token": _csrf(client, f"/dossiers/{by_page}"), "reasons": "Thiếu giấy tờ",
        "items": " Giấy chứng sinh \n\n Tờ khai "})
    assert sent.status_code == 302

    notices = [client.get(f"{API}/dossiers/{code}", headers=counter).get_json()["notices"] for code in
               (by_api, by_page)]
    assert [[(n["kind"], n["reasons"], n["items"]) for n in found] for found in notices] == 2 * [[(
        "supplement_request", "Thiếu giấy tờ",
        [{"name": "Giấy chứng sinh", "form": "original", "copies": 1},
         {"name": "Tờ khai", "form": "original", "copies": 1}])]]


def test_an_action_the_table_does_not_know_changes_nothing(client: Any) -> None:
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]
    _log_in(client, f"reception.{PHU_XUAN}")

    sent = client.post(f"/dossiers/{code}/actions/finish", data={"csrf_token": _csrf(client, f"/dossiers/{code}")})

    assert sent.status_code == 302 and sent.headers["Location"].endswith("#action-finish")
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Không có thao tác “finish”." in page  # in the page's words (api/pages/error_words.py)
    status = client.get(f"{API}/dossiers/{code}", headers=sign_in(client, f"reception.{PHU_XUAN}")).get_json()
    assert status["dossier"]["status"] == "processing"
