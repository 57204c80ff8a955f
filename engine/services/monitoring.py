"""What /metrics reads of the database at each scrape (engine/domain/monitoring.py), and whether the database is
ready for this code (/readyz).

Read, never written: the scrape of a monitoring system must not change what it watches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from engine.domain.errors import UnavailableError
from engine.domain.monitoring import Workload
from engine.domain.ports import UnitOfWork


def workload(uow: UnitOfWork, *, now: datetime) -> Workload:
    """Dossiers by status and overdue at `now`, pending and failed jobs and the oldest due."""
    with uow:
        return uow.monitoring.workload(now)


def ready(schema_revision: Callable[[], str | None], *, head: str) -> str:
    """The schema's revision when the database answers and is migrated to `head`, the code's newest revision.

    Raises:
        UnavailableError: the database does not answer, or its schema is not the one the code expects (an
            upgrade not yet migrated, or a database newer than this code).
    """
    found = schema_revision()
    if found != head:
        raise UnavailableError(f"the database schema is at {found or 'no revision'}, the code expects {head}",
                               code="schema_not_at_head", schema=found or "", expected=head)
    return found
