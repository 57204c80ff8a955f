"""Fixtures of the fault tests: the real server (gunicorn in its own process group) over a fresh seeded
database of each kind (tests/conftest.py's `database_url`: an SQLite file, or a PostgreSQL database
made from the seeded template and dropped afterwards), and the wiring to read that database directly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.wiring import Wiring, build
from tests.conftest import make_settings
from tests.fault._server import Server


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    with Server(database_url, tmp_path) as running:
        running.start()
        yield running


@pytest.fixture
def reader(database_url: str) -> Iterator[Wiring]:
    """The database as the tests read it, with no server in between."""
    wiring = build(make_settings(database_url))
    yield wiring
    wiring.engine.dispose()
