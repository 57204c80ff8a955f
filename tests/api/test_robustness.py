"""Odd but well-formed input must give a 4xx problem, never a 500, on every database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import API, receive, sign_in
from tests.conftest import PHU_XUAN
from tests.integration.test_lost_connection import drop_connections


def test_overlong_idempotency_key_is_not_a_server_error(client: Any) -> None:
    headers = sign_in(client, f"reception.{PHU_XUAN}")

    response = receive(client, headers, key="k" * 200)

    assert response.status_code in (201, 400, 422), response.get_json()
    expected_total = 1 if response.status_code == 201 else 0
    assert client.get(f"{API}/dossiers", headers=headers).get_json()["total"] == expected_total


def test_nul_byte_in_input_is_a_client_error(client: Any) -> None:
    reception = sign_in(client, f"reception.{PHU_XUAN}")
    attempts = {
        "public look-up": lambda: client.get(f"{API}/public/dossiers/19768-250714-0001%00",
                                             query_string={"secret": "ABCD"}),
        "sign in": lambda: client.post(f"{API}/auth/token", json={"username": "reception\u0000", "password": "x"}),
        "dossier": lambda: client.get(f"{API}/dossiers/19768%00", headers=reception),
        "task": lambda: client.post(f"{API}/tasks/x%00y/complete", json={"data": {}}, headers=reception),
    }
    for what, attempt in attempts.items():
        response = attempt()

        assert 400 <= response.status_code < 500, what
        assert response.mimetype == "application/problem+json", what


def test_a_lost_database_connection_is_a_503_to_retry_not_a_500(app: Any, client: Any, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to lose")
    headers = sign_in(client, f"reception.{PHU_XUAN}")
    assert client.get(f"{API}/tasks", headers=headers).status_code == 200
    drop_connections(app.extensions["onestop"])

    lost = client.get(f"{API}/tasks", headers=headers)

    assert lost.status_code == 503, lost.get_json()
    assert lost.mimetype == "application/problem+json"
    assert lost.headers["Retry-After"] == "1"
    assert client.get(f"{API}/tasks", headers=headers).status_code == 200
