"""The per-code count of wrong secrets (engine/adapters/lookup_failures.py) on SQLite and PostgreSQL:
failures sent at once all count, the tenth within a window locks the code, a window over starts again."""

from __future__ import annotations

from datetime import datetime, timedelta

from api.wiring import Wiring
from engine.domain.lookup_lock import LOCK, MAX_FAILURES, WINDOW, LookupFailures
from tests.conftest import PHU_XUAN, Clock
from tests.integration._support import run_together

CODE = f"{PHU_XUAN}-250714-0042"


def _count(wiring: Wiring, now: datetime) -> None:
    with wiring.uow() as uow:
        uow.lookup_failures.count_failure(CODE, now)
        uow.commit()


def _state(wiring: Wiring) -> LookupFailures | None:
    with wiring.uow() as uow:
        state: LookupFailures | None = uow.lookup_failures.get(CODE)
        return state


def test_failures_sent_at_once_all_count(wiring: Wiring, clock: Clock) -> None:
    calls = 20  # the first row is inserted by whichever comes first; the others update it
    outcomes = run_together([lambda: _count(wiring, clock.now) for _ in range(calls)])
    assert [kind for kind, _ in outcomes] == ["ok"] * calls, outcomes
    assert _state(wiring) == LookupFailures(calls, clock.now, clock.now + LOCK)


def test_the_tenth_failure_within_the_window_locks_the_code(wiring: Wiring, clock: Clock) -> None:
    start = clock.now
    for minute in range(MAX_FAILURES - 1):
        _count(wiring, start + timedelta(minutes=minute))
    assert _state(wiring) == LookupFailures(MAX_FAILURES - 1, start, None)
    last = start + WINDOW - timedelta(seconds=1)
    _count(wiring, last)
    assert _state(wiring) == LookupFailures(MAX_FAILURES, start, last + LOCK)


def test_a_failure_after_the_window_starts_a_new_count(wiring: Wiring, clock: Clock) -> None:
    start = clock.now
    for _ in range(MAX_FAILURES - 1):
        _count(wiring, start)
    later = start + WINDOW
    _count(wiring, later)
    assert _state(wiring) == LookupFailures(1, later, None)
