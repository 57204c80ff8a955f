"""The figures for a period, summed in the database from stat_spans.

Each dossier received in the period is counted once, in the span that held at `as_of` (the period's end,
or now); every count is a conditional sum over those rows, grouped as the caller asks.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from engine.adapters.records import RatingRecord, StatSpanRecord
from engine.domain.figures import Figures, Scope
from engine.domain.stat_spans import Digitisation
from engine.domain.status import DossierStatus as S
from engine.domain.timeliness import Timeliness

s = StatSpanRecord


def _where(scope: Scope) -> list[ColumnElement[bool]]:
    at_units: ColumnElement[bool] = s.receiving_unit_id.in_(scope.units)
    if scope.either_side:
        at_units = or_(at_units, s.competent_unit_id.in_(scope.units))
    conditions = [at_units, s.received_at >= scope.start, s.received_at < scope.end,
                  s.since <= scope.as_of, or_(s.until.is_(None), s.until > scope.as_of)]
    if scope.procedure_code:
        conditions.append(s.procedure_code == scope.procedure_code)
    return conditions


def _counts(as_of: datetime) -> dict[str, ColumnElement[Any]]:
    def count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.sum(case((condition, 1), else_=0))

    resolved = s.status.in_([S.RESULT_READY.value, S.RETURNED.value])
    in_process = s.status.in_([S.SUBMITTED.value, S.RECEIVED.value, S.PROCESSING.value])
    open_ = s.outcome.is_(None)
    # Every branch is NOT NULL-safe: a NULL here would drop the dossier from both sides of ~overdue.
    overdue = and_(open_, or_(s.supplement_rounds > 1, and_(s.paused_at.is_(None), s.deadline_at < as_of),
                              and_(s.paused_at.is_not(None), s.paused_at > s.deadline_at)))
    return {
        "received": func.count(),
        "resolved": count(resolved),
        "resolved_before_time": count(and_(resolved, s.outcome == Timeliness.BEFORE_TIME.value)),
        "resolved_on_time": count(and_(resolved, s.outcome == Timeliness.ON_TIME.value)),
        "resolved_late": count(and_(resolved, s.outcome == Timeliness.LATE.value)),
        "in_process_on_time": count(and_(in_process, ~overdue)),
        "in_process_overdue": count(and_(in_process, overdue)),
        "suspended": count(s.status.in_([S.SUPPLEMENT_REQUESTED.value, S.AWAITING_PAYMENT.value,
                                         S.STOPPED.value])),
        "refused": count(s.status == S.REFUSED.value),
        "withdrawn": count(s.status == S.WITHDRAWN.value),
        "timely": count(or_(s.outcome.in_([Timeliness.BEFORE_TIME.value, Timeliness.ON_TIME.value]),
                            and_(open_, ~overdue))),
        "online": count(s.channel == "online"),
        "digitised": count(s.digitisation == Digitisation.ALL.value),
        "partly_digitised": count(s.digitisation == Digitisation.SOME.value),
        "returned": count(s.status == S.RETURNED.value),
        "electronic_results": count(s.electronic_result.is_(True)),
    }


class StatQueries:
    def __init__(self, session: Session):
        self._s = session

    def by_units_and_procedure(self, scope: Scope) -> list[tuple[str, str, str, Figures]]:
        """(receiving unit, competent unit, procedure, figures) for every combination that has dossiers."""
        keys = (s.receiving_unit_id, s.competent_unit_id, s.procedure_code)
        rows = self._aggregate(scope, keys)
        return [(r[0], r[1], r[2], _figures(r)) for r in rows]

    def by_day(self, scope: Scope) -> list[tuple[date, Figures]]:
        """Figures of the dossiers received on each local day of the period."""
        return [(r[0], _figures(r)) for r in self._aggregate(scope, (s.received_day,))]

    def ratings(self, scope: Scope) -> list[tuple[str, str, str, str, int]]:
        """(receiving unit, competent unit, procedure, level, count) of the ratings given by `as_of`."""
        level = RatingRecord.level
        query = (select(s.receiving_unit_id, s.competent_unit_id, s.procedure_code, level, func.count())
                 .join(RatingRecord, RatingRecord.dossier_id == s.dossier_id)
                 .where(*_where(scope), RatingRecord.rated_at <= scope.as_of)
                 .group_by(s.receiving_unit_id, s.competent_unit_id, s.procedure_code, level))
        return [(r[0], r[1], r[2], r[3], r[4]) for r in self._s.execute(query)]

    def _aggregate(self, scope: Scope, keys: tuple[Any, ...]) -> list[Any]:
        counts = _counts(scope.as_of)
        query = (select(*keys, *[c.label(name) for name, c in counts.items()])
                 .where(*_where(scope)).group_by(*keys).order_by(*keys))
        return list(self._s.execute(query))


def _figures(row: Any) -> Figures:
    return Figures(**{name: int(getattr(row, name) or 0) for name in Figures.__dataclass_fields__})
