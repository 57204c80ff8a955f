"""`flask --app api worker --once` runs what is due with the app's wiring (its database, calendar and
clock), then exits: here it marks a dossier overdue once the clock has passed its appointment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.helpers import API, received, sign_in
from tests.conftest import PHU_XUAN, Clock


def _history_kinds(client: Any, headers: dict[str, str], code: str) -> list[str]:
    response = client.get(f"{API}/dossiers/{code}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [event["kind"] for event in response.get_json()["history"]]


def test_worker_once_runs_the_due_jobs_and_exits(app: Any, client: Any, clock: Clock) -> None:
    headers = sign_in(client, f"reception.{PHU_XUAN}")
    dossier = received(client, headers)
    runner = app.test_cli_runner()

    clock.now += timedelta(days=2)  # past the same-day appointment
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 jobs run"
    assert _history_kinds(client, headers, dossier["code"]).count("overdue") == 1

    again = runner.invoke(args=["worker", "--once"])
    assert again.output.strip() == "0 jobs run"
    assert _history_kinds(client, headers, dossier["code"]).count("overdue") == 1
