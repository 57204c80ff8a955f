"""What /metrics reads of the database at each scrape (engine/domain/monitoring.py), and whether the database is
ready for this code (/readyz).

Read, never written: the scrape of a monitoring system must not change what it watches.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from engine.domain.errors import UnavailableError
from engine.domain.monitoring import Workload
from engine.domain.ports import UnitOfWork


def workload(uow: UnitOfWork, *, now: datetime) -> Workload:
    """Dossiers by status and overdue at `now`, pending and failed jobs and the oldest due."""
    with uow:
        return uow.monitoring.workload(now)


def ready(schema_revision: Callable[[], str | None], *, head: str, known: Collection[str]) -> str:
    """The schema's revision when the database answers and is not behind this code.

    A revision newer than the code's (one it does not know) is ready: during an upgrade the new release migrates
    while the old one still serves, which the schema-change rules (docs/operations.md) make safe; taking every
    old node out of the pool then would leave none.

    Raises:
        UnavailableError: the database does not answer, was never migrated, or is at an older revision than
            the code's (an upgrade not yet migrated).
    """
    found = schema_revision()
    if found is None or (found != head and found in known):
        raise UnavailableError(f"the database schema is at {found or 'no revision'}, the code expects {head}",
                               code="schema_behind", schema=found or "", expected=head)
    return found
