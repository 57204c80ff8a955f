"""The figures for a period, summed in the database from stat_spans.

Each dossier received in the period is counted once, in the span that held at `as_of` (the period's end,
or now); every count is a conditional sum over those rows, grouped as the caller asks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, func, literal, or_, select, text, union_all
from sqlalchemy.orm import Session

from engine.adapters.records import StatSpanRecord
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


def _flags(as_of: datetime) -> dict[str, ColumnElement[bool]]:
    """Each figure but `received` as a condition on a span: the dossier counts in it when true."""
    resolved = s.status.in_([S.RESULT_READY.value, S.RETURNED.value])
    in_process = s.status.in_([S.SUBMITTED.value, S.RECEIVED.value, S.PROCESSING.value])
    open_ = s.outcome.is_(None)
    # Every branch is NOT NULL-safe: a NULL here would drop the dossier from both sides of ~overdue.
    overdue = and_(open_, or_(s.supplement_rounds > 1, and_(s.paused_at.is_(None), s.deadline_at < as_of),
                              and_(s.paused_at.is_not(None), s.paused_at > s.deadline_at)))
    return {
        "resolved": resolved,
        "resolved_before_time": and_(resolved, s.outcome == Timeliness.BEFORE_TIME.value),
        "resolved_on_time": and_(resolved, s.outcome == Timeliness.ON_TIME.value),
        "resolved_late": and_(resolved, s.outcome == Timeliness.LATE.value),
        "in_process_on_time": and_(in_process, ~overdue),
        "in_process_overdue": and_(in_process, overdue),
        "suspended": s.status.in_([S.SUPPLEMENT_REQUESTED.value, S.AWAITING_PAYMENT.value, S.STOPPED.value]),
        "refused": s.status == S.REFUSED.value,
        "withdrawn": s.status == S.WITHDRAWN.value,
        "timely": or_(s.outcome.in_([Timeliness.BEFORE_TIME.value, Timeliness.ON_TIME.value]), and_(open_, ~overdue)),
        "online": s.channel == "online",
        "digitised": s.digitisation == Digitisation.ALL.value,
        "partly_digitised": s.digitisation == Digitisation.SOME.value,
        "returned": s.status == S.RETURNED.value,
        "electronic_results": s.electronic_result.is_(True),
        **{level.value: s.rating == level.value for level in SatisfactionLevel},
    }


# The groupings summed in one statement: name → the column of the dossiers as they stood that keys it.
GROUPINGS = ("centre", "competent_unit", "procedure", "day", "total")


class StatQueries:
    def __init__(self, session: Session):
        self._s = session

    def figures(self, scope: Scope) -> dict[str, list[tuple[str, Figures]]]:
        """For each of GROUPINGS, (key, figures) of every key that has dossiers: the receiving centre, the
        competent unit, the procedure code, the local day of receipt (YYYY-MM-DD) and the total ("").

        One statement: each dossier's span that held at `as_of` is read once and turned into 0/1 flags,
        which are then summed five ways."""
        flags = _flags(scope.as_of)
        at_end = (select(s.receiving_unit_id, s.competent_unit_id, s.procedure_code,
                         cast(s.received_day, String).label("received_day"),
                         *[case((condition, 1), else_=0).label(name) for name, condition in flags.items()])
                  .where(*_where(scope)).cte("at_end"))
        c = at_end.c
        sums = [func.count().label("received"), *[func.sum(c[name]).label(name) for name in flags]]
        keys: dict[str, ColumnElement[Any]] = {
            "centre": c.receiving_unit_id, "competent_unit": c.competent_unit_id, "procedure": c.procedure_code,
            "day": c.received_day, "total": literal("")}
        parts = []
        for name, key in keys.items():
            part = select(literal(name).label("grouping"), key.label("key"), *sums)
            parts.append(part if name == "total" else part.group_by(key))
        if self._s.get_bind().dialect.name == "postgresql":
            # One aggregate over ~100k rows: compiling it (JIT) costs more than it saves, and the
            # materialised rows fit in memory instead of spilling to disk.
            self._s.execute(text("SET LOCAL jit = off"))
            self._s.execute(text("SET LOCAL work_mem = '64MB'"))
        found: dict[str, list[tuple[str, Figures]]] = {name: [] for name in GROUPINGS}
        for row in self._s.execute(union_all(*parts)):
            if row.received:  # the total of an empty period is a row of zeros
                found[row.grouping].append((row.key, _figures(row)))
        return {name: sorted(rows, key=lambda r: r[0]) for name, rows in found.items()}


def _figures(row: Any) -> Figures:
    return Figures(**{name: int(getattr(row, name) or 0) for name in Figures.__dataclass_fields__})
