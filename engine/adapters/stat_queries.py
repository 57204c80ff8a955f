"""The figures for a period, summed in the database from stat_spans.

Each dossier to handle in the period (carried over or newly received) is counted once, in the span that held
just before `as_of` (the period's end, or now); every figure is a count of those rows that meet its
condition (`_flags`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from engine.adapters.records import StatSpanRecord
from engine.domain.dossier import Channel
from engine.domain.figures import SPAN_FIGURES, Figures, Scope
from engine.domain.rating import SatisfactionLevel
from engine.domain.stat_spans import Digitisation
from engine.domain.status import DossierStatus as S
from engine.domain.timeliness import Timeliness

s = StatSpanRecord


def _where(scope: Scope, *, postgres: bool) -> list[ColumnElement[bool]]:
    """The span that held just before `as_of` of each dossier in scope that was received before the period's
    end and had not finished before it began (engine/domain/stat_spans.py `figures_of`).

    Written as an OR of plain conjunctions so that each arm is one index range: at the units, open spans not
    finished (the dossiers in process now), open spans finished since the start, and spans closed at or
    after `as_of` (only for a period that has ended); for a unit, the same of the dossiers it handled.
    On PostgreSQL the units are one array parameter rather than one parameter each: the driver parses the
    statement on every call, ~5 ms less with the 41 centres of a province not written out three times."""
    units = bindparam("units", scope.units, type_=ARRAY(String)) if postgres else None
    arms = []
    for unit in (s.receiving_unit_id, s.competent_unit_id) if scope.either_side else (s.receiving_unit_id,):
        here = unit == any_(units) if units is not None else unit.in_(scope.units)
        # A span's finished_at is never after its start, so one held at `as_of` finished before it: the bound
        # keeps the next period's results out of the index range. A closed span's start is in its index too.
        arms += [and_(here, s.until.is_(None), s.finished_at.is_(None)),
                 and_(here, s.until.is_(None), s.finished_at >= scope.start, s.finished_at < scope.as_of),
                 and_(here, s.until >= scope.as_of, s.since < scope.as_of)]
    conditions = [or_(*arms), s.since < scope.as_of, s.received_at < scope.end,
                  or_(s.finished_at.is_(None), s.finished_at >= scope.start)]
    if scope.procedure_code:
        conditions.append(s.procedure_code == scope.procedure_code)
    return conditions


def overdue_at(as_of: datetime) -> ColumnElement[bool]:
    """A span of a dossier still in process and past its deadline at `as_of` (stat_spans.Snapshot.overdue_at).
    Each branch is NULL-safe: a NULL here would drop the dossier from both sides of ~overdue."""
    return and_(s.outcome.is_(None), or_(s.supplement_rounds > 1, and_(s.paused_at.is_(None), s.deadline_at < as_of),
                                         and_(s.paused_at.is_not(None), s.paused_at > s.deadline_at)))


def _flags(scope: Scope) -> dict[str, ColumnElement[bool]]:
    """Each figure but the intake's as a condition on a span: the dossier counts in it when true. The same
    rule as `figures_of`, which the tests hold these to. A received dossier is never `refused` (refusal is of
    reception; spans stored before were moved to `stopped`)."""
    as_of = scope.as_of
    new = s.received_at >= scope.start
    resolved = s.status.in_([S.RESULT_READY.value, S.RETURNED.value])
    open_ = s.outcome.is_(None)
    overdue = overdue_at(as_of)
    return {  # `resolved` is the sum of its three outcomes, and the total the sum of the centres
        "total": true(),
        "pending": open_,
        "carried_over": ~new,
        "received": new,
        **{f"received_{name}": and_(new, s.channel == channel.value) for name, channel in CHANNELS.items()},
        "outside_area": and_(new, s.outside_area.is_(True)),
        "digitised": and_(new, s.digitisation == Digitisation.ALL.value),
        "partly_digitised": and_(new, s.digitisation == Digitisation.SOME.value),
        "resolved": resolved,
        "resolved_before_time": and_(resolved, s.outcome == Timeliness.BEFORE_TIME.value),
        "resolved_on_time": and_(resolved, s.outcome == Timeliness.ON_TIME.value),
        "resolved_late": and_(resolved, s.outcome == Timeliness.LATE.value),
        "withdrawn": s.status == S.WITHDRAWN.value,
        "stopped": s.status == S.STOPPED.value,
        "in_process_on_time": and_(open_, ~overdue),
        "in_process_overdue": overdue,
        "suspended": and_(open_, s.status.in_([S.SUPPLEMENT_REQUESTED.value, S.AWAITING_PAYMENT.value])),
        "timely": or_(s.outcome.in_([Timeliness.BEFORE_TIME.value, Timeliness.ON_TIME.value]), and_(open_, ~overdue)),
        "returned": s.status == S.RETURNED.value,
        "electronic_results": s.electronic_result.is_(True),
        **{level.value: s.rating == level.value for level in SatisfactionLevel},
    }


CHANNELS = {"online": Channel.ONLINE, "in_person": Channel.IN_PERSON, "by_post": Channel.POST}
"""The figure `received_<name>` of each channel."""

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
        counts = [func.count().filter(condition).label(name) for name, condition in _flags(scope).items()
              if name in _COUNTED]
        postgres = self._s.get_bind().dialect.name == "postgresql"
        query = (_grouping_sets if postgres else _union)(GROUPINGS, counts, _where(scope, postgres=postgres))
        if postgres:
            # One aggregate over ~100k rows: compiling it (JIT) costs more than it saves, and the four
            # hash tables of the grouping sets fit in memory instead of spilling to disk.
            self._s.execute(text("SET LOCAL jit = off"))
            self._s.execute(text("SET LOCAL work_mem = '64MB'"))
            if not scope.either_side:
                # A province's rows are read and filtered by parallel workers, which the planner's default
                # costs rule out for a result this size (a month at 1 M dossiers: statement 105 -> 90 ms,
                # docs/BENCHMARKS.md); one unit's few thousand rows are faster without them.
                self._s.execute(text("SET LOCAL parallel_setup_cost = 0"))
                self._s.execute(text("SET LOCAL parallel_tuple_cost = 0"))
        found: dict[str, list[tuple[str, Figures]]] = {name: [] for name in GROUPINGS}
        for row in self._s.execute(query):
            found[row.grouping].append((str(row.key), _figures(row)))
        return {name: sorted(rows, key=lambda r: r[0]) for name, rows in found.items()}


    def from_other_provinces(self, scope: Scope) -> list[tuple[str, Figures]]:
        """(competent unit, figures) of the dossiers `scope.units` handle that a centre outside them received: a
        province's units handling dossiers another province's centre received and sent here (the exchange,
        engine/domain/exchange.py). Their receiving centre is the other province's, so `figures` of this
        province's centres never counts them; this is this province's part of them."""
        handled = replace(scope, either_side=True)
        counts = [func.count().filter(condition).label(name) for name, condition in _flags(scope).items()
                  if name in _COUNTED]
        where = [*_where(handled, postgres=self._s.get_bind().dialect.name == "postgresql"),
                 s.competent_unit_id.in_(scope.units), s.receiving_unit_id.not_in(scope.units)]
        rows = self._s.execute(select(s.competent_unit_id.label("key"), *counts).where(*where)
                               .group_by(s.competent_unit_id))
        return sorted((str(row.key), _figures(row)) for row in rows)

    def dossiers_behind(self, scope: Scope, figure: str, group: tuple[str, str] | None, *, limit: int,
                        offset: int) -> tuple[list[int], int]:
        """The ids of the dossiers one figure counts (soonest deadline first) and how many there are: the
        same rows `figures` counts, so a figure and the list behind it never disagree. `group` narrows it
        to one key of GROUPINGS, as a cell of a grouped table."""
        postgres = self._s.get_bind().dialect.name == "postgresql"
        if group is not None and group[0] == "from_other_provinces":  # the rows `from_other_provinces` counts
            where = [*_where(replace(scope, either_side=True), postgres=postgres), _flags(scope)[figure],
                     s.competent_unit_id == group[1], s.receiving_unit_id.not_in(scope.units)]
        else:
            where = [*_where(scope, postgres=postgres), _flags(scope)[figure]]
            if group is not None:
                where.append(cast(GROUPINGS[group[0]], String) == group[1])
        total = self._s.scalar(select(func.count()).select_from(s).where(*where)) or 0
        ids = self._s.scalars(select(s.dossier_id).where(*where).order_by(s.deadline_at, s.dossier_id)
                              .limit(limit).offset(offset))
        return list(ids), total


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


_DERIVED = ("received", "received_in_person", "resolved", "in_process_on_time")
"""Figures the sums leave out, worked out from the others (`_figures`): each count costs a province's month
about 2 ms on PostgreSQL."""

_COUNTED = frozenset(("total", *SPAN_FIGURES)) - frozenset(_DERIVED)


def _figures(row: Any) -> Figures:
    f = {name: int(getattr(row, name) or 0) for name in _COUNTED}
    received = f["total"] - f["carried_over"]
    resolved = f["resolved_before_time"] + f["resolved_on_time"] + f["resolved_late"]
    pending = f.pop("total") - resolved - f["withdrawn"] - f["stopped"]
    return Figures(received=received, received_in_person=received - f["received_online"] - f["received_by_post"],
                   resolved=resolved, in_process_on_time=pending - f["in_process_overdue"], **f)

