"""Alembic migrations on an empty database: they build the whole schema, match the records, and
running them again changes nothing."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from api.settings import ROOT
from api.wiring import build
from engine.adapters.database import MIGRATIONS_DIR, make_engine, migrate
from engine.adapters.definitions import read_procedures
from engine.adapters.records import Base
from engine.domain.unit import all_units
from tests.conftest import HUE, POSTGRES_ENV, make_settings

TABLES = {"units", "users", "procedure_versions", "dossiers", "dossier_sequences", "tasks", "history_events",
          "jobs", "ratings", "stat_spans", "access_tokens", "lookup_failures", "submissions", "files",
          "saved_filters", "search_audit", "outbox", "procedure_drafts", "procedure_migrations",
          "procedure_migration_items", "exchange_receipts", "exchange_nonces"}


def _alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url)
    return config


def _head() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path / "empty.db"
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    admin = os.environ.get(POSTGRES_ENV)
    if not admin:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    conninfo = admin.replace("postgresql+psycopg://", "postgresql://")
    name = f"onestop_empty_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(f"{admin.rpartition('/')[0]}/{name}")
    try:
        yield engine
    finally:
        engine.dispose()
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _versions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]


def test_migrate_builds_the_schema_on_an_empty_database(empty_engine: Engine) -> None:
    assert inspect(empty_engine).get_table_names() == []
    migrate(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert tables == TABLES | {"alembic_version"}
    assert _versions(empty_engine) == [_head()]


def test_the_migrated_schema_matches_the_records(empty_engine: Engine) -> None:
    migrate(empty_engine)
    with empty_engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


def test_migrate_twice_is_a_no_op(empty_engine: Engine) -> None:
    migrate(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(text("INSERT INTO dossier_sequences (unit_id, day, last_value) VALUES ('19768', :day, 7)"),
                     {"day": date(2025, 7, 14)})
    schema = {name: [c["name"] for c in inspect(empty_engine).get_columns(name)] for name in TABLES}

    migrate(empty_engine)

    assert _versions(empty_engine) == [_head()]
    assert {name: [c["name"] for c in inspect(empty_engine).get_columns(name)] for name in TABLES} == schema
    with empty_engine.connect() as conn:
        rows = conn.execute(text("SELECT unit_id, day, last_value FROM dossier_sequences")).all()
    assert [(unit, str(day), value) for unit, day, value in rows] == [("19768", "2025-07-14", 7)]


def test_a_migrated_empty_database_takes_a_full_setup(empty_engine: Engine) -> None:
    """The seeded demo (units, procedures, accounts) goes onto a database migrate() just built."""
    url = empty_engine.url.render_as_string(hide_password=False)
    wiring = build(make_settings(url), clock=lambda: datetime(2025, 7, 14, 2, 0, tzinfo=UTC))
    try:
        count, published, created = wiring.setup_demo(HUE)
        codes = {p.code for p in read_procedures(ROOT / "processes", ROOT / "forms")}
        assert count == len(list(all_units())) and set(published) == codes and len(created) >= 120
        # Idempotent: a second set-up adds nothing.
        assert wiring.setup_demo(HUE)[1:] == ([], [])
    finally:
        wiring.engine.dispose()


def test_alembic_run_on_its_own_takes_the_url_from_its_config(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'alembic.db'}"
    command.upgrade(_alembic_config(url), "head")

    engine = make_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}
        assert _versions(engine) == [_head()]
    finally:
        engine.dispose()


def test_alembic_without_a_url_never_falls_back_to_the_environment(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'from_environment.db'}")

    with pytest.raises(RuntimeError, match="flask --app api migrate"):
        command.upgrade(_alembic_config(), "head")
    assert list(tmp_path.iterdir()) == []


def test_dossiers_received_before_intake_keep_their_meaning(tmp_path: Path) -> None:
    """0009 on a database with dossiers: each was handed in when it was received, and one refused after its
    receipt (possible then) is stopped, its figures with it; the history keeps what was done."""
    url = f"sqlite:///{tmp_path / 'before.db'}"
    command.upgrade(_alembic_config(url), "0008")
    engine = make_engine(url)
    received = datetime(2025, 7, 14, 2, 0, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO units (id, name, kind, division_type) VALUES ('19768', 'Phường Phú Xuân', "
                              "'commune', 'phường')"))
            conn.execute(text("INSERT INTO users (id, username, password_hash, display_name, unit_id, roles) "
                              "VALUES (1, 'reception.19768', 'x', 'x', '19768', '[\"reception\"]')"))
            conn.execute(text("INSERT INTO procedure_versions (id, code, version, checksum, manifest, bpmn, forms, "
                              "decisions, published_at) VALUES (1, '1.001193', 1, 'x', '{}', '', '{}', '{}', :at)"),
                         {"at": received})
            for dossier_id, status in ((1, "refused"), (2, "processing")):
                conn.execute(text(
                    "INSERT INTO dossiers (id, code, secret, procedure_code, procedure_version_id, status, channel, "
                    "receiving_unit_id, competent_unit_id, return_unit_id, applicant_name, application, received_at, "
                    "received_by, due_at, workflow_state, routes, fee_vnd, deadline_at, notices, version, "
                    "history_count, history_head) VALUES (:id, :code, 'ABCD', '1.001193', 1, :status, 'in_person', "
                    "'19768', '19768', '19768', 'x', '{}', :at, 1, :at, '{}', '{}', 0, :at, '[]', 1, 0, :head)"),
                    {"id": dossier_id, "code": f"19768-250714-000{dossier_id}", "status": status, "at": received,
                     "head": bytes(32)})
                conn.execute(text(
                    "INSERT INTO stat_spans (dossier_id, since, status, deadline_at, supplement_rounds, "
                    "electronic_result, receiving_unit_id, competent_unit_id, procedure_code, channel, received_at, "
                    "received_day, digitisation) VALUES (:id, :at, :status, :at, 0, 0, '19768', '19768', '1.001193', "
                    "'in_person', :at, '2025-07-14', 'none')"), {"id": dossier_id, "at": received, "status": status})

        command.upgrade(_alembic_config(url), "head")

        with engine.connect() as conn:
            dossiers = conn.execute(text("SELECT status, submitted_at = received_at FROM dossiers ORDER BY id")).all()
            spans = conn.execute(text("SELECT status FROM stat_spans ORDER BY dossier_id")).scalars().all()
        assert [tuple(row) for row in dossiers] == [("stopped", 1), ("processing", 1)]
        assert spans == ["stopped", "processing"]
    finally:
        engine.dispose()


def test_dossiers_stored_before_search_get_their_applicant_searchable(empty_engine: Engine) -> None:
    """0015 on a database with dossiers (in more than one back-fill batch): each gets its applicant's folded name,
    ID number and phone from its application; one without them gets its name only."""
    url = empty_engine.url.render_as_string(hide_password=False)
    command.upgrade(_alembic_config(url), "0014")
    received = datetime(2025, 7, 14, 2, 0, tzinfo=UTC)
    applications = ['{"applicant": {"full_name": "Nguyễn Văn An", "id_number": "046 190 000 123", '
                    '"phone": "+84 912 345 678"}}', '{}', '{"applicant": {"tax_code": "0101234567-001"}}']
    with empty_engine.begin() as conn:
        conn.execute(text("INSERT INTO units (id, name, kind, division_type) VALUES ('19768', 'Phường Phú Xuân', "
                          "'commune', 'phường')"))
        conn.execute(text("INSERT INTO users (id, username, password_hash, display_name, unit_id, roles) "
                          "VALUES (1, 'reception.19768', 'x', 'x', '19768', '[\"reception\"]')"))
        conn.execute(text("INSERT INTO procedure_versions (id, code, version, checksum, manifest, bpmn, forms, "
                          "decisions, published_at) VALUES (1, '1.001193', 1, 'x', '{}', '', '{}', '{}', :at)"),
                     {"at": received})
        for number, (name, application) in enumerate(zip(("Nguyễn Văn An", "Trần Thị Lan", "Công ty Đại Phát"),
                                                         applications, strict=True), start=1):
            conn.execute(text(
                "INSERT INTO dossiers (id, code, secret, procedure_code, procedure_version_id, status, channel, "
                "receiving_unit_id, competent_unit_id, return_unit_id, applicant_name, application, received_at, "
                "received_by, due_at, workflow_state, routes, fee_vnd, deadline_at, notices, version, history_count, "
                "history_head, submitted_at, components) VALUES (:id, :code, 'ABCD', '1.001193', 1, 'processing', "
                "'in_person', '19768', '19768', '19768', :name, :application, :at, 1, :at, '{}', '{}', 0, :at, "
                "'[]', 1, 0, :head, :at, '[]')"),
                {"id": number, "code": f"19768-250714-000{number}", "name": name, "application": application,
                 "at": received, "head": bytes(32)})

    from engine.adapters import dossier_search
    with empty_engine.begin() as conn:  # the back-fill in rounds of two, as it runs over a million in rounds
        conn.execute(text("ALTER TABLE dossiers ADD COLUMN applicant_folded VARCHAR(100) NOT NULL DEFAULT ''"))
        conn.execute(text("ALTER TABLE dossiers ADD COLUMN applicant_id_number VARCHAR(20)"))
        conn.execute(text("ALTER TABLE dossiers ADD COLUMN applicant_phone VARCHAR(16)"))
        assert dossier_search.backfill(conn, batch=2) == 3
        filled = conn.execute(text("SELECT applicant_folded, applicant_id_number, applicant_phone FROM dossiers "
                                   "ORDER BY id")).all()
        for column in ("applicant_folded", "applicant_id_number", "applicant_phone"):
            conn.execute(text(f"ALTER TABLE dossiers DROP COLUMN {column}"))
    expected = [(" nguyen van an", "046190000123", "0912345678"), (" tran thi lan", None, None),
                (" cong ty dai phat", "0101234567001", None)]
    assert [tuple(row) for row in filled] == expected

    command.upgrade(_alembic_config(url), "head")

    with empty_engine.connect() as conn:
        rows = conn.execute(text("SELECT applicant_folded, applicant_id_number, applicant_phone FROM dossiers "
                                 "ORDER BY id")).all()
    assert [tuple(row) for row in rows] == expected
