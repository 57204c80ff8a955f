"""The dossier list's search criteria in memory (engine/adapters/dossier_search.py does it in SQL), and the
fake audit of searches of personal data."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from engine.domain.dossier import Dossier
from engine.domain.search import (
    QueryKind,
    SearchAudit,
    SearchCriteria,
    SearchSort,
    name_matches,
    searchable,
    timeliness_matches,
)
from tests.fakes.store import Database, as_stored


def matches(criteria: SearchCriteria, dossier: Dossier) -> bool:
    """Whether the dossier holds every filter of `criteria`."""
    return _query_matches(criteria, dossier) and all(check(criteria, dossier) for check in _FILTERS)


def sort_key(sort: SearchSort) -> tuple[Callable[[Dossier], Any], bool]:
    """The key and direction of the list's order (the id breaks ties, as in SQL)."""
    if sort is SearchSort.DUE:
        return (lambda d: (d.due_at, d.id or 0)), False
    return (lambda d: (d.received_at, d.id or 0)), sort is SearchSort.NEWEST


def _query_matches(criteria: SearchCriteria, d: Dossier) -> bool:
    query = criteria.query
    if query is None:
        return True
    if query.kind is QueryKind.CODE:
        return d.code == query.value
    found = searchable(d.applicant_name, d.application)
    if query.kind is QueryKind.ID_NUMBER:
        return found.id_number == query.value
    if query.kind is QueryKind.PHONE:
        return found.phone == query.value
    return name_matches(query.value, found.name)


def _timeliness(c: SearchCriteria, d: Dossier) -> bool:
    if c.timeliness is None:
        return True
    assert c.now is not None, "the service sets now with timeliness"
    return timeliness_matches(c.timeliness, d, c.now, c.near_due)


_FILTERS: list[Callable[[SearchCriteria, Dossier], bool]] = [
    lambda c, d: c.procedure_code in (None, d.procedure_code),
    lambda c, d: c.status in (None, d.status),
    lambda c, d: c.channel in (None, d.channel),
    lambda c, d: c.received_after is None or d.received_at >= c.received_after,
    lambda c, d: c.received_before is None or d.received_at < c.received_before,
    _timeliness,
]


def may_be_near_due(d: Dossier, now: datetime, before: datetime) -> bool:
    """engine/adapters/dossier_search.py `open_deadlines`: open, not overdue, due before `before` or stopped."""
    deadline = d.deadline_at or d.due_at
    running = d.paused_at is None and now <= deadline <= before
    stopped = d.paused_at is not None and d.paused_at <= deadline
    return d.finished_at is None and d.supplement_rounds <= 1 and (running or stopped)


class FakeSearchAuditRepository:
    def __init__(self, db: Database):
        self._db = db

    def add(self, entry: SearchAudit) -> None:
        self._db.tables.search_audit.append(as_stored(dataclasses.replace(entry, id=self._db.next_id("search_audit"))))

    def page(self, *, unit_ids: Collection[str], limit: int, offset: int) -> tuple[list[SearchAudit], int]:
        rows = sorted((e for e in self._db.tables.search_audit if e.unit_id in unit_ids), key=lambda e: e.at,
                      reverse=True)
        return rows[offset:offset + limit], len(rows)
