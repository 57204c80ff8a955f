"""Input the stored JSON could not hold back is refused at the request boundary (issue 17, defect 1 and the
over-long integers of defect 9): an unpaired UTF-16 surrogate, escaped or as raw bytes, anywhere in a request
(JSON body, query string, path, a page's form), and integers beyond 64 bits are a 400 that says what is wrong,
and nothing is stored: no dossier, no step completed, no number of the daily sequence used. An emoji (an
escaped surrogate pair) is accepted and reads back."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.api.helpers import API, csrf_of, received, sign_in, sign_in_page, step_data, task_of
from tests.conftest import PHU_XUAN, VY_DA, Clock, birth_application

LONE = "\ud800"
EMOJI = "\U0001f600"


@pytest.fixture
def reception(client: Any) -> dict[str, str]:
    return sign_in(client, f"reception.{PHU_XUAN}")


def _post_json(client: Any, path: str, body: Any, headers: dict[str, str], *, raw: bytes | None = None) -> Any:
    """POST `body` as the standard library writes it: text outside ASCII as \\u escapes, so a lone surrogate
    goes as the escape `\\ud800` (valid JSON syntax) and an emoji as an escaped pair."""
    data = raw if raw is not None else json.dumps(body)
    return client.post(path, data=data, headers={**headers, "Content-Type": "application/json"})


def _birth(**changes: Any) -> dict[str, Any]:
    application = birth_application(VY_DA)
    for pointer, value in changes.items():
        *parents, name = pointer.split("__")
        target = application
        for parent in parents:
            target = target[parent]
        target[name] = value
    return {"procedure_code": "1.001193", "application": application}


def _assert_refused(response: Any, words: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert words in response.get_json()["detail"]


def _assert_nothing_received(client: Any, reception: dict[str, str], clock: Clock) -> None:
    assert client.get(f"{API}/dossiers", headers=reception).get_json()["total"] == 0
    # The daily sequence was not touched: the next dossier is still number 1.
    assert received(client, reception)["code"] == f"{PHU_XUAN}-{clock.now:%y%m%d}-0001"


@pytest.mark.parametrize("body", [
    _birth(applicant__full_name=LONE),
    _birth(child__place_of_birth=f"Bệnh viện {LONE} Huế"),
    _birth(residence__address="\udc00"),
    {**_birth(), "reception": {"documents_checked": True, "note": LONE}},
    {**_birth(), f"key{LONE}": 1},
], ids=["applicant's name", "application text", "lone low surrogate", "reception step", "a key"])
def test_a_lone_surrogate_escape_in_a_reception_is_a_400_and_nothing_is_received(
        client: Any, reception: dict[str, str], clock: Clock, body: dict[str, Any]) -> None:
    response = _post_json(client, f"{API}/dossiers", body, reception)

    _assert_refused(response, "unpaired UTF-16 surrogate")
    _assert_nothing_received(client, reception, clock)


def test_a_surrogate_as_raw_bytes_is_a_400_and_nothing_is_received(
        client: Any, reception: dict[str, str], clock: Clock) -> None:
    raw = json.dumps(_birth(applicant__full_name=LONE)).encode().replace(b"\\ud800", b"\xed\xa0\x80")

    _assert_refused(_post_json(client, f"{API}/dossiers", None, reception, raw=raw), "not valid UTF-8")
    latin1 = json.dumps(_birth(applicant__full_name="Nguy\u1ec5n")).encode().replace(b"\\u1ec5", b"\xe5")
    _assert_refused(_post_json(client, f"{API}/dossiers", None, reception, raw=latin1), "not valid UTF-8")
    _assert_nothing_received(client, reception, clock)


def test_an_emoji_sent_as_an_escaped_surrogate_pair_is_received_and_reads_back(
        client: Any, reception: dict[str, str]) -> None:
    body = _birth(applicant__full_name=f"Nguyễn {EMOJI}", child__place_of_birth=EMOJI)
    assert "\\ud83d\\ude00" in json.dumps(body)

    response = _post_json(client, f"{API}/dossiers", body, reception)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["applicant_name"] == f"Nguyễn {EMOJI}"
    detail = client.get(f"{API}/dossiers/{response.get_json()['code']}", headers=reception).get_json()
    assert detail["dossier"]["applicant_name"] == f"Nguyễn {EMOJI}"
    assert detail["application"]["child"]["place_of_birth"] == EMOJI
    listed = client.get(f"{API}/dossiers", headers=reception).get_json()["items"]
    assert [d["applicant_name"] for d in listed] == [f"Nguyễn {EMOJI}"]


def test_a_lone_surrogate_in_a_steps_data_is_a_400_and_the_step_stays_open(
        client: Any, reception: dict[str, str]) -> None:
    code = received(client, reception)["code"]
    specialist = sign_in(client, f"specialist.{VY_DA}")
    task = task_of(client, specialist, code, "review")
    assert task is not None
    path = f"{API}/tasks/{task['id']}/complete"

    before = client.get(f"{API}/dossiers/{code}", headers=specialist).get_json()["history"]

    refused = _post_json(client, path, {"data": {**step_data("review"), "note": LONE}}, specialist)

    _assert_refused(refused, "unpaired UTF-16 surrogate")
    assert task_of(client, specialist, code, "review") is not None
    assert client.get(f"{API}/dossiers/{code}", headers=specialist).get_json()["history"] == before
    assert _post_json(client, path, {"data": step_data("review")}, specialist).status_code == 200


@pytest.mark.parametrize("number", ["1" + "0" * 5000, str(2**64 + 1), str(-(2**63) - 1)])
@pytest.mark.parametrize("where", ["application", "top level"])
def test_an_integer_beyond_64_bits_is_a_400_and_nothing_is_received(
        client: Any, reception: dict[str, str], clock: Clock, number: str, where: str) -> None:
    body = json.dumps(_birth(child__birth_order=12345) if where == "application" else
                      {**_birth(), "documents_brought": [12345]})

    response = _post_json(client, f"{API}/dossiers", None, reception, raw=body.replace("12345", number).encode())

    _assert_refused(response, "integer does not fit in 64 bits")
    _assert_nothing_received(client, reception, clock)


def test_the_largest_64_bit_integers_pass_the_boundary(client: Any, reception: dict[str, str]) -> None:
    body = json.dumps({**_birth(), "files": [{"file_id": 2**64 - 1, "document": -(2**63)}]})

    response = _post_json(client, f"{API}/dossiers", None, reception, raw=body.encode())

    assert response.status_code == 422  # not a file id nor a position in the document list
    assert {e["pointer"] for e in response.get_json()["errors"]} == {"/files/0/file_id", "/files/0/document"}


@pytest.mark.parametrize("path", [
    f"{API}/dossiers?status=%ED%A0%80",
    f"{API}/dossiers?status=processing&x=%FF",
    f"{API}/public/dossiers/{PHU_XUAN}-250714-0001?secret=%ED%A0%80",
    f"{API}/dossiers/{PHU_XUAN}-%ED%A0%80",
    "/dossiers?status=%ED%A0%80",
])
def test_a_surrogate_in_the_query_string_or_path_is_a_400(client: Any, reception: dict[str, str], path: str) -> None:
    response = client.get(path, headers=reception)

    assert response.status_code == 400
    part = "path" if "?" not in path else "query string"
    # The API says why; a page says what to do, in the reader's language (api/pages/error_words.py).
    expected = f"the {part} is not valid UTF-8" if path.startswith(API) else "Không đọc được yêu cầu"
    assert expected in response.get_data(as_text=True)
    if path.startswith(API):
        assert response.mimetype == "application/problem+json"
    else:
        assert response.mimetype == "text/html"  # a person at a browser gets the error page


@pytest.mark.parametrize("path", [
    f"{API}/slips/receipts?code=19768-250714-0001&code=z%00u",  # schemathesis found it reaching PostgreSQL
    f"{API}/dossiers?q=nguy%00en",
    f"{API}/dossiers/{PHU_XUAN}-250714-%00001",
])
def test_a_nul_in_the_query_string_or_path_is_a_400(client: Any, reception: dict[str, str], path: str) -> None:
    response = client.get(path, headers=reception)

    assert response.status_code == 400
    assert "NUL characters are not accepted" in response.get_json()["detail"]


def _counter_form(client: Any, **fields: str) -> dict[str, str]:
    form = {f"/application/{k.replace('__', '/')}": str(v) for k, v in _flat(birth_application(VY_DA)).items()}
    return form | {"csrf_token": csrf_of(client, "/counter/1.001193")} | fields


def _flat(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, dict):
            flat |= _flat(value, f"{prefix}{name}__")
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def test_a_surrogate_in_a_page_form_is_a_400_page_and_nothing_is_received(
        client: Any, reception: dict[str, str], clock: Clock) -> None:
    sign_in_page(client, f"reception.{PHU_XUAN}")
    form = _counter_form(client, **{"/application/applicant/full_name": "SURROGATE"})
    body = urlencode(form).replace("SURROGATE", "%ED%A0%80")

    response = client.post("/counter/1.001193", data=body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Không đọc được yêu cầu; vui lòng quay lại và gửi lại biểu mẫu." in response.get_data(as_text=True)
    _assert_nothing_received(client, reception, clock)


def test_a_number_the_page_cannot_store_is_a_form_error_not_a_500(client: Any, reception: dict[str, str]) -> None:
    code = received(client, reception)["code"]
    sign_in_page(client, f"specialist.{VY_DA}")
    task = task_of(client, sign_in(client, f"specialist.{VY_DA}"), code, "review")
    assert task is not None
    prefix = f"/tasks/{task['id']}"

    response = client.post(f"/dossiers/{code}/tasks/{task['id']}", data={
        f"{prefix}/register_book": "01/2025", f"{prefix}/register_number": str(2**64),
        "csrf_token": csrf_of(client, f"/dossiers/{code}")})

    assert response.status_code == 422
    assert re.search(rf'id="f-tasks-{task["id"]}-register_number-error" class="error">[^<]+<',
                     response.get_data(as_text=True))
