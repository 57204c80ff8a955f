"""The supervisors' dashboard (per-centre bars, the ranking, the trend by day and the indicators, for a period
of whole days, a unit and a procedure), the periodic report in its official columns, and the dossiers behind
each figure; the same reports as the JSON API, with its CSV and spreadsheet downloads."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, flash, render_template, request
from flask_babel import gettext as _
from marshmallow import ValidationError

from api import exports
from api.pages import stats_words
from api.pages.i18n import day, moment
from api.pages.inbox_pages import PAGE_SIZE
from api.pages.web import actor, explain, latest_procedures, officer_page, unit_name
from api.schemas.stats import GROUP, ReportQuery, period_bound
from api.wiring import wiring
from engine.domain.calendar import VN_TZ
from engine.domain.dossier import Dossier
from engine.domain.errors import DomainError, ForbiddenError
from engine.domain.figures import MIN_TO_RANK
from engine.services import directory, stats
from engine.services.stats import CentreReport

bp = Blueprint("stats_pages", __name__)

_INPUT = "%Y-%m-%dT%H:%M"  # a moment in a link (whole days are written as days)


@bp.get("/stats")
@officer_page
def dashboard() -> Any:
    w = wiring()
    start, end = _period(w.clock())
    unit_id = request.args.get("unit") or None
    procedure = request.args.get("procedure") or None
    report: CentreReport | None = None
    try:
        report = stats.centres(w.stats_uow(), actor=actor(), catalogue=w.catalogue, clock=w.clock, start=start, end=end,
                               unit_id=unit_id, procedure_code=procedure)
    except ForbiddenError:
        raise  # another unit's figures: the 403 page, not a dashboard with its filters
    except DomainError as error:
        flash(explain(error), "error")
    query = {**_bounds(start, end), "unit": unit_id or "", "procedure": procedure or ""}
    return render_template("pages/stats.html", report=report, query=query, inputs=_inputs(start, end),
                           shown=_shown(start, end), presets=_presets(w.clock()), min_to_rank=MIN_TO_RANK,
                           centres=directory.centres_near(w.uow(), actor().unit_id), procedures=latest_procedures(),
                           chart=_chart(report) if report else {}, register_days=_register_days(start, end),
                           province_reader=bool(actor().roles & stats.PROVINCE_READERS))


@bp.get("/stats/report")
@officer_page
def report() -> Any:
    """The periodic report: a month, quarter or year (this month by default), per centre or competent unit."""
    w = wiring()
    args = {k: v for k, v in request.args.items() if v and k in ("period", "year", "number", "by", "unit",
                                                                  "procedure")}
    # One form for the three kinds: a year has no number, and a month's number asked as a quarter is its quarter.
    if args.get("period") == "year":
        args.pop("number", None)
    elif args.get("period") == "quarter" and args.get("number", "").isdigit() and 4 < int(args["number"]) <= 12:
        args["number"] = str((int(args["number"]) - 1) // 3 + 1)
    try:
        query = ReportQuery().load(args)
    except ValidationError as error:
        flash(f"{error.messages}", "error")
        query = ReportQuery().load({})
    found: exports.PeriodicReport | None = None
    try:
        found = exports.periodic(stats.centres(
            w.stats_uow(), actor=actor(), catalogue=w.catalogue, clock=w.clock, start=query["start"], end=query["end"],
            unit_id=query.get("unit_id"), procedure_code=query.get("procedure_code")),
            by=query["by"], kind=query["period"], year=query["year"], number=query["number"])
    except ForbiddenError:
        raise
    except DomainError as error:
        flash(explain(error), "error")
    chosen = {"period": query["period"], "year": query["year"], "number": query["number"], "by": query["by"],
              "unit": query.get("unit_id") or "", "procedure": query.get("procedure_code") or ""}
    top, bottom = exports.header_rows()
    return render_template("pages/report.html", report=found, query=chosen, top=top, bottom=bottom,
                           columns=exports.REPORT_COLUMNS, values=exports.report_values,
                           report_title=stats_words.report_title, period_label=stats_words.period_label,
                           period_words=stats_words.period_words, behind=_behind_link(query),
                           centres=directory.centres_near(w.uow(), actor().unit_id), procedures=latest_procedures(),
                           province_reader=bool(actor().roles & stats.PROVINCE_READERS))


@bp.get("/stats/dossiers")
@officer_page
def dossiers_behind() -> Any:
    """The dossiers one figure counts, as the dashboard and the report link to them."""
    w = wiring()
    start, end = _period(w.clock())
    figure = request.args.get("figure", "total")
    unit_id, procedure = request.args.get("unit") or None, request.args.get("procedure") or None
    found_group = GROUP.match(request.args.get("group", ""))
    group = (found_group[1], found_group[2]) if found_group else None
    raw = request.args.get("offset", "0")
    offset = min(int(raw), 2**31 - 1) if raw.isdigit() else 0
    rows: list[Dossier] = []
    total = 0
    try:
        rows, total = stats.dossiers_behind(w.stats_uow(), actor=actor(), clock=w.clock, start=start, end=end,
                                            figure=figure, unit_id=unit_id, procedure_code=procedure, group=group,
                                            limit=PAGE_SIZE, offset=offset)
    except ForbiddenError:
        raise
    except DomainError as error:
        flash(explain(error), "error")
    back = {**_bounds(start, end), "unit": unit_id or "", "procedure": procedure or ""}
    names = {p.code: p.name_vi for p in latest_procedures()}
    return render_template("pages/stat_dossiers.html", rows=rows, total=total, offset=offset, page_size=PAGE_SIZE,
                           figure=figure, group=group, names=names, shown=_shown(start, end), back=back,
                           group_name=_group_name(group, names))


def _group_name(group: tuple[str, str] | None, names: dict[str, str]) -> str:
    if group is None:
        return ""
    kind, key = group
    if kind == "procedure":
        return f"{key} {names.get(key, '')}".strip()
    if kind == "day":
        return key[8:10] + "/" + key[5:7] + "/" + key[:4]
    return unit_name(key)


def _behind_link(query: dict[str, Any]) -> dict[str, str]:
    """The report's period and filters as the dossier list's query."""
    return {**_bounds(query["start"], query["end"]), "unit": query.get("unit_id") or "",
            "procedure": query.get("procedure_code") or ""}


def _period(now: datetime) -> tuple[datetime, datetime]:
    """The period asked for, in Vietnam's time: days (the last one included) or moments (the end excluded);
    this month by default, also for input that does not parse."""
    this_month = stats.month_of(now)
    try:
        start = period_bound(request.args["from"], end=False) if request.args.get("from") else this_month[0]
        end = period_bound(request.args["to"], end=True) if request.args.get("to") else this_month[1]
    except ValueError:
        return this_month
    return start, end


def _whole_days(start: datetime, end: datetime) -> bool:
    return start.astimezone(VN_TZ).time() == end.astimezone(VN_TZ).time() == time()


def _bounds(start: datetime, end: datetime) -> dict[str, str]:
    """The period as links carry it: its first and last day when it is whole days, else its two moments."""
    if _whole_days(start, end):
        return {"from": start.astimezone(VN_TZ).date().isoformat(),
                "to": (end.astimezone(VN_TZ).date() - timedelta(days=1)).isoformat()}
    return {"from": start.astimezone(VN_TZ).strftime(_INPUT), "to": end.astimezone(VN_TZ).strftime(_INPUT)}


def _inputs(start: datetime, end: datetime) -> dict[str, str]:
    """The date inputs: the first day and the last day the period touches."""
    last = (end - timedelta(microseconds=1)).astimezone(VN_TZ).date()
    return {"from": start.astimezone(VN_TZ).date().isoformat(), "to": last.isoformat()}


def _shown(start: datetime, end: datetime) -> str:
    """"01/12/2026 – 31/12/2026"; down to the minute when the period is not whole days."""
    if _whole_days(start, end):
        return f"{day(start.astimezone(VN_TZ).date())} – {day(end.astimezone(VN_TZ).date() - timedelta(days=1))}"
    return f"{moment(start)} – {moment(end)}"


def _register_days(start: datetime, end: datetime) -> dict[str, str]:
    """The register covers whole days: the period's first to its last (the end itself is excluded)."""
    return _inputs(start, end)


def _presets(now: datetime) -> list[tuple[str, str, str]]:
    """(words, first day, last day): today, this week (Monday to Sunday), this and last month, this quarter
    and this year."""
    today = now.astimezone(VN_TZ).date()

    def days(start: datetime, end: datetime) -> tuple[str, str]:
        return start.date().isoformat(), (end.date() - timedelta(days=1)).isoformat()

    def span(first: date, last: date) -> tuple[str, str]:
        return first.isoformat(), last.isoformat()

    this_month = stats.month_of(now)
    last_month = stats.month_of(this_month[0] - timedelta(days=1))
    monday = today - timedelta(days=today.weekday())
    quarter = stats.report_period("quarter", today.year, (today.month - 1) // 3 + 1)
    return [(_("Today"), *span(today, today)), (_("This week"), *span(monday, monday + timedelta(days=6))),
            (_("This month"), *days(*this_month)), (_("Last month"), *days(*last_month)),
            (_("This quarter"), *days(*quarter)), (_("This year"), *span(date(today.year, 1, 1),
                                                                               date(today.year, 12, 31)))]


def _chart(report: CentreReport) -> dict[str, Any]:
    """What dashboard.js draws: the centres with dossiers to handle, busiest first, and the days."""
    active = sorted((g for g in report.centres if g.figures.total), key=lambda g: -g.figures.total)
    return {
        "centres": [g.key.name for g in active],
        "total": [g.figures.total for g in active],
        "resolved": [g.figures.resolved for g in active],
        "timely": [g.figures.timely for g in active],
        "days": [g.key.strftime("%d/%m") for g in report.days],
        "day_received": [g.figures.received for g in report.days],
        "day_resolved": [g.figures.resolved for g in report.days],
        "day_late": [g.figures.late for g in report.days],
    }
