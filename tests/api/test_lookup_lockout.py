"""Guessing a receipt's secret (issue 17): secrets of 49 bits, printed in groups and read back however
typed; ten wrong secrets lock a code for an hour, for the look-up and the rating alike, right secret or
not, and an unknown code the same way; the first dossiers' four-character secrets keep working."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from engine.adapters.records import DossierRecord
from engine.domain.dossier_code import grouped_secret
from engine.domain.lookup_lock import LOCK, MAX_FAILURES
from tests.api.helpers import API, drive_to_result, received, return_result, sign_in
from tests.conftest import PHU_XUAN, Clock
from tests.integration._support import run_together


def _look_up(client: Any, code: str, secret: str) -> Any:
    return client.get(f"{API}/public/dossiers/{code}", query_string={"secret": secret})


def _rate(client: Any, code: str, secret: str) -> Any:
    return client.post(f"{API}/public/dossiers/{code}/rating", json={"secret": secret, "level": "satisfied"})


def _wrong(secret: str) -> str:
    return ("3" if secret[0] != "3" else "4") + secret[1:]


@pytest.fixture
def returned(client: Any) -> dict[str, Any]:
    reception = sign_in(client, f"reception.{PHU_XUAN}")
    receipt = received(client, reception)
    drive_to_result(client, receipt["code"])
    assert return_result(client, reception, receipt["code"], collected_by="Nguyễn Văn An").status_code == 200
    return receipt


def test_the_secret_opens_however_the_citizen_types_it(client: Any, returned: dict[str, Any]) -> None:
    code, secret = returned["code"], returned["secret"]
    assert len(secret) == 10
    for typed in (secret, grouped_secret(secret), grouped_secret(secret).lower(), " ".join(secret)):
        assert _look_up(client, code, typed).status_code == 200, typed


def test_ten_wrong_secrets_lock_the_code_for_everyone_until_the_hour_is_over(client: Any, clock: Clock,
                                                                            returned: dict[str, Any]) -> None:
    code, secret = returned["code"], returned["secret"]
    answers = [_look_up(client, code, _wrong(secret)).status_code for _ in range(MAX_FAILURES)]
    assert answers == [404] * MAX_FAILURES

    locked, rating = _look_up(client, code, secret), _rate(client, code, secret)
    assert locked.status_code == 429 and rating.status_code == 429
    assert locked.get_json()["title"] == "Too Many Requests"
    assert 3000 < int(locked.headers["Retry-After"]) <= LOCK.total_seconds()
    assert "try again in 60 minutes" in locked.get_json()["detail"]

    clock.now += LOCK + timedelta(seconds=1)
    assert _look_up(client, code, secret).status_code == 200
    assert _rate(client, code, secret).status_code == 201


def test_failures_spread_over_more_than_an_hour_do_not_lock(client: Any, clock: Clock,
                                                             returned: dict[str, Any]) -> None:
    code, secret = returned["code"], returned["secret"]
    for _ in range(MAX_FAILURES - 1):
        assert _look_up(client, code, _wrong(secret)).status_code == 404
    clock.now += timedelta(hours=1, seconds=1)
    for _ in range(MAX_FAILURES - 1):
        assert _look_up(client, code, _wrong(secret)).status_code == 404
    assert _look_up(client, code, secret).status_code == 200


def test_an_unknown_code_answers_as_a_known_one(client: Any) -> None:
    code = f"{PHU_XUAN}-250714-9999"
    answers = [_look_up(client, code, "AAAAAAAAAA").status_code for _ in range(MAX_FAILURES + 1)]
    assert answers == [404] * MAX_FAILURES + [429]


def test_wrong_secrets_sent_at_once_all_count(client: Any, returned: dict[str, Any]) -> None:
    code, secret = returned["code"], returned["secret"]
    outcomes = run_together([lambda: _look_up(client.application.test_client(), code, _wrong(secret)).status_code
                             for _ in range(MAX_FAILURES)])
    assert [value for _, value in outcomes] == [404] * MAX_FAILURES
    assert _look_up(client, code, secret).status_code == 429


def test_a_dossier_received_with_a_four_character_secret_still_opens(client: Any, app: Any,
                                                                     returned: dict[str, Any]) -> None:
    with app.extensions["onestop"].engine.begin() as connection:
        connection.execute(update(DossierRecord).where(DossierRecord.code == returned["code"]).values(secret="AB2C"))
    assert _look_up(client, returned["code"], "ab2c").status_code == 200
    assert _look_up(client, returned["code"], returned["secret"]).status_code == 404


def test_an_over_long_code_is_a_plain_404(client: Any) -> None:
    assert _look_up(client, "1" * 200, "AAAAAAAAAA").status_code == 404


def test_wrong_secrets_typed_on_the_citizens_page_count_and_the_page_says_the_code_is_locked(
        client: Any, clock: Clock, returned: dict[str, Any]) -> None:
    code, secret = returned["code"], returned["secret"]
    found = client.get("/", query_string={"code": code, "secret": secret.lower()})
    assert found.status_code == 200 and f'value="{grouped_secret(secret)}"' in found.get_data(as_text=True)
    for _ in range(MAX_FAILURES):
        assert client.get("/", query_string={"code": code, "secret": _wrong(secret)}).status_code == 404

    page = client.get("/", query_string={"code": code, "secret": grouped_secret(secret)})
    assert page.status_code == 429 and 3000 < int(page.headers["Retry-After"]) <= LOCK.total_seconds()
    assert "Vui lòng thử lại sau 60 phút" in page.get_data(as_text=True)
    assert 'id="result"' not in page.get_data(as_text=True)  # nothing of the dossier while locked
    refused = client.post("/rate", data={"code": code, "secret": secret, "level": "satisfied"})
    assert refused.status_code == 302 and _look_up(client, code, secret).status_code == 429

    clock.now += LOCK + timedelta(seconds=1)
    assert _rate(client, code, secret).status_code == 201  # the refused rating recorded nothing


def test_the_right_secret_does_not_reset_the_count(client: Any, returned: dict[str, Any]) -> None:
    code, secret = returned["code"], returned["secret"]
    for _ in range(MAX_FAILURES - 1):
        assert _look_up(client, code, _wrong(secret)).status_code == 404
    assert _look_up(client, code, secret).status_code == 200
    assert _look_up(client, code, _wrong(secret)).status_code == 404
    assert _look_up(client, code, secret).status_code == 429
