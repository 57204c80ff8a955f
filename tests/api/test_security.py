"""What every response carries (security headers, no caching of personal data), the rate limits on the
citizen look-up and on signing in (per client address), and logs without ID numbers, phones or secrets."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import pytest

from api import create_app
from api.log_privacy import mask
from tests.api.helpers import API, received, sign_in, sign_in_page
from tests.conftest import PASSWORD, PHU_XUAN, Clock, birth_application, make_settings


@pytest.fixture
def strict_client(database_url: str, clock: Clock) -> Any:
    """An app with the production-like limits: 3 look-ups and 2 sign-ins a minute per address."""
    settings = replace(make_settings(database_url), public_rate_limit="3 per minute", sign_in_rate_limit="2 per minute")
    app = create_app({"TESTING": True, "SETTINGS": settings, "WIRING": {"clock": clock}})
    yield app.test_client()
    app.extensions["onestop"].engine.dispose()


def test_api_and_pages_carry_the_security_headers(client: Any) -> None:
    anonymous = [client.get(f"{API}/procedures"), client.get(f"{API}/dossiers/nothing-here"), client.get("/login"),
                 client.get("/?code=x&secret=y")]
    sign_in_page(client, f"reception.{PHU_XUAN}")
    for response in [*anonymous, client.get("/counter"), client.get("/inbox")]:
        assert response.status_code in (200, 401, 404), response.request.path
        headers = response.headers
        assert "script-src 'self';" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        # One place sets it (api/security.py), for pages and API alike: the look-up page's URL holds the secret.
        assert headers.getlist("Referrer-Policy") == ["no-referrer"]
        assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in client.get("/login").headers
    assert "Strict-Transport-Security" in client.get("/login", base_url="https://localhost").headers


def test_the_session_cookie_is_http_only_and_same_site(client: Any) -> None:
    client.get("/login")
    cookie = client.get_cookie("session")

    assert cookie.http_only and cookie.same_site == "Lax"


def test_look_ups_are_limited_per_client_address(strict_client: Any) -> None:
    receipt = received(strict_client, sign_in(strict_client, f"reception.{PHU_XUAN}"))
    url = f"{API}/public/dossiers/{receipt['code']}"
    here, elsewhere = {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "203.0.113.8"}

    answers = [strict_client.get(url, query_string={"secret": receipt["secret"]}, environ_base=here).status_code
               for _ in range(3)]
    page = strict_client.get("/", query_string={"code": receipt["code"], "secret": "WRONG"}, environ_base=here)
    blank_page = strict_client.get("/", environ_base=here)
    other = strict_client.get(url, query_string={"secret": receipt["secret"]}, environ_base=elsewhere)

    assert answers == [200, 200, 200]
    assert page.status_code == 429  # the page and the API share the address's allowance
    assert blank_page.status_code == 200  # the empty look-up form costs nothing
    assert other.status_code == 200
    limited = strict_client.get(url, query_string={"secret": receipt["secret"]}, environ_base=here)
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json" and "Retry-After" in limited.headers


def test_sign_in_attempts_are_limited_per_client_address(strict_client: Any) -> None:
    here = {"REMOTE_ADDR": "198.51.100.1"}

    def attempt(password: str) -> int:
        body = {"username": f"reception.{PHU_XUAN}", "password": password}
        return int(strict_client.post(f"{API}/auth/token", json=body, environ_base=here).status_code)

    assert [attempt("guess-1"), attempt("guess-2"), attempt(PASSWORD)] == [401, 401, 429]
    form = strict_client.post("/login", data={"username": "x", "password": "y"}, environ_base=here)
    assert form.status_code == 429


def test_masking_hides_id_numbers_phones_and_secrets() -> None:
    line = ('"GET /?code=19768-250714-0001&secret=K7Q2M9 HTTP/1.1" applicant 079201001234 phone 0912345678 '
            "+84912345678 old card 123456789 on 2025-07-14 unit 19768")

    masked = mask(line)

    assert masked == ('"GET /?code=19768-250714-0001&secret=[secret] HTTP/1.1" applicant [id-number] phone [phone] '
                      "[phone] old card [id-number] on 2025-07-14 unit 19768")


def test_no_log_line_carries_personal_data(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    application = birth_application()
    caplog.set_level(logging.DEBUG)
    reception = sign_in(client, f"reception.{PHU_XUAN}")
    receipt = received(client, reception, application=application)
    client.get(f"{API}/public/dossiers/{receipt['code']}", query_string={"secret": receipt["secret"]})
    logging.getLogger("engine.test").error("while saving %s (%s)", application["applicant"]["id_number"],
                                           application["applicant"]["phone"])
    try:
        raise ValueError(f"bad row {application['mother']['id_number']}")
    except ValueError:
        logging.getLogger("api.test").exception("unexpected")

    logged = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    for value in (application["applicant"]["id_number"], application["applicant"]["phone"],
                  application["mother"]["id_number"], receipt["secret"]):
        assert value not in logged
    assert "[id-number]" in logged and "[phone]" in logged


def test_an_unreachable_shared_storage_is_said_at_start_up_and_each_process_still_counts(
        database_url: str, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    settings = replace(make_settings(database_url), public_rate_limit="2 per minute",
                       rate_limit_storage="redis://:hunter2@127.0.0.1:1/0")  # nothing listens on port 1
    with caplog.at_level(logging.ERROR, logger="api.security"):
        app = create_app({"TESTING": True, "SETTINGS": settings, "WIRING": {"clock": clock}})
    try:
        assert "rate-limit storage redis://127.0.0.1:1 cannot be reached" in caplog.text
        assert "hunter2" not in caplog.text
        url = f"{API}/public/dossiers/{PHU_XUAN}-250714-0001"
        answers = [app.test_client().get(url, query_string={"secret": "AAAAAAAAAA"}).status_code for _ in range(3)]
        assert answers == [404, 404, 429]  # never unlimited
    finally:
        app.extensions["onestop"].engine.dispose()
