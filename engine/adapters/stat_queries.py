"""The figures for a period, summed in the database from stat_spans.

Each dossier received in the period is counted once, in the span that held at `as_of` (the period's end,
or now); every figure is a count of those rows that meet its condition (`_flags`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from engine.adapters.records import StatSpanRecord
from engine.domain.figures import INTAKE, Figures, Scope
from engine.domain.rating import SatisfactionLevel
from engine.domain.stat_spans import Digitisation
from engine.domain.status import DossierStatus as S
from engine.domain.timeliness import Timeliness

s = StatSpanRecord


def _where(scope: Scope) -> list[ColumnElement[bool]]:
    """The spans that held at `as_of` of the dossiers in scope, written as an OR of plain conjunctions so
    that each arm is one index: open spans received at the units, closed spans received there that closed
    after `as_of`, and (for a unit) spans of dossiers it handled (ix_stat_spans_competent)."""
    received_here = s.receiving_unit_id.in_(scope.units)
    arms = [and_(received_here, s.until.is_(None)), and_(received_here, s.until > scope.as_of)]
    if scope.either_side:
        arms.append(and_(s.competent_unit_id.in_(scope.units), or_(s.until.is_(None), s.until > scope.as_of)))
    conditions = [or_(*arms), s.received_at >= scope.start, s.received_at < scope.end, s.since <= scope.as_of]
    if scope.procedure_code:
        conditions.append(s.procedure_code == scope.procedure_code)
    return conditions


def _flags(as_of: datetime) -> dict[str, ColumnElement[bool]]:
    """Each figure but `received` and the intake's as a condition on a span: the dossier counts in it when true.
    A received dossier is never `refused` (refusal is of reception; spans stored before were moved to
    `stopped`, which `suspended` counts)."""
    resolved = s.status.in_([S.RESULT_READY.value, S.RETURNED.value])
    in_process = s.status.in_([S.SUBMITTED.value, S.RECEIVED.value, S.PROCESSING.value])
    open_ = s.outcome.is_(None)
    # Each branch is NULL-safe: a NULL here would drop the dossier from both sides of ~overdue.
    overdue = and_(open_, or_(s.supplement_rounds > 1, and_(s.paused_at.is_(None), s.deadline_at < as_of),
                              and_(s.paused_at.is_not(None), s.paused_at > s.deadline_at)))
    return {  # `resolved` is the sum of its three outcomes, and the total the sum of the centres
        "resolved_before_time": and_(resolved, s.outcome == Timeliness.BEFORE_TIME.value),
        "resolved_on_time": and_(resolved, s.outcome == Timeliness.ON_TIME.value),
        "resolved_late": and_(resolved, s.outcome == Timeliness.LATE.value),
        "in_process_on_time": and_(in_process, ~overdue),
        "in_process_overdue": and_(in_process, overdue),
        "suspended": s.status.in_([S.SUPPLEMENT_REQUESTED.value, S.AWAITING_PAYMENT.value, S.STOPPED.value]),
        "withdrawn": s.status == S.WITHDRAWN.value,
        "timely": or_(s.outcome.in_([Timeliness.BEFORE_TIME.value, Timeliness.ON_TIME.value]), and_(open_, ~overdue)),
        "online": s.channel == "online",
        "digitised": s.digitisation == Digitisation.ALL.value,
        "partly_digitised": s.digitisation == Digitisation.SOME.value,
        "returned": s.status == S.RETURNED.value,
        "electronic_results": s.electronic_result.is_(True),
        **{level.value: s.rating == level.value for level in SatisfactionLevel},
    }


# Each grouping: the span column that keys it.
GROUPINGS: dict[str, Any] = {"centre": s.receiving_unit_id, "competent_unit": s.competent_unit_id,
                             "procedure": s.procedure_code, "day": s.received_day}


class StatQueries:
    def __init__(self, session: Session):
        self._s = session

    def figures(self, scope: Scope) -> dict[str, list[tuple[str, Figures]]]:
        """For each of GROUPINGS, (key, figures) of every key that has dossiers: the receiving centre, the
        competent unit, the procedure code and the local day of receipt (YYYY-MM-DD).

        One statement over each dossier's span that held at `as_of`: on PostgreSQL one pass with
        GROUPING SETS; SQLite, which has none, counts once per grouping."""
        counts = [func.count().label("received"),
                  *[func.count().filter(condition).label(name) for name, condition in _flags(scope.as_of).items()]]
        postgres = self._s.get_bind().dialect.name == "postgresql"
        query = (_grouping_sets if postgres else _union)(GROUPINGS, counts, _where(scope))
        if postgres:
            # One aggregate over ~100k rows: compiling it (JIT) costs more than it saves, and the four
            # hash tables of the grouping sets fit in memory instead of spilling to disk.
            self._s.execute(text("SET LOCAL jit = off"))
            self._s.execute(text("SET LOCAL work_mem = '64MB'"))
        found: dict[str, list[tuple[str, Figures]]] = {name: [] for name in GROUPINGS}
        for row in self._s.execute(query):
            found[row.grouping].append((str(row.key), _figures(row)))
        return {name: sorted(rows, key=lambda r: r[0]) for name, rows in found.items()}


def _grouping_sets(keys: dict[str, Any], counts: list[Any], where: list[ColumnElement[bool]]) -> Any:
    columns = list(keys.values())
    # GROUPING() sets a bit, first column highest, for each column a row is NOT grouped by.
    everything = (1 << len(columns)) - 1
    grouping = case(*[(func.grouping(*columns) == everything ^ (1 << (len(columns) - 1 - i)), name)
                      for i, name in enumerate(keys)])
    key = func.coalesce(*[cast(column, String) for column in columns])
    return (select(grouping.label("grouping"), key.label("key"), *counts).where(*where)
            .group_by(func.grouping_sets(*[tuple_(column) for column in columns])))


def _union(keys: dict[str, Any], counts: list[Any], where: list[ColumnElement[bool]]) -> Any:
    """SQLite has no GROUPING SETS: the same counts once per grouping, glued by UNION ALL."""
    return union_all(*[select(literal(name).label("grouping"), cast(column, String).label("key"), *counts)
                       .where(*where).group_by(column) for name, column in keys.items()])


def _figures(row: Any) -> Figures:
    counts = {name: int(getattr(row, name) or 0) for name in Figures.__dataclass_fields__
              if name != "resolved" and name not in INTAKE}
    resolved = counts["resolved_before_time"] + counts["resolved_on_time"] + counts["resolved_late"]
    return Figures(resolved=resolved, **counts)
