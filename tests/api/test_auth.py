"""Signing in and bearer tokens: every failure is a 401 problem+json that does not tell which part was wrong."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import API, sign_in
from tests.conftest import PASSWORD, PHU_XUAN


def _token(client: Any, username: str, password: str) -> Any:
    return client.post(f"{API}/auth/token", json={"username": username, "password": password})


def test_no_token_is_401_problem(client: Any) -> None:
    response = client.get(f"{API}/tasks")

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 401 and body["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_password_and_unknown_user_get_the_same_answer(client: Any) -> None:
    wrong_password = _token(client, f"reception.{PHU_XUAN}", PASSWORD + "x")
    unknown_user = _token(client, "reception.99999", PASSWORD)

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.mimetype == "application/problem+json"
    assert wrong_password.get_json()["detail"] == unknown_user.get_json()["detail"]
    assert "access_token" not in wrong_password.get_json()


def test_garbage_and_wrong_scheme_tokens_are_401(client: Any) -> None:
    valid = sign_in(client, f"reception.{PHU_XUAN}")["Authorization"].split()[1]
    for header in ("Bearer not-a-token", f"Bearer {valid[:-2]}xx", f"Basic {valid}", "Bearer "):
        response = client.get(f"{API}/tasks", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.mimetype == "application/problem+json"


def test_token_from_another_secret_key_is_401(client: Any) -> None:
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("another-secret", salt="api-token").dumps({"uid": 1})
    response = client.get(f"{API}/tasks", headers={"Authorization": f"Bearer {forged}"})

    assert response.status_code == 401


def test_valid_token_identifies_the_officer(client: Any) -> None:
    response = _token(client, f"specialist.{PHU_XUAN}", PASSWORD)
    body = response.get_json()

    assert response.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["unit_id"] == PHU_XUAN and body["roles"] == ["specialist"]
    assert "password" not in body
    inbox = client.get(f"{API}/tasks", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert inbox.status_code == 200
    assert inbox.get_json()["items"] == []
