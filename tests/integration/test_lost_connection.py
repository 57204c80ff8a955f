"""Pooled connections are not pinged before each command (a round trip each): when the database drops
them (a restart, a failover), the next command fails cleanly with UnavailableError, having written
nothing, and the one after it runs on a new connection."""

from __future__ import annotations

import psycopg
import pytest

from api.wiring import Wiring
from engine.domain.errors import UnavailableError
from tests.conftest import PHU_XUAN
from tests.integration._support import Actors, load, receive, tasks_of


def drop_connections(wiring: Wiring) -> None:
    """Terminate every server connection to the test database, as a database restart would."""
    url = wiring.engine.url
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname="postgres",
                         autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                     "pg_backend_pid()", (url.database,))


def test_a_command_on_a_dropped_connection_fails_cleanly_and_the_next_one_works(
        wiring: Wiring, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to lose")
    actors = Actors(wiring)
    officer = actors(f"reception.{PHU_XUAN}")
    first = receive(wiring, officer)  # leaves its connection in the pool
    drop_connections(wiring)
    with pytest.raises(UnavailableError):
        receive(wiring, officer)
    second = receive(wiring, officer)
    assert second.code != first.code
    assert load(wiring, second.code).status == load(wiring, first.code).status
    # The failed reception wrote nothing: the codes are consecutive.
    assert int(second.code.rsplit("-", 1)[1]) == int(first.code.rsplit("-", 1)[1]) + 1
    assert len(tasks_of(wiring, second)) == len(tasks_of(wiring, first))
