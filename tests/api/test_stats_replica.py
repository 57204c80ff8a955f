"""ONESTOP_STATS_DATABASE_URL: the figures, the dossiers behind them and the register are read from the
statistics database (a streaming replica in production), everything else from the database itself.

The "replica" here is a second seeded database that nothing replicates into, given other dossiers than
the main one: whichever count a response shows tells which database it read."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api import create_app
from tests.api.helpers import API, local, received, sign_in
from tests.conftest import PHU_XUAN, Clock, make_settings, seeded_database

PERIOD = {"from": "2025-07-14T00:00", "to": "2025-07-15T00:00"}


@pytest.fixture
def stats_url(database_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A second seeded database of the same kind as `database_url`."""
    with seeded_database(request, tmp_path, "sqlite" if database_url.startswith("sqlite") else "postgres",
                         name="stats") as url:
        yield url


def _app(database_url: str, clock: Clock, stats_database_url: str = "") -> Any:
    settings = dataclasses.replace(make_settings(database_url), stats_database_url=stats_database_url)
    return create_app({"TESTING": True, "SETTINGS": settings, "WIRING": {"clock": clock}})


def _dispose(app: Any) -> None:
    w = app.extensions["onestop"]
    w.engine.dispose()
    if w.stats_engine is not None:
        w.stats_engine.dispose()


def _receive(app: Any, count: int) -> list[str]:
    client = app.test_client()
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    return [received(client, counter)["code"] for _ in range(count)]


def _reads(app: Any, clock: Clock) -> dict[str, int]:
    """What each statistics read counts of Phú Xuân's receptions on the day, judged that evening."""
    clock.now = local(2025, 7, 14, 18, 0)  # figures judge at the minute of now, excluded
    client = app.test_client()
    supervisor, counter = sign_in(client, "supervisor.46"), sign_in(client, f"reception.{PHU_XUAN}")
    figures = client.get(f"{API}/stats/centres", query_string=PERIOD, headers=supervisor)
    indicators = client.get(f"{API}/stats/indicators", query_string=PERIOD, headers=supervisor)
    behind = client.get(f"{API}/stats/dossiers", query_string={**PERIOD, "figure": "received"}, headers=supervisor)
    register = client.get(f"{API}/units/{PHU_XUAN}/register", headers=counter,
                          query_string={"from": "2025-07-14", "to": "2025-07-14", "format": "csv"})
    for response in (figures, indicators, behind, register):
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    centre = next(c for c in figures.get_json()["centres"] if c["id"] == PHU_XUAN)
    return {"figures": centre["figures"]["received"], "indicators": indicators.get_json()["totals"]["received"],
            "behind": behind.get_json()["total"],
            "register": register.get_data(as_text=True).count("-250714-")}


def test_statistics_read_the_stats_database_and_commands_the_main_one(database_url: str, stats_url: str,
                                                                    clock: Clock) -> None:
    # Two dossiers only in the statistics database, one only in the main one.
    replica_as_main = _app(stats_url, clock)
    _receive(replica_as_main, 2)
    _dispose(replica_as_main)
    app = _app(database_url, clock, stats_database_url=stats_url)
    try:
        [in_main] = _receive(app, 1)
        assert _reads(app, clock) == {"figures": 2, "indicators": 2, "behind": 2, "register": 2}
        client = app.test_client()
        counter = sign_in(client, f"reception.{PHU_XUAN}")
        # The dossiers themselves (the officer's own writes) are read from the main database.
        listed = client.get(f"{API}/dossiers", headers=counter).get_json()
        assert (listed["total"], [d["code"] for d in listed["items"]]) == (1, [in_main])
    finally:
        _dispose(app)


def test_without_a_stats_database_statistics_read_the_main_one(database_url: str, clock: Clock) -> None:
    app = _app(database_url, clock)
    try:
        assert app.extensions["onestop"].stats_engine is None
        _receive(app, 1)
        assert _reads(app, clock) == {"figures": 1, "indicators": 1, "behind": 1, "register": 1}
    finally:
        _dispose(app)


@pytest.mark.parametrize("down", ["sqlite:///{tmp}/no/such/folder/stats.db",
                                  "postgresql+psycopg://postgres@127.0.0.1:1/onestop?connect_timeout=2"])
def test_a_statistics_database_that_does_not_answer_is_a_503_to_retry(database_url: str, clock: Clock,
                                                                      down: str, tmp_path: Path) -> None:
    app = _app(database_url, clock, stats_database_url=down.format(tmp=tmp_path))
    try:
        client = app.test_client()
        response = client.get(f"{API}/stats/centres", query_string=PERIOD, headers=sign_in(client, "supervisor.46"))
    finally:
        _dispose(app)

    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert response.get_json()["detail"] == "the database does not answer; send the request again"
    assert "127.0.0.1:1" not in response.get_data(as_text=True)
