"""Resolution rates per centre and the Decision 766 indicators, for a province or one unit and a period
given down to the minute. Times without a zone are read as Vietnam's time. No personal data here."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint

from api import exports
from api.auth import current_actor
from api.errors import problems
from api.schemas.stats import CentresQuery, CentresReportSchema, IndicatorsReportSchema, StatsQuery
from api.wiring import wiring
from engine.domain.calendar import VN_TZ
from engine.services import stats
from engine.services.stats import CentreReport

blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats", description="Figures per centre and indicators")

_DOWNLOADS = {"csv": ("text/csv", exports.csv_bytes),
              "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", exports.xlsx_bytes)}


def _report(query: dict[str, Any]) -> CentreReport:
    w = wiring()
    return stats.centres(w.uow(), actor=current_actor(), catalogue=w.catalogue, clock=w.clock,
                         start=query["start"], end=query["end"], unit_id=query.get("unit_id"),
                         procedure_code=query.get("procedure_code"))


@blp.get("/centres")
@problems(401, 403, 404)
@blp.arguments(CentresQuery, location="query")
@blp.response(200, CentresReportSchema, description="JSON, or a download with format=csv|xlsx")
def get_centres(query: dict[str, Any]) -> Any:
    """Per receiving centre (ranked), per competent unit, per procedure and per day: the dossiers received
    in the period as they stood at its end (resolved before time / on time / late, in process within or
    past the deadline, suspended, refused, withdrawn), with resolution and on-time rates and the totals."""
    report = _report(query)
    if query["format"] == "json":
        return report
    mimetype, render = _DOWNLOADS[query["format"]]
    name = f"figures-{report.scope.id}-{report.start.astimezone(VN_TZ):%Y%m%d%H%M}"
    return Response(render(report), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{query["format"]}"'})


@blp.get("/indicators")
@problems(401, 403, 404)
@blp.arguments(StatsQuery, location="query")
@blp.response(200, IndicatorsReportSchema)
def get_indicators(query: dict[str, Any]) -> CentreReport:
    """The Decision 766 indicators our data supports, each with its numerator, denominator and method."""
    return _report(query)
