"""The SQL of officer search (engine/domain/search.py): the conditions and order a SearchCriteria adds to the
dossier list, the back-fill of the searchable columns, and the audit of searches of personal data.

On PostgreSQL a name is found through the trigram index on `applicant_folded` (pg_trgm); on SQLite by a LIKE
on the same column. ID numbers and phones are equalities on their own indexes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    exists,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from engine.adapters.records import DossierRecord, SearchAuditRecord, StatSpanRecord
from engine.domain.search import QueryKind, SearchAudit, SearchCriteria, SearchSort, name_pattern, searchable
from engine.domain.timeliness import Timeliness

d, s = DossierRecord, StatSpanRecord


def searchable_values(applicant_name: str, application: Mapping[str, Any]) -> dict[str, str | None]:
    """The search columns of a dossier row."""
    found = searchable(applicant_name, application)
    return {"applicant_folded": found.name, "applicant_id_number": found.id_number,
            "applicant_phone": found.phone}


def filtered(query: Select[Any], criteria: SearchCriteria) -> Select[Any]:
    """`query` (of dossiers) with every filter of `criteria`."""
    return query.where(*_query_conditions(criteria), *_filter_conditions(criteria))


def ordered(query: Select[Any], sort: SearchSort, rows: Any = d) -> Select[Any]:
    """The list's order on `rows` (the dossiers, or a subquery's alias of them); the id breaks ties, so that
    pages never overlap."""
    if sort is SearchSort.DUE:
        return query.order_by(rows.due_at.asc(), rows.id.asc())
    if sort is SearchSort.OLDEST:
        return query.order_by(rows.received_at.asc(), rows.id.asc())
    return query.order_by(rows.received_at.desc(), rows.id.desc())


def _query_conditions(criteria: SearchCriteria) -> list[ColumnElement[bool]]:
    found = criteria.query
    if found is None:
        return []
    if found.kind is QueryKind.CODE:
        return [d.code == found.value]
    if found.kind is QueryKind.ID_NUMBER:
        return [d.applicant_id_number == found.value]
    if found.kind is QueryKind.PHONE:
        return [d.applicant_phone == found.value]
    return [d.applicant_folded.like(name_pattern(found.value))]


def _filter_conditions(criteria: SearchCriteria) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if criteria.procedure_code is not None:
        conditions.append(d.procedure_code == criteria.procedure_code)
    if criteria.status is not None:
        conditions.append(d.status == criteria.status.value)
    if criteria.channel is not None:
        conditions.append(d.channel == criteria.channel.value)
    if (after := criteria.received_after) is not None:
        conditions.append(d.received_at >= after)
    if (before := criteria.received_before) is not None:
        conditions.append(d.received_at < before)
    if criteria.timeliness is not None:
        conditions.append(exists().where(s.dossier_id == d.id, s.until.is_(None), _timeliness(criteria)))
    return conditions


def _timeliness(criteria: SearchCriteria) -> ColumnElement[bool]:
    """On the dossier and its open statistics span (which keeps the final class as `outcome`, and the rounds of
    supplementation), as engine/domain/search.py `timeliness_matches` says."""
    wanted, now = criteria.timeliness, criteria.now
    assert wanted is not None and now is not None, "the service sets now with timeliness"
    if wanted.is_final:
        return s.outcome == wanted.value
    if wanted is Timeliness.OVERDUE:
        return and_(d.finished_at.is_(None), _overdue(now))
    near_due = d.id.in_(sorted(criteria.near_due))
    return and_(d.finished_at.is_(None), ~_overdue(now), near_due if wanted is Timeliness.NEAR_DUE else ~near_due)


def _overdue(now: datetime) -> ColumnElement[bool]:
    """`timeliness.of_dossier`'s overdue, for an open dossier (each branch NULL-safe)."""
    return or_(s.supplement_rounds > 1, and_(d.paused_at.is_(None), d.deadline_at < now),
               and_(d.paused_at.is_not(None), d.paused_at > d.deadline_at))


def open_deadlines(scoped: Select[Any], now: datetime, before: datetime) -> Select[Any]:
    """What `near_due_ids` needs of the open dossiers of `scoped` (a query of dossiers) that are not overdue and
    either are due before `before` or have their clock stopped: the only ones that can be near due."""
    running = and_(d.paused_at.is_(None), d.deadline_at >= now, d.deadline_at <= before)
    stopped = and_(d.paused_at.is_not(None), d.paused_at <= d.deadline_at)
    columns = cast(Select[Any], scoped.with_only_columns(d.id, d.received_at, d.deadline_at, d.paused_at))
    return columns.where(d.finished_at.is_(None), or_(running, stopped),
                         exists().where(s.dossier_id == d.id, s.until.is_(None), s.supplement_rounds <= 1))


class SearchAuditRepository:
    def __init__(self, session: Session):
        self._s = session

    def add(self, entry: SearchAudit) -> None:
        self._s.add(SearchAuditRecord(user_id=entry.user_id, unit_id=entry.unit_id, at=entry.at,
                                      kind=entry.kind.value, text=entry.text, found=entry.found))
        self._s.flush()

    def page(self, *, unit_ids: Collection[str], limit: int, offset: int) -> tuple[list[SearchAudit], int]:
        """The searches made by officers of `unit_ids`, newest first, with their count."""
        query = select(SearchAuditRecord).where(SearchAuditRecord.unit_id.in_(list(unit_ids)))
        total = self._s.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self._s.scalars(query.order_by(SearchAuditRecord.at.desc(), SearchAuditRecord.id.desc())
                               .limit(limit).offset(offset))
        return [SearchAudit(user_id=r.user_id, unit_id=r.unit_id, at=r.at, kind=QueryKind(r.kind), text=r.text,
                            found=r.found, id=r.id) for r in rows], total


def backfill(connection: Connection, *, batch: int = 10_000) -> int:
    """Fill the search columns of the dossiers stored before them, `batch` rows a round (migration 0015).
    Returns how many rows it filled."""
    postgres = connection.dialect.name == "postgresql"
    applicant = "application -> 'applicant'" if postgres else "json_extract(application, '$.applicant')"
    read = text(f"SELECT id, applicant_name, {applicant} FROM dossiers WHERE id > :last ORDER BY id LIMIT :batch")
    last, filled = 0, 0
    while rows := connection.execute(read, {"last": last, "batch": batch}).all():
        values = [{"id": row[0], **searchable_values(row[1], {"applicant": _json(row[2])})} for row in rows]
        _write(connection, values, postgres=postgres)
        last, filled = rows[-1][0], filled + len(rows)
    return filled


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _write(connection: Connection, values: list[dict[str, Any]], *, postgres: bool) -> None:
    if postgres:  # one statement a round: arrays of the values, joined by id
        connection.execute(text(
            "UPDATE dossiers AS d SET applicant_folded = v.f, applicant_id_number = v.i, applicant_phone = v.p "
            "FROM unnest(CAST(:ids AS integer[]), CAST(:f AS varchar[]), CAST(:i AS varchar[]), "
            "CAST(:p AS varchar[])) AS v(id, f, i, p) WHERE d.id = v.id"),
            {"ids": [v["id"] for v in values], "f": [v["applicant_folded"] for v in values],
             "i": [v["applicant_id_number"] for v in values], "p": [v["applicant_phone"] for v in values]})
        return
    connection.execute(text("UPDATE dossiers SET applicant_folded = :applicant_folded, applicant_id_number = "
                            ":applicant_id_number, applicant_phone = :applicant_phone WHERE id = :id"), values)
