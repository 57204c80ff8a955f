"""The national portal's machine client: an account of its own at a province, for the API only."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import API, csrf_of, sign_in
from tests.conftest import HUE, PASSWORD


def test_the_portal_client_signs_in_to_the_api_and_never_to_the_pages(client: Any) -> None:
    assert "Authorization" in sign_in(client, f"portal.{HUE}")

    page = client.post("/login", data={"username": f"portal.{HUE}", "password": PASSWORD,
                                       "csrf_token": csrf_of(client)})

    assert page.status_code == 401
    assert client.get("/counter").status_code == 302  # still signed out: back to the sign-in page


def test_a_portal_account_holds_no_officer_role(client: Any) -> None:
    admin = sign_in(client, f"admin.{HUE}")
    body = {"username": "dvcqg.client", "password": "cổng-dịch-vụ-công-2025", "display_name": "DVCQG",
            "unit_id": str(HUE), "roles": ["portal"]}

    mixed = client.post(f"{API}/users", json={**body, "roles": ["portal", "reception"]}, headers=admin)
    at_a_commune = client.post(f"{API}/users", json={**body, "unit_id": "19768"}, headers=admin)
    alone = client.post(f"{API}/users", json=body, headers=admin)

    assert mixed.status_code == 422 and at_a_commune.status_code == 422
    assert alone.status_code == 201, alone.get_json()
    token = client.post(f"{API}/auth/token", json={"username": "dvcqg.client", "password": body["password"]})
    assert token.status_code == 200
    # It hands dossiers in; it holds no step of any officer's inbox.
    inbox = client.get(f"{API}/tasks", headers={"Authorization": f"Bearer {token.get_json()['access_token']}"})
    assert inbox.status_code == 200 and inbox.get_json()["items"] == []
