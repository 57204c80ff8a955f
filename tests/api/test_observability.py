"""Request ids, JSON log lines and readiness (both databases; api/observability.py, api/views/health.py)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from api import create_app, observability
from engine.adapters.database import MIGRATIONS_DIR, head_revision, migration_connection
from engine.services import integrity
from tests.api.helpers import API, received, sign_in
from tests.conftest import PHU_XUAN, Clock, make_settings

GENERATED = re.compile(r"[0-9a-f]{32}")
ID_NUMBER, PHONE = "079201001234", "0912345678"


def test_every_answer_carries_a_generated_request_id(client: Any) -> None:
    answers = [client.get(f"{API}/healthz"), client.get("/healthz"), client.get(f"{API}/dossiers"),
               client.get("/no-such-page"), client.post(f"{API}/dossiers", data="{", content_type="application/json")]

    assert [a.status_code for a in answers] == [200, 200, 401, 404, 400]
    ids = [a.headers["X-Request-Id"] for a in answers]
    assert all(GENERATED.fullmatch(i) for i in ids) and len(set(ids)) == len(ids)
    assert answers[2].mimetype == "application/problem+json"


@pytest.mark.parametrize("offered", ["a", "edge-01:trace.7_X", "x" * 64])
def test_a_well_formed_request_id_is_answered_as_it_came(client: Any, offered: str) -> None:
    assert client.get("/healthz", headers={"X-Request-Id": offered}).headers["X-Request-Id"] == offered


@pytest.mark.parametrize("offered", ["", "x" * 65, "two words", "a;b", "<script>", "ý"])
def test_a_malformed_request_id_is_replaced(client: Any, offered: str) -> None:
    answered = client.get("/healthz", headers={"X-Request-Id": offered}).headers["X-Request-Id"]

    assert GENERATED.fullmatch(answered)


def test_the_history_events_of_a_command_carry_its_request_id_outside_the_hash_chain(app: Any,
                                                                                       client: Any) -> None:
    headers = sign_in(client, f"reception.{PHU_XUAN}")
    receipt = received(client, {**headers, "X-Request-Id": "counter-7:receive"})
    details = client.get(f"{API}/dossiers/{receipt['code']}", headers=headers)
    w = app.extensions["onestop"]

    with w.engine.connect() as connection:
        ids = connection.execute(text("SELECT h.request_id FROM history_events h JOIN dossiers d ON d.id = "
                                      "h.dossier_id WHERE d.code = :code"), {"code": receipt["code"]}).scalars().all()
    assert ids and set(ids) == {"counter-7:receive"}
    assert details.headers["X-Request-Id"] != "counter-7:receive"  # a read writes no event
    assert integrity.verify(w.uow(), dossier_code=receipt["code"]).intact
    # Outside a request (the worker, commands) there is no request id.
    assert observability.current_request_id() is None


@pytest.fixture
def json_app(database_url: str, clock: Clock) -> Iterator[Any]:
    settings = replace(make_settings(database_url), log_format="json", log_level="INFO")
    flask_app = create_app({"TESTING": True, "SETTINGS": settings, "WIRING": {"clock": clock}})
    yield flask_app
    flask_app.extensions["onestop"].engine.dispose()
    observability.configure_logging(make_settings(database_url))  # text again for the tests that follow


def _json_lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_json_log_lines_carry_the_request_id_and_no_query_string(json_app: Any,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    client = json_app.test_client()
    headers = sign_in(client, "supervisor.46")
    capsys.readouterr()

    response = client.get(f"{API}/dossiers", query_string={"q": ID_NUMBER, "secret": "K7M4QX9TRB"},
                          headers={**headers, "X-Request-Id": "scrape-1"})

    assert response.status_code == 200
    lines = _json_lines(capsys.readouterr().err)
    [line] = [line for line in lines if line["logger"] == "api.requests"]
    assert {"time", "level", "logger", "message", "request_id"} <= set(line)
    assert line["level"] == "INFO" and line["request_id"] == "scrape-1"
    assert (line["method"], line["endpoint"], line["status"]) == ("GET", f"{API}/dossiers", 200)
    assert isinstance(line["duration_ms"], float)
    assert ID_NUMBER not in json.dumps(lines) and "K7M4QX9TRB" not in json.dumps(lines) and "?" not in line["message"]


def test_json_log_lines_still_mask_personal_data(json_app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    logger = logging.getLogger("tests.observability")
    capsys.readouterr()
    with json_app.test_request_context():
        logger.warning("citizen %s called from %s", ID_NUMBER, PHONE)
        try:
            raise ValueError(f"no dossier for ID {ID_NUMBER}")
        except ValueError:
            logger.exception("look-up failed")

    lines = [line for line in _json_lines(capsys.readouterr().err) if line["logger"] == "tests.observability"]
    assert [line["level"] for line in lines] == ["WARNING", "ERROR"]
    assert ID_NUMBER not in json.dumps(lines) and PHONE not in json.dumps(lines)
    assert "ValueError" in lines[1]["exception"] and "[id-number]" in lines[1]["exception"]
    assert all(line["request_id"] is None for line in lines)  # a request context, but no request hook ran


def test_ready_when_the_database_answers_at_the_code_s_head(client: Any) -> None:
    for path in ("/readyz", f"{API}/readyz"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.get_json() == {"status": "ready", "schema": head_revision()}


def test_not_ready_while_the_schema_is_behind_the_code(app: Any, client: Any) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with migration_connection(app.extensions["onestop"].engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")

    response = client.get("/readyz")

    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    body = response.get_json()
    below = str(int(head_revision()) - 1).zfill(4)
    assert body["code"] == "schema_behind" and body["params"] == {"schema": below, "expected": head_revision()}
    assert client.get("/healthz").status_code == 200  # alive: restarting it would not help


def test_ready_while_a_newer_release_has_migrated_beside_this_one(app: Any, client: Any) -> None:
    """Side by side during an upgrade: the new release's migration must not take every old node out of the pool."""
    with app.extensions["onestop"].engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")

    response = client.get("/readyz")

    assert response.status_code == 200 and response.get_json() == {"status": "ready", "schema": "9999"}


def test_not_ready_before_the_first_migration(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "SETTINGS": make_settings(f"sqlite:///{tmp_path}/empty.db")})
    try:
        response = app.test_client().get("/readyz")
    finally:
        app.extensions["onestop"].engine.dispose()

    assert response.status_code == 503
    assert response.get_json()["params"] == {"schema": "", "expected": head_revision()}


@pytest.mark.parametrize("url", ["sqlite:///{tmp}/no/such/folder/onestop.db",
                                 "postgresql+psycopg://onestop:hunter2@127.0.0.1:1/onestop?connect_timeout=2"])
def test_not_ready_when_the_database_does_not_answer_and_the_answer_names_no_server(url: str,
                                                                                  tmp_path: Path) -> None:
    url = url.format(tmp=tmp_path)
    app = create_app({"TESTING": True, "SETTINGS": make_settings(url)})
    client = app.test_client()
    try:
        response = client.get(f"{API}/readyz")
        alive = client.get("/healthz")
    finally:
        app.extensions["onestop"].engine.dispose()

    assert response.status_code == 503 and response.get_json()["code"] == "database_unreachable"
    assert all(word not in response.get_data(as_text=True) for word in ("hunter2", "127.0.0.1", str(tmp_path)))
    assert alive.status_code == 200 and alive.get_json() == {"status": "ok"}


def test_a_logger_with_a_level_of_its_own_prints_nothing_below_the_setting(
        database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """werkzeug sets its logger to INFO: its request lines must still stay out at ONESTOP_LOG_LEVEL=WARNING."""
    observability.configure_logging(replace(make_settings(database_url), log_level="WARNING"))
    chatty = logging.getLogger("tests.chatty")
    chatty.setLevel(logging.INFO)
    try:
        chatty.info("a request line")
        chatty.warning("a warning")
    finally:
        chatty.setLevel(logging.NOTSET)

    err = capsys.readouterr().err
    assert "a warning" in err and "a request line" not in err
