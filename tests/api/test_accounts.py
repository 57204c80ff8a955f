"""Accounts: tokens that expire and can be revoked, accounts an admin or the server's shell creates and
disables (which ends their tokens and sessions at once), and passwords hashed with Argon2id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from tests.api.helpers import API, csrf_of, sign_in, sign_in_page
from tests.conftest import HUE, PASSWORD, PHU_XUAN

NEW_PASSWORD = "xuân-hè-thu-2025"


def _token(client: Any, username: str, password: str = PASSWORD) -> Any:
    return client.post(f"{API}/auth/token", json={"username": username, "password": password})


def _sql(app: Any, statement: str, **params: Any) -> Any:
    with app.extensions["onestop"].engine.begin() as connection:
        return connection.execute(text(statement), params)


def _cli(app: Any, *args: str, stdin: str | None = None) -> Any:
    return app.test_cli_runner().invoke(args=list(args), input=stdin)


def test_a_revoked_token_stops_working_and_the_officers_other_tokens_do_not(client: Any) -> None:
    first, second = sign_in(client, f"reception.{PHU_XUAN}"), sign_in(client, f"reception.{PHU_XUAN}")

    revoked = client.delete(f"{API}/auth/token", headers=first)

    assert revoked.status_code == 204
    assert client.get(f"{API}/tasks", headers=first).status_code == 401
    assert client.delete(f"{API}/auth/token", headers=first).status_code == 401
    assert client.get(f"{API}/tasks", headers=second).status_code == 200


def test_an_expired_token_is_refused(app: Any, client: Any) -> None:
    headers = sign_in(client, f"reception.{PHU_XUAN}")
    assert client.get(f"{API}/tasks", headers=headers).status_code == 200

    _sql(app, "UPDATE access_tokens SET expires_at = :past", past=datetime.now(UTC) - timedelta(seconds=1))

    response = client.get(f"{API}/tasks", headers=headers)
    assert response.status_code == 401
    assert "expired" in response.get_json()["detail"]


def test_tokens_are_stored_only_as_digests(app: Any, client: Any) -> None:
    token = sign_in(client, f"reception.{PHU_XUAN}")["Authorization"].split()[1]

    stored = [row.digest for row in _sql(app, "SELECT digest FROM access_tokens")]

    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


def test_the_shell_creates_an_account_that_can_sign_in(app: Any, client: Any) -> None:
    result = _cli(app, "users", "create", "ho.thi.lan", "--unit", PHU_XUAN, "--role", "reception", "--role",
                  "specialist", "--name", "Hồ Thị Lan", "--password-stdin", stdin=NEW_PASSWORD + "\n")

    assert result.exit_code == 0, result.output
    assert "created ho.thi.lan (reception, specialist at 19768)" in result.output
    body = _token(client, "ho.thi.lan", NEW_PASSWORD).get_json()
    assert body["roles"] == ["reception", "specialist"] and body["unit_id"] == PHU_XUAN
    stored = _sql(app, "SELECT password_hash FROM users WHERE username = 'ho.thi.lan'").scalar_one()
    assert stored.startswith("$argon2id$") and NEW_PASSWORD not in stored
    assert "ho.thi.lan\t19768\treception,specialist\tenabled" in _cli(app, "users", "list", "--unit", PHU_XUAN).output


def test_the_shell_refuses_a_weak_password_a_taken_name_and_a_role_the_unit_cannot_hold(app: Any) -> None:
    def create(username: str, password: str, unit: str, role: str) -> Any:
        return _cli(app, "users", "create", username, "--unit", unit, "--role", role, "--name", "X",
                    "--password-stdin", stdin=password + "\n")

    weak = create("new.officer", "short", PHU_XUAN, "reception")
    taken = create(f"reception.{PHU_XUAN}", NEW_PASSWORD, PHU_XUAN, "reception")
    misplaced = create("new.officer", NEW_PASSWORD, PHU_XUAN, "supervisor")
    unknown = create("new.officer", NEW_PASSWORD, "99999", "reception")

    assert [r.exit_code for r in (weak, taken, misplaced, unknown)] == [1, 1, 1, 1]
    assert "/password: must have at least 10 characters" in weak.output
    assert "is taken" in taken.output
    assert "/roles/0: a supervisor cannot sit at a commune unit" in misplaced.output
    assert "/unit_id: there is no such unit" in unknown.output
    assert "Traceback" not in weak.output + taken.output + misplaced.output + unknown.output
    assert _sql(app, "SELECT count(*) FROM users WHERE username = 'new.officer'").scalar_one() == 0


def test_disabling_ends_tokens_and_sessions_at_once_and_enabling_needs_a_new_sign_in(app: Any, client: Any) -> None:
    username = f"specialist.{PHU_XUAN}"
    headers = sign_in(client, username)
    browser = app.test_client()
    sign_in_page(browser, username)
    assert browser.get("/inbox").status_code == 200

    result = _cli(app, "users", "disable", username)

    assert result.exit_code == 0, result.output
    assert client.get(f"{API}/tasks", headers=headers).status_code == 401
    assert browser.get("/inbox").status_code == 302
    refused, unknown = _token(client, username), _token(client, "nobody.here")
    assert refused.status_code == 401 and refused.get_json()["detail"] == unknown.get_json()["detail"]

    assert _cli(app, "users", "enable", username).exit_code == 0
    assert client.get(f"{API}/tasks", headers=headers).status_code == 401  # the old token stays revoked
    assert client.get(f"{API}/tasks", headers=sign_in(client, username)).status_code == 200


def test_signing_out_of_the_pages_revokes_the_session_on_the_server(app: Any) -> None:
    browser = app.test_client()
    sign_in_page(browser, f"leader.{PHU_XUAN}")
    stolen = browser.get_cookie("session").value

    browser.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)

    assert thief.get("/inbox").status_code == 302


def test_a_legacy_scrypt_hash_still_signs_in_and_is_upgraded(app: Any, client: Any) -> None:
    import hashlib

    salt = bytes(16)
    digest = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1).hex()
    _sql(app, "UPDATE users SET password_hash = :h WHERE username = :u", h=f"scrypt$16384$8$1${salt.hex()}${digest}",
         u=f"leader.{PHU_XUAN}")

    assert _token(client, f"leader.{PHU_XUAN}").status_code == 200
    upgraded = _sql(app, "SELECT password_hash FROM users WHERE username = :u", u=f"leader.{PHU_XUAN}").scalar_one()
    assert upgraded.startswith("$argon2id$")
    assert _token(client, f"leader.{PHU_XUAN}").status_code == 200


def test_an_admin_manages_the_accounts_of_their_own_province_only(app: Any, client: Any) -> None:
    admin = sign_in(client, f"admin.{HUE}")
    body = {"username": "tran.van.binh", "password": NEW_PASSWORD, "display_name": "Trần Văn Bình",
            "unit_id": PHU_XUAN, "roles": ["reception"]}

    created = client.post(f"{API}/users", json=body, headers=admin)
    elsewhere = client.post(f"{API}/users", json={**body, "username": "x.y.z", "unit_id": "00004"}, headers=admin)
    by_a_leader = client.post(f"{API}/users", json={**body, "username": "x.y.w"},
                              headers=sign_in(client, f"leader.{PHU_XUAN}"))
    invalid = client.post(f"{API}/users", json={**body, "username": "A", "roles": ["mayor"]}, headers=admin)

    assert created.status_code == 201
    assert created.get_json() == {"username": "tran.van.binh", "display_name": "Trần Văn Bình", "unit_id": PHU_XUAN,
                                  "roles": ["reception"], "disabled": False, "deputy": False}
    assert (elsewhere.status_code, by_a_leader.status_code, invalid.status_code) == (403, 403, 422)
    assert {e["pointer"] for e in invalid.get_json()["errors"]} == {"/username", "/roles/0"}
    listed = client.get(f"{API}/users", query_string={"unit_id": PHU_XUAN}, headers=admin).get_json()
    assert [a["username"] for a in listed] == ["leader.19768", "reception.19768", "specialist.19768", "tran.van.binh"]

    disabled = client.post(f"{API}/users/tran.van.binh/disable", headers=admin)
    assert disabled.status_code == 200 and disabled.get_json()["disabled"] is True
    assert _token(client, "tran.van.binh", NEW_PASSWORD).status_code == 401
    assert client.post(f"{API}/users/admin.{HUE}/disable", headers=admin).status_code == 409
    assert client.post(f"{API}/users/nobody/disable", headers=admin).status_code == 404


def test_signing_out_through_the_api_with_the_page_session_revokes_that_session(app: Any) -> None:
    browser = app.test_client()
    sign_in_page(browser, f"leader.{PHU_XUAN}")
    csrf = csrf_of(browser, "/inbox")

    assert browser.delete(f"{API}/auth/token").status_code == 403  # a change without the CSRF token
    assert browser.delete(f"{API}/auth/token", headers={"X-CSRF-Token": csrf}).status_code == 204

    assert browser.get("/inbox").status_code == 302
