"""Due times of the same-day birth registration: the 15:00 cut-off, weekends and holidays, in local time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from api.settings import ROOT
from engine.domain.calendar import WorkingCalendar
from tests.api.helpers import API, local, received, sign_in
from tests.api.procedures import Officers, complete_step, detail, load, receive_scenario
from tests.conftest import PHU_XUAN, Clock

CASES = [  # received at (local wall clock) → due at, as the API writes it
    ((2025, 7, 14, 9, 0), "2025-07-14T17:00:00+07:00"),    # Monday morning: same day
    ((2025, 7, 14, 14, 59), "2025-07-14T17:00:00+07:00"),  # just before the cut-off
    ((2025, 7, 14, 15, 0), "2025-07-15T17:00:00+07:00"),   # at the cut-off: next working day
    ((2025, 7, 14, 16, 30), "2025-07-15T17:00:00+07:00"),
    ((2025, 7, 18, 16, 0), "2025-07-21T17:00:00+07:00"),   # Friday afternoon: Monday
    ((2025, 9, 1, 10, 0), "2025-09-03T17:00:00+07:00"),    # 1–2 September 2025: National Day holidays
]


def test_due_times(client: Any, clock: Clock) -> None:
    # One database for all cases: each PostgreSQL test database costs half a second to create.
    headers = sign_in(client, f"reception.{PHU_XUAN}")
    calendar = WorkingCalendar()
    for received_at, due_at in CASES:
        clock.now = local(*received_at)

        receipt = received(client, headers)

        assert receipt["due_at"] == due_at, received_at
        assert receipt["received_at"].endswith("+07:00")
        assert datetime.fromisoformat(receipt["due_at"]) == calendar.same_day_due(clock.now), received_at


def test_birth_group_due_time_skips_national_day_and_grows_once_for_verification(client: Any, clock: Clock) -> None:
    officers = Officers(client)
    folder = ROOT / "processes" / "birth_group" / "scenarios"
    review = next(s for s in load(folder / "insurance_first_with_verification.json")["steps"] if s["task"] == "review")
    assert review["data"]["needs_verification"] is True
    clock.now = local(2025, 8, 29, 10, 0)  # Friday; 1–2 September are National Day holidays

    receipt = receive_scenario(client, officers, folder / "straight.json")
    assert receipt["due_at"] == "2025-09-05T17:00:00+07:00"  # 3 working days: 3, 4, 5 September

    clock.now = local(2025, 8, 29, 11, 0)
    after_review = complete_step(client, officers, receipt, review)
    assert after_review["due_at"] == "2025-09-09T17:00:00+07:00"  # + 2 working days with verification
    history = detail(client, officers, receipt)["history"]
    extended = [e for e in history if e["kind"] == "deadline_extended"]
    assert len(extended) == 1 and extended[0]["data"]["working_days"] == 2


def test_the_land_clock_stops_while_the_applicant_pays(client: Any, clock: Clock) -> None:
    officers, path = Officers(client), ROOT / "processes" / "land_change_registration" / "scenarios" / "straight.json"
    steps = load(path)["steps"]
    receipt = receive_scenario(client, officers, path)
    assert receipt["due_at"] == "2025-07-28T17:00:00+07:00"  # 10 working days from Monday 14 July
    payment = next(i for i, s in enumerate(steps) if s["lane"] == "payment")
    for step in steps[1:payment]:
        dossier = complete_step(client, officers, receipt, step)
    assert dossier["status"] == "awaiting_payment" and dossier["paused_at"] is not None

    clock.now += timedelta(days=3)  # Monday 09:00 to Thursday 09:00: 24 office hours
    resumed = complete_step(client, officers, receipt, steps[payment])

    assert resumed["status"] == "processing" and resumed["paused_at"] is None
    assert resumed["due_at"] == "2025-07-31T17:00:00+07:00"


def test_a_supplement_of_civil_status_information_is_same_day_a_correction_three_days(client: Any,
                                                                                       clock: Clock) -> None:
    """Civil Status Law 2014 Art. 28 (3 working days) and Art. 29 (a supplement: the same day), one procedure."""
    officers, path = Officers(client), ROOT / "processes" / "civil_status_change" / "scenarios" / "straight.json"
    scenario = load(path)
    clock.now = local(2025, 7, 14, 9, 0)  # Monday
    correction = dict(scenario["application"], change={**scenario["application"]["change"], "kind": "correction"})
    supplement = dict(scenario["application"], change={**scenario["application"]["change"], "kind": "supplement"})
    dues = {}
    for name, application in (("correction", correction), ("supplement", supplement)):
        body = {"procedure_code": "1.004859", "application": application, "reception": scenario["steps"][0]["data"]}
        response = client.post(f"{API}/dossiers", json=body, headers=officers(f"reception.{PHU_XUAN}"))
        assert response.status_code == 201, response.get_json()
        dues[name] = response.get_json()["due_at"]
    assert dues == {"correction": "2025-07-17T17:00:00+07:00", "supplement": "2025-07-14T17:00:00+07:00"}
