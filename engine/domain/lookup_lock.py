"""The lock-out of a dossier code after too many wrong secrets: the receipt's code is printed and codes
are numbered by day, so guessing is limited per code as well as per address (api/security.py).

Pure Python. A code's failures count in a window of WINDOW from the first; at MAX_FAILURES it is locked
for LOCK, for everyone, right secret or not. Unknown codes count and lock the same way, so the answers
never tell which codes exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.domain.errors import DomainError

MAX_FAILURES = 10
WINDOW = timedelta(hours=1)
LOCK = timedelta(hours=1)


class LookupLockedError(DomainError):
    """Too many wrong secrets for this code: look-ups and ratings wait until `retry_after` seconds pass."""

    code = "lookup_locked"

    def __init__(self, retry_after: int):
        minutes = math.ceil(retry_after / 60)
        super().__init__(f"too many wrong secrets for this code; try again in {minutes} minutes", minutes=minutes)
        self.retry_after = retry_after


@dataclass(frozen=True)
class LookupFailures:
    failures: int
    window_started_at: datetime
    locked_until: datetime | None


def check_not_locked(state: LookupFailures | None, now: datetime) -> None:
    """Raise LookupLockedError while the code is locked."""
    if state is not None and state.locked_until is not None and state.locked_until > now:
        raise LookupLockedError(max(1, math.ceil((state.locked_until - now).total_seconds())))
