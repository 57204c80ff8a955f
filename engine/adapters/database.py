"""Database engine and session factory for SQLite (embedded default) and PostgreSQL (production),
and running the Alembic migrations.

SQLite takes its write lock when a transaction begins (BEGIN IMMEDIATE), so two commands never both
read and then race to write; PostgreSQL relies on row locks and the dossier version column.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from engine.domain import json_codec
from engine.domain.errors import UnavailableError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    # Statement parameters carry citizens' ID numbers and phones: keep them out of error messages and logs.
    kwargs.setdefault("hide_parameters", True)
    # One codec both ways (orjson): a value it cannot write is refused, never written in a form it cannot read.
    kwargs.setdefault("json_serializer", json_codec.dumps)
    kwargs.setdefault("json_deserializer", json_codec.loads)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    # No ping before each checkout: it is a round trip per command. A connection found dead fails one command,
    # which writes nothing (UnavailableError, 503), and SQLAlchemy then drops every older pooled connection.
    return create_engine(url, **kwargs)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own BEGIN is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def make_lookup_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for a single read outside any transaction: on PostgreSQL each statement runs on its own,
    sparing the BEGIN and ROLLBACK round trips (the token check of every request is one read). SQLite's
    transactions cost no round trip, so it gets ordinary sessions."""
    if engine.dialect.name != "postgresql":
        return make_session_factory(engine)
    return sessionmaker(bind=engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    # Imported here: Alembic is ~10 MB in every server worker, which never migrates.
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@cache
def head_revision() -> str:
    """The newest Alembic revision of this code (read once: the code does not change under a process). Asking
    it, or `schema_revision`, loads Alembic into the process, a few MB."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None, "the migrations have one head"
    return head


@cache
def known_revisions() -> frozenset[str]:
    """Every Alembic revision of this code, the head and those before it."""
    from alembic.script import ScriptDirectory

    return frozenset(script.revision for script in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions())


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None: never migrated).

    Raises:
        UnavailableError: the database does not answer (the driver's message, which may name the server, is
            left in the chained error, out of the answer).
    """
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except DBAPIError as error:
        raise UnavailableError("the database does not answer", code="database_unreachable") from error


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction for migrations. On SQLite, altering a table copies it and drops the
    original, which the foreign keys of other tables' rows forbid: they are off while migrating (a pragma
    that only takes effect outside a transaction) and every reference is checked before the commit."""
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                yield connection
                if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").first()):
                    raise RuntimeError(f"the migration left a broken reference in table {broken[0]}")
        finally:
            if sqlite:
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
