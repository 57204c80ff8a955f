"""Alembic environment: runs on the connection handed over by engine.adapters.database.migrate
(`flask --app api migrate`, the URL from api.settings), or on the URL set as `sqlalchemy.url` in the
Alembic config it is given. It never reads the environment: api/settings.py does.
"""

from __future__ import annotations

from alembic import context

from engine.adapters.database import make_engine, migration_connection
from engine.adapters.records import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database to migrate: run `flask --app api migrate` (ONESTOP_DATABASE_URL), "
                           "or set sqlalchemy.url in the Alembic config")
    engine = make_engine(url)
    try:
        with migration_connection(engine) as conn:
            context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run()
