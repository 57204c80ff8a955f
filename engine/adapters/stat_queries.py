"""The figures for a period, summed in the database from stat_spans.

Each dossier received in the period is counted once, in the span that held at `as_of` (the period's end,
or now); every count is a conditional sum over those rows, grouped as the caller asks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from engine.adapters.records import RatingRecord, StatSpanRecord
from engine.domain.figures import Figures, Scope
from engine.domain.rating import SatisfactionLevel
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


def _counts(c: Any, as_of: datetime) -> dict[str, ColumnElement[Any]]:
    """Every figure as a conditional sum over the columns `c` of the dossiers as they stood at `as_of`."""
    def count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.sum(case((condition, 1), else_=0))

    resolved = c.status.in_([S.RESULT_READY.value, S.RETURNED.value])
    in_process = c.status.in_([S.SUBMITTED.value, S.RECEIVED.value, S.PROCESSING.value])
    open_ = c.outcome.is_(None)
    # Every branch is NOT NULL-safe: a NULL here would drop the dossier from both sides of ~overdue.
    overdue = and_(open_, or_(c.supplement_rounds > 1, and_(c.paused_at.is_(None), c.deadline_at < as_of),
                              and_(c.paused_at.is_not(None), c.paused_at > c.deadline_at)))
    return {
        "received": func.count(),
        "resolved": count(resolved),
        "resolved_before_time": count(and_(resolved, c.outcome == Timeliness.BEFORE_TIME.value)),
        "resolved_on_time": count(and_(resolved, c.outcome == Timeliness.ON_TIME.value)),
        "resolved_late": count(and_(resolved, c.outcome == Timeliness.LATE.value)),
        "in_process_on_time": count(and_(in_process, ~overdue)),
        "in_process_overdue": count(and_(in_process, overdue)),
        "suspended": count(c.status.in_([S.SUPPLEMENT_REQUESTED.value, S.AWAITING_PAYMENT.value,
                                         S.STOPPED.value])),
        "refused": count(c.status == S.REFUSED.value),
        "withdrawn": count(c.status == S.WITHDRAWN.value),
        "timely": count(or_(c.outcome.in_([Timeliness.BEFORE_TIME.value, Timeliness.ON_TIME.value]),
                            and_(open_, ~overdue))),
        "online": count(c.channel == "online"),
        "digitised": count(c.digitisation == Digitisation.ALL.value),
        "partly_digitised": count(c.digitisation == Digitisation.SOME.value),
        "returned": count(c.status == S.RETURNED.value),
        "electronic_results": count(c.electronic_result.is_(True)),
        **{level.value: count(c.level == level.value) for level in SatisfactionLevel},
    }


# The groupings summed in one statement: name → the column of the dossiers as they stood that keys it.
GROUPINGS = ("centre", "competent_unit", "procedure", "day", "total")


class StatQueries:
    def __init__(self, session: Session):
        self._s = session

    def figures(self, scope: Scope) -> dict[str, list[tuple[str, Figures]]]:
        """For each of GROUPINGS, (key, figures) of every key that has dossiers: the receiving centre, the
        competent unit, the procedure code, the local day of receipt (YYYY-MM-DD) and the total ("").
        One statement: the spans that held at `as_of`, joined to the ratings given by then, read once
        and summed five ways."""
        rating = RatingRecord
        at_end = (select(s.receiving_unit_id, s.competent_unit_id, s.procedure_code,
                         cast(s.received_day, String).label("received_day"), s.status, s.outcome,
                         s.supplement_rounds, s.paused_at, s.deadline_at, s.channel, s.digitisation,
                         s.electronic_result, rating.level)
                  .outerjoin(rating, and_(rating.dossier_id == s.dossier_id, rating.rated_at <= scope.as_of))
                  .where(*_where(scope)).cte("at_end"))
        c = at_end.c
        counts = [v.label(k) for k, v in _counts(c, scope.as_of).items()]
        keys: dict[str, ColumnElement[Any]] = {
            "centre": c.receiving_unit_id, "competent_unit": c.competent_unit_id, "procedure": c.procedure_code,
            "day": c.received_day, "total": literal("")}
        parts = []
        for name, key in keys.items():
            part = select(literal(name).label("grouping"), key.label("key"), *counts)
            parts.append(part if name == "total" else part.group_by(key))
        found: dict[str, list[tuple[str, Figures]]] = {name: [] for name in GROUPINGS}
        for row in self._s.execute(union_all(*parts)):
            if row.received:  # the total of an empty period is a row of zeros
                found[row.grouping].append((row.key, _figures(row)))
        return {name: sorted(rows, key=lambda r: r[0]) for name, rows in found.items()}


def _figures(row: Any) -> Figures:
    return Figures(**{name: int(getattr(row, name) or 0) for name in Figures.__dataclass_fields__})
