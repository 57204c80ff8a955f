"""The inbox's due column (issue 21): a same-day step is not near due from the moment it arrives, and a step
whose dossier waits for the applicant shows since when its clock is stopped instead of a due time."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import API, local, received, sign_in, sign_in_page
from tests.conftest import PHU_XUAN, VY_DA, Clock


def inbox_row(client: Any, code: str) -> str:
    page = client.get("/inbox").get_data(as_text=True)
    return next(row for row in page.split("<tr") if code in row)


def test_a_same_day_step_is_in_time_on_arrival_and_shows_a_stopped_clock_while_waiting(client: Any,
                                                                                     clock: Clock) -> None:
    clock.now = local(2025, 7, 14, 9, 0)  # Monday 09:00: a same-day procedure, due 17:00
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]
    sign_in_page(client, f"specialist.{VY_DA}")
    clock.now = local(2025, 7, 14, 9, 30)
    row = inbox_row(client, code)
    assert "near_due" not in row and "overdue" not in row and "14/07/2025" in row

    clock.now = local(2025, 7, 14, 10, 0)
    asked = client.post(f"{API}/dossiers/{code}/supplement-request", headers=sign_in(client, f"specialist.{VY_DA}"),
                        json={"reasons": "Thiếu giấy chứng sinh", "items": [{"name": "Giấy chứng sinh"}]})
    assert asked.status_code == 200, asked.get_json()
    clock.now = local(2025, 7, 14, 16, 55)  # the due time has nearly passed, but the clock is stopped
    row = inbox_row(client, code)
    assert "Dừng tính thời gian từ" in row and "10:00" in row
    assert "near_due" not in row and "overdue" not in row
    page = client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert page.count("Dừng tính thời gian từ 14/07/2025 10:00") >= 2  # beside the appointment and the waiting step
