"""Alembic environment: runs on the connection handed over by engine.adapters.database.migrate,
or on the URL in DATABASE_URL when alembic is called from the command line."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

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
    engine = create_engine(os.environ.get("DATABASE_URL", "sqlite:///onestop.db"))
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
