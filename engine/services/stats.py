"""Resolution rates per centre and the Decision 766 indicators, for a province or one unit and a period.

Supervisors and admins of a province read the whole province and any unit in it; other officers read
their own unit. A unit's figures cover the dossiers it received and those it handled for other centres,
and its centre's intake (handed in online, guided, refused reception, waiting in the queue).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from engine.domain.actor import Actor, Role
from engine.domain.calendar import VN_TZ
from engine.domain.dossier import Dossier
from engine.domain.errors import FieldError, ForbiddenError, NotFoundError, ValidationFailedError
from engine.domain.figures import DOSSIER_FIGURES, Figures, Group, Scope, of_intake, ranked
from engine.domain.indicators import Indicator, indicators_of
from engine.domain.ports import UnitOfWork
from engine.domain.unit import Unit
from engine.services.catalogue import Catalogue

MAX_PERIOD = timedelta(days=366)
PROVINCE_READERS = frozenset({Role.SUPERVISOR.value, Role.ADMIN.value})


@dataclass(frozen=True)
class Named:
    id: str
    name: str


@dataclass(frozen=True)
class CentreReport:
    scope: Named
    start: datetime
    end: datetime
    as_of: datetime
    """The moment the dossiers are judged at: the period's end, or now if it has not ended."""
    procedure_code: str | None
    centres: list[Group[Named]]
    """Receiving centres, ranked, with their intake; for a province every centre, including those that
    received nothing."""
    competent_units: list[Group[Named]]
    procedures: list[Group[Named]]
    days: list[Group[date]]
    """By day of receipt, the days of the period only (the dossiers carried over into it are in no day)."""
    totals: Figures
    """The sum of the centres."""
    indicators: list[Indicator]
    from_other_provinces: list[Group[Named]] = field(default_factory=list)
    """For a province, by competent unit: the dossiers its units handle that another province's centre
    received (the exchange between provinces). That province counts them among its centres' figures; here they
    are in no centre and not in `totals`, so each dossier counts once in each province, in its own part."""


def month_of(moment: datetime) -> tuple[datetime, datetime]:
    """The local (Vietnam) calendar month holding `moment`: its first midnight and the next month's."""
    first = moment.astimezone(VN_TZ).date().replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return datetime.combine(first, time(), VN_TZ), datetime.combine(following, time(), VN_TZ)


REPORT_PERIODS = {"month": 12, "quarter": 4, "year": 1}
"""The periods of the periodic report and how many of each a year holds."""


def report_period(kind: str, year: int, number: int = 1) -> tuple[datetime, datetime]:
    """The local (Vietnam) month, quarter or year `number` of `year`: its first midnight and the next one's.

    Raises:
        ValidationFailedError: no such kind of period, or `number` outside it.
    """
    count = REPORT_PERIODS.get(kind)
    if count is None or not 1 <= number <= count or not 2000 <= year <= 2100:
        raise ValidationFailedError("there is no such period", [FieldError(
            "/period", f"a month (1-12), a quarter (1-4) or a year, of a year from 2000 to 2100; not {kind} "
                       f"{number} of {year}")])
    months = 12 // count
    first = date(year, (number - 1) * months + 1, 1)
    following = date(year + (first.month + months - 1) // 12, (first.month + months - 1) % 12 + 1, 1)
    return datetime.combine(first, time(), VN_TZ), datetime.combine(following, time(), VN_TZ)


def centres(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, clock: Callable[[], datetime], start: datetime,
            end: datetime, unit_id: str | None = None, procedure_code: str | None = None) -> CentreReport:
    """The figures of the dossiers to handle from `start` to `end` (excluded): carried over into the period
    and received in it, as they stood at `end` or now (engine/domain/figures.py); and the centres' intake.

    `unit_id` names a province (every centre of it) or one unit; by default the actor's province for a
    supervisor or admin, the actor's own unit otherwise.

    Raises:
        ValidationFailedError: the period is reversed, longer than MAX_PERIOD or without a time zone.
        NotFoundError: no such unit.
        ForbiddenError: the actor may not read that unit.
    """
    _check_period(start, end)
    with uow:
        where = _scope(uow, actor, unit_id, start, end, clock(), procedure_code)
        found = uow.stats.figures(where.scope)
        intake_centres = where.centre_ids or ([where.unit.id] if where.unit.has_centre else [])
        intake = uow.submissions.intake_counts(intake_centres, start, end, procedure_code)  # none is after now
        names = _procedure_names(uow, catalogue)
        handled = uow.stats.from_other_provinces(replace(where.scope, units=list(where.units))) if (
            where.centre_ids) else []
        # A dossier handled by another province's deployment (engine/domain/exchange.py) names a unit there.
        elsewhere = {key: unit for key, _ in found["competent_unit"]
                     if key not in where.units and (unit := uow.units.get(key)) is not None}
    scope_unit, units, centre_ids, scope = where.unit, where.units, where.centre_ids, where.scope
    centres = {key: Figures() for key in centre_ids} | dict(found["centre"])
    for key, counts in intake.items():
        centres[key] = centres.get(key, Figures()) + of_intake(counts)
    totals = sum(centres.values(), Figures())  # each dossier, and each submission, has one centre
    return CentreReport(
        scope=Named(scope_unit.id, scope_unit.name), start=start, end=end, as_of=scope.as_of,
        procedure_code=procedure_code,
        centres=ranked([_named(Group(key, figures), units) for key, figures in centres.items()]),
        competent_units=[_named(Group(key, figures), units | elsewhere) for key, figures in found["competent_unit"]],
        procedures=[Group(Named(code, names.get(code, code)), figures) for code, figures in found["procedure"]],
        days=[Group(day, figures) for day, figures in ((date.fromisoformat(key), f) for key, f in found["day"])
              if day >= start.astimezone(VN_TZ).date()],
        totals=totals, indicators=indicators_of(totals),
        from_other_provinces=[_named(Group(key, figures), units) for key, figures in handled])


@dataclass(frozen=True)
class _Where:
    unit: Unit
    units: dict[str, Unit]
    """Every unit of the province, by id."""
    centre_ids: list[str]
    """For a province, its centres; for one unit, none."""
    scope: Scope


def _scope(uow: UnitOfWork, actor: Actor, unit_id: str | None, start: datetime, end: datetime, now: datetime,
           procedure_code: str | None) -> _Where:
    scope_unit = _unit(uow, unit_id or actor.unit_id)
    _check_reader(actor, scope_unit)
    province_id = scope_unit.province_id or scope_unit.id
    units = {u.id: u for u in uow.units.list(province_id=province_id)}
    is_province = scope_unit.id == province_id
    # Only a centre receives dossiers, so a province's figures are those of its centres.
    centre_ids = [u.id for u in units.values() if u.has_centre] if is_province else []
    scope = Scope(centre_ids or [scope_unit.id], start, end, min(end, now), procedure_code, either_side=not is_province)
    return _Where(scope_unit, units, centre_ids, scope)


GROUPS = ("centre", "competent_unit", "procedure", "day", "from_other_provinces")
"""The groupings of a report whose cells `dossiers_behind` can narrow to."""


def dossiers_behind(uow: UnitOfWork, *, actor: Actor, clock: Callable[[], datetime], start: datetime, end: datetime,
                    figure: str, unit_id: str | None = None, procedure_code: str | None = None,
                    group: tuple[str, str] | None = None, limit: int = 50,
                    offset: int = 0) -> tuple[list[Dossier], int]:
    """The dossiers one figure of `centres`' report counts, soonest deadline first, and how many there are:
    the same query as the figure, so a tile reading 14 overdue leads to those 14. `group` (a grouping of
    GROUPS and its key) narrows to one cell of a table: ("centre", "19768") is one row of the ranking.

    Raises:
        ValidationFailedError: the period is not usable, or no such figure or grouping.
        NotFoundError: no such unit.
        ForbiddenError: the actor may not read that unit, or its dossiers (an administrator reads no dossier).
    """
    _check_period(start, end)
    problems = []
    if figure not in DOSSIER_FIGURES:
        problems.append(FieldError("/figure", f"must be one of {', '.join(DOSSIER_FIGURES)}"))
    if group is not None and group[0] not in GROUPS:
        problems.append(FieldError("/group", f"must be one of {', '.join(GROUPS)}"))
    if problems:
        raise ValidationFailedError("there is no such list of dossiers", problems)
    with uow:
        where = _scope(uow, actor, unit_id, start, end, clock(), procedure_code)
        _check_lister(actor, where)
        scope = where.scope
        if group is not None and group[0] == "from_other_provinces":  # as `centres` counts that table
            scope = replace(scope, units=list(where.units))
        ids, total = uow.stats.dossiers_behind(scope, figure, group, limit=limit, offset=offset)
        return uow.dossiers.by_ids(ids), total


def _named(group: Group[str], units: dict[str, Unit]) -> Group[Named]:
    unit = units.get(group.key)
    return Group(Named(group.key, unit.name if unit else group.key), group.figures, group.rank)


def _procedure_names(uow: UnitOfWork, catalogue: Catalogue) -> dict[str, str]:
    """Each procedure's name as its latest version gives it (one read; the versions are cached)."""
    latest = (catalogue.version(uow.procedures, version_id) for version_id in uow.procedures.latest_ids())
    return {procedure.code: procedure.name_vi for procedure in latest}


def _unit(uow: UnitOfWork, unit_id: str) -> Unit:
    unit = uow.units.get(unit_id)
    if unit is None:
        raise NotFoundError(f"there is no unit {unit_id}")
    return unit


def _check_reader(actor: Actor, unit: Unit) -> None:
    if actor.unit_id == unit.id:
        return
    if actor.roles & PROVINCE_READERS and actor.unit_id == (unit.province_id or unit.id):
        return
    yours = "your own unit and province" if actor.roles & PROVINCE_READERS else "your own unit"
    raise ForbiddenError(f"you may read the figures of {yours}, not those of {unit.id}",
                         code="figures_own_province" if actor.roles & PROVINCE_READERS else "figures_own_unit")


def _check_lister(actor: Actor, where: _Where) -> None:
    """The dossiers themselves (each with its applicant) are for those who may read them: a unit's own officers
    (a unit's list holds only dossiers it received or handled) and the province's supervisors; not an
    administrator, who reads the figures but no dossier (engine/services/access.py)."""
    if Role.SUPERVISOR.value in actor.roles or (actor.unit_id == where.unit.id and not where.centre_ids):
        return
    raise ForbiddenError("the dossiers behind the figures are for the officers who handle or supervise them",
                         code="dossiers_behind_figures")


def _check_period(start: datetime, end: datetime) -> None:
    problems = []
    if start.tzinfo is None or end.tzinfo is None:
        problems.append(FieldError("/from", "must carry a time zone"))
    elif end <= start:
        problems.append(FieldError("/to", "must be later than the start of the period"))
    elif end - start > MAX_PERIOD:
        problems.append(FieldError("/to", f"the period may not be longer than {MAX_PERIOD.days} days"))
    if problems:
        raise ValidationFailedError("the period is not usable", problems)
