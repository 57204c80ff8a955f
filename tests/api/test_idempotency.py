"""An Idempotency-Key stands for one request (issue 17, defect 9): a retry with the key and the same content,
however its JSON is spaced or ordered, gets the first dossier (200); the key with other content (another
applicant, procedure, return method) is a 422 problem and receives nothing. Dossiers received before the
request's digest was kept match any retry, as they did then. The counter page asks before it receives a
changed form as a new dossier."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import text

from tests.api.helpers import API, csrf_of, receive, received, sign_in, sign_in_page
from tests.conftest import PHU_XUAN, VY_DA, Clock, birth_application

KEY = "counter-7-ticket-42"


@pytest.fixture
def reception(client: Any) -> dict[str, str]:
    return sign_in(client, f"reception.{PHU_XUAN}")


def _total(client: Any, headers: dict[str, str]) -> int:
    return int(client.get(f"{API}/dossiers", headers=headers).get_json()["total"])


def test_a_retry_with_the_same_content_in_another_order_and_spacing_gets_the_first_dossier(
        client: Any, reception: dict[str, str]) -> None:
    first = receive(client, reception, key=KEY, return_method="post")
    body = {"return_method": "post", "application": dict(reversed(birth_application(VY_DA).items())),
            "procedure_code": "1.001193"}

    again = client.post(f"{API}/dossiers", data=json.dumps(body, indent=4),
                        headers={**reception, "Idempotency-Key": KEY, "Content-Type": "application/json"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["code"] == first.get_json()["code"]
    assert _total(client, reception) == 1


def _other_applicant() -> dict[str, Any]:
    application = birth_application(VY_DA)
    application["applicant"]["full_name"] = "Lê Thị Hoa"
    return {"application": application}


@pytest.mark.parametrize("other", [
    _other_applicant(),
    {"procedure_code": "1.000656"},
    {"return_method": "post"},
    {"reception": {"documents_checked": True, "note": "another note"}},
], ids=["another applicant", "another procedure", "another return method", "another reception step"])
def test_the_key_with_another_request_is_a_422_and_receives_nothing(
        client: Any, reception: dict[str, str], clock: Clock, other: dict[str, Any]) -> None:
    first = received(client, reception, key=KEY)
    body = {"procedure_code": "1.001193", "application": birth_application(VY_DA)} | other

    response = client.post(f"{API}/dossiers", json=body, headers={**reception, "Idempotency-Key": KEY})

    assert response.status_code == 422
    problem = response.get_json()
    assert problem["errors"] == [{"pointer": "/headers/Idempotency-Key", "detail": "was used for a different request"}]
    assert f"used for another request, received as dossier {first['code']}" in problem["detail"]
    assert _total(client, reception) == 1
    # The refused request gave its number back: the next dossier is number 2.
    assert received(client, reception)["code"] == f"{PHU_XUAN}-{clock.now:%y%m%d}-0002"


def test_a_dossier_received_before_digests_were_kept_matches_any_retry(app: Any, client: Any,
                                                                       reception: dict[str, str]) -> None:
    first = received(client, reception, key=KEY)
    with app.extensions["onestop"].engine.begin() as connection:
        assert connection.execute(text("SELECT request_digest FROM dossiers")).scalar_one() is not None
        connection.execute(text("UPDATE dossiers SET request_digest = NULL"))

    again = receive(client, reception, _other_applicant()["application"], key=KEY)

    assert again.status_code == 200
    assert again.get_json()["code"] == first["code"]


def test_a_dossier_received_without_a_key_keeps_no_digest(app: Any, client: Any, reception: dict[str, str]) -> None:
    received(client, reception)
    with app.extensions["onestop"].engine.begin() as connection:
        assert connection.execute(text("SELECT request_digest FROM dossiers")).scalar_one() is None


def _counter_form(client: Any) -> dict[str, Any]:
    page = client.get("/counter/1.001193").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page)
    assert key
    form = {f"/application/{group}/{name}": str(value)
            for group, values in birth_application(VY_DA).items() for name, value in values.items()}
    return form | {"csrf_token": csrf_of(client, "/counter/1.001193"), "idempotency_key": key.group(1),
                   "document": ["0", "1"]}


def test_the_counter_asks_before_receiving_a_changed_form_as_a_new_dossier(client: Any,
                                                                          reception: dict[str, str]) -> None:
    sign_in_page(client, f"reception.{PHU_XUAN}")
    form = _counter_form(client)
    first = client.post("/counter/1.001193", data=form)
    assert first.status_code == 302
    code = first.headers["Location"].split("/")[-1].split("?")[0]

    changed = form | {"/application/applicant/full_name": "Lê Thị Hoa"}
    asked = client.post("/counter/1.001193", data=changed)

    page = asked.get_data(as_text=True)
    assert asked.status_code == 422
    assert f"Hồ sơ đã tiếp nhận trước đó: {code}" in page
    assert 'value="Lê Thị Hoa"' in page  # what the officer typed is kept
    new_key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page)
    assert new_key and new_key.group(1) != form["idempotency_key"]
    assert _total(client, reception) == 1

    again = client.post("/counter/1.001193", data=changed | {"idempotency_key": new_key.group(1)})
    assert again.status_code == 302
    assert again.headers["Location"].split("?")[0] != first.headers["Location"].split("?")[0]
    assert _total(client, reception) == 2
