"""The supervisors' dashboard: per-centre bars, the ranking, the trend by day and the indicators, for a
period, a unit and a procedure; the same report as the JSON API, with its CSV and spreadsheet downloads."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, flash, render_template, request

from api.pages.web import actor, explain, latest_procedures, officer_page
from api.wiring import wiring
from engine.domain.calendar import VN_TZ
from engine.domain.errors import DomainError, ForbiddenError
from engine.services import directory, stats
from engine.services.stats import CentreReport

bp = Blueprint("stats_pages", __name__)

_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


@bp.get("/stats")
@officer_page
def dashboard() -> Any:
    w = wiring()
    start, end = _period(w.clock())
    unit_id = request.args.get("unit") or None
    procedure = request.args.get("procedure") or None
    report: CentreReport | None = None
    try:
        report = stats.centres(w.uow(), actor=actor(), catalogue=w.catalogue, clock=w.clock, start=start, end=end,
                               unit_id=unit_id, procedure_code=procedure)
    except ForbiddenError:
        raise  # another unit's figures: the 403 page, not a dashboard with its filters
    except DomainError as error:
        flash(explain(error), "error")
    centres = directory.centres_near(w.uow(), actor().unit_id)
    query = {"from": start.strftime(_INPUT), "to": end.strftime(_INPUT), "unit": unit_id or "",
             "procedure": procedure or ""}
    return render_template("pages/stats.html", report=report, query=query, presets=_presets(w.clock()),
                           centres=centres, procedures=latest_procedures(), chart=_chart(report) if report else {},
                           register_days=_register_days(start, end),
                           province_reader=bool(actor().roles & stats.PROVINCE_READERS))


def _period(now: datetime) -> tuple[datetime, datetime]:
    """The period asked for, in Vietnam's time; this month by default (also for input that does not parse)."""
    try:
        return tuple(datetime.strptime(request.args[k], _INPUT).replace(tzinfo=VN_TZ)  # type: ignore[return-value]
                     for k in ("from", "to"))
    except (KeyError, ValueError):
        return stats.month_of(now)


def _register_days(start: datetime, end: datetime) -> dict[str, str]:
    """The register covers whole days: the period's first to its last (the end itself is excluded)."""
    last = (end - timedelta(microseconds=1)).astimezone(VN_TZ).date()
    return {"from": start.astimezone(VN_TZ).date().isoformat(), "to": last.isoformat()}


def _presets(now: datetime) -> list[tuple[str, datetime, datetime]]:
    today = now.astimezone(VN_TZ).date()
    this_month = stats.month_of(now)
    last_month = stats.month_of(this_month[0] - timedelta(days=1))

    def day(d: date) -> datetime:
        return datetime.combine(d, time(), VN_TZ)

    return [("stats.today", day(today), day(today + timedelta(days=1))),
            ("stats.week", day(today - timedelta(days=today.weekday())), day(today + timedelta(days=1))),
            ("stats.this_month", *this_month), ("stats.last_month", *last_month),
            ("stats.this_year", day(today.replace(month=1, day=1)), day(today.replace(year=today.year + 1, month=1,
                                                                                      day=1)))]


def _chart(report: CentreReport) -> dict[str, Any]:
    """What dashboard.js draws: the centres that received something, busiest first, and the days."""
    active = sorted((g for g in report.centres if g.figures.received), key=lambda g: -g.figures.received)
    return {
        "centres": [g.key.name for g in active],
        "received": [g.figures.received for g in active],
        "resolved": [g.figures.resolved for g in active],
        "timely": [g.figures.timely for g in active],
        "days": [g.key.strftime("%d/%m") for g in report.days],
        "day_received": [g.figures.received for g in report.days],
        "day_resolved": [g.figures.resolved for g in report.days],
        "day_late": [g.figures.late for g in report.days],
    }
