"""Due times of the same-day birth registration: the 15:00 cut-off, weekends and holidays, in local time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.domain.calendar import WorkingCalendar
from tests.api.helpers import local, received, sign_in
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
