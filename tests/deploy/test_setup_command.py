"""`flask --app api setup` on an empty database: the schema, every unit, the units' identifiers and the shipped
procedures, and no account; run again, it changes nothing. The first admin is then `users create`, which
refuses to run before `setup` and never shows the password. SQLite and PostgreSQL, each from empty."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api import create_app
from api.settings import ROOT
from engine.adapters.definitions import read_procedures
from tests.conftest import POSTGRES_ENV, _pg_execute, _postgres_admin_url, _with_database, make_settings

PASSWORD = "first-admin-Pw-2026"
ADMIN = ["users", "create", "admin.46", "--unit", "46", "--role", "admin", "--name", "Quản trị hệ thống"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The app over a database with nothing in it, not even the schema."""
    admin, name = _postgres_admin_url(), f"onestop_setup_{uuid.uuid4().hex[:10]}"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    elif admin:
        _pg_execute(admin, f'CREATE DATABASE "{name}"')
        url = _with_database(admin, name)
    else:
        if os.environ.get("ONESTOP_REQUIRE_POSTGRES"):
            pytest.fail(f"{POSTGRES_ENV} is not set but ONESTOP_REQUIRE_POSTGRES is")
        pytest.skip(f"{POSTGRES_ENV} is not set")
    app = create_app({"TESTING": True, "SETTINGS": make_settings(url)})
    yield app
    app.extensions["onestop"].engine.dispose()
    if request.param == "postgres" and admin:
        _pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_setup_loads_everything_but_accounts_and_the_first_admin_follows(empty_app: Any) -> None:
    cli = empty_app.test_cli_runner()
    early = cli.invoke(args=[*ADMIN, "--password-stdin"], input=f"{PASSWORD}\n")
    assert early.exit_code == 1 and "run `flask --app api setup` first" in early.output

    first = cli.invoke(args=["setup"])
    assert first.exit_code == 0, first.output
    assert "Units: 7487 loaded." in first.output and "46.csv: 1 unit identifier loaded" in first.output
    published = first.output.split("Procedures published now: ")[1].split(".\n")[0].split(", ")
    assert len(published) == len(read_procedures(ROOT / "processes", ROOT / "forms")) and "1.001193" in published
    assert "No account was created" in first.output
    assert cli.invoke(args=["users", "list"]).output == ""

    again = cli.invoke(args=["setup"])
    assert again.exit_code == 0 and "Procedures published now: none changed." in again.output

    # The password asked for twice, hidden; a mismatch asks again.
    created = cli.invoke(args=ADMIN, input=f"{PASSWORD}\nsomething-else\n{PASSWORD}\n{PASSWORD}\n")
    assert created.exit_code == 0, created.output
    assert "created admin.46 (admin at 46)" in created.output and PASSWORD not in created.output
    assert cli.invoke(args=["users", "list"]).output == "admin.46\t46\tadmin\tenabled\n"
    # The demo's accounts are setup-demo's alone.
    assert "reception.19768" not in cli.invoke(args=["users", "list", "--unit", "19768"]).output
