"""Shared fixtures: a seeded database (SQLite, and PostgreSQL when ONESTOP_TEST_POSTGRES_URL is set),
a settable clock, the wiring and the Flask app over it, and small builders for requests.

Each test gets its own database, copied from one seeded once per session (a file copy on SQLite,
CREATE DATABASE … TEMPLATE on PostgreSQL), so tests never see each other's dossiers.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from api import create_app
from api.settings import ROOT, Settings
from api.wiring import Wiring, build


def _compile_catalogs() -> None:
    """The pages' words: each api/translations .po compiled to its .mo when that is missing or older, as `make`
    does, so that a plain `pytest` shows the pages in both languages."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted((ROOT / "api" / "translations").glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        partial = mo.with_name(f".{mo.name}.{os.getpid()}")
        with partial.open("wb") as target:
            write_mo(target, catalog)
        partial.replace(mo)


_compile_catalogs()

POSTGRES_ENV = "ONESTOP_TEST_POSTGRES_URL"
PASSWORD = "test-password"
HUE = 46
PHU_XUAN, VY_DA, THUAN_HOA = "19768", "19777", "19786"  # three wards of Huế


class Clock:
    """A clock tests can set and move; times are aware UTC."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret", token_max_age=3600,
                    processes_dir=ROOT / "processes", forms_dir=ROOT / "forms",
                    calendar_file=ROOT / "processes" / "calendar.json", demo_password=PASSWORD,
                    sign_in_rate_limit="10000 per minute", public_rate_limit="10000 per minute",
                    log_level="WARNING")  # a line per request would bury a failure's output; caplog lowers it


def _postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_ENV)


def _pg_conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def _pg_execute(url: str, sql: str) -> None:
    with psycopg.connect(_pg_conninfo(url), autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "seed.db"
    wiring = build(make_settings(f"sqlite:///{path}"))
    wiring.setup_demo(HUE)
    wiring.engine.dispose()
    return path


@pytest.fixture(scope="session")
def seeded_postgres() -> Iterator[str]:
    admin = _postgres_admin_url()
    if not admin:
        if os.environ.get("ONESTOP_REQUIRE_POSTGRES"):
            pytest.fail(f"{POSTGRES_ENV} is not set but ONESTOP_REQUIRE_POSTGRES is: PostgreSQL tests must run")
        pytest.skip(f"{POSTGRES_ENV} is not set")
    template = f"onestop_seed_{uuid.uuid4().hex[:8]}"
    _pg_execute(admin, f'CREATE DATABASE "{template}"')
    wiring = build(make_settings(_with_database(admin, template)))
    wiring.setup_demo(HUE)
    wiring.engine.dispose()
    yield template
    _pg_execute(admin, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh seeded database of each kind."""
    with seeded_database(request, tmp_path, request.param) as url:
        yield url


@contextlib.contextmanager
def seeded_database(request: pytest.FixtureRequest, tmp_path: Path, kind: str, name: str = "test") -> Iterator[str]:
    """A copy of the seeded database of `kind` ("sqlite" or "postgres"), dropped afterwards."""
    if kind == "sqlite":
        path = tmp_path / f"{name}.db"
        shutil.copy(request.getfixturevalue("seeded_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("seeded_postgres")
    admin = _postgres_admin_url()
    assert admin
    database = f"onestop_{name}_{uuid.uuid4().hex[:10]}"
    _pg_execute(admin, f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    try:
        yield _with_database(admin, database)
    finally:
        _pg_execute(admin, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def clock() -> Clock:
    # A Monday morning in Huế (09:00 local): same-day procedures are due at 17:00 that day.
    return Clock(datetime(2025, 7, 14, 2, 0, tzinfo=UTC))


@pytest.fixture
def wiring(database_url: str, clock: Clock) -> Iterator[Wiring]:
    w = build(make_settings(database_url), clock=clock)
    yield w
    w.engine.dispose()


@pytest.fixture
def app(database_url: str, clock: Clock) -> Iterator[Any]:
    flask_app = create_app({"TESTING": True, "SETTINGS": make_settings(database_url),
                            "WIRING": {"clock": clock}})
    yield flask_app
    flask_app.extensions["onestop"].engine.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def scenario(name: str = "straight") -> dict[str, Any]:
    path = ROOT / "processes" / "birth_registration" / "scenarios" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def birth_application(residence: str = VY_DA) -> dict[str, Any]:
    """A valid birth-registration application for a family living in `residence`."""
    application = scenario()["application"]
    application["residence"]["unit_id"] = residence
    return application
