"""Resolution rates per centre and the Decision 766 indicators, for a province or one unit and a period given
as days, down to the minute (Vietnam's time when no zone is given) or as a month, quarter or year; the periodic
report in its official columns; and the dossiers behind each figure. No personal data but in that list, which
shows the officers who may read them what the dossier list shows them."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema

from api import exports
from api.auth import current_actor
from api.errors import problems
from api.schemas.common import page
from api.schemas.stats import (
    CentresQuery,
    CentresReportSchema,
    DossiersBehindQuery,
    DossiersBehindSchema,
    IndicatorsReportSchema,
    PeriodicReportSchema,
    ReportQuery,
    StatsQuery,
)
from api.wiring import wiring
from engine.domain.calendar import VN_TZ
from engine.services import stats
from engine.services.stats import CentreReport

blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats", description="Figures per centre and indicators")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DOWNLOADS = {"csv": ("text/csv", exports.csv_bytes), "xlsx": (XLSX, exports.xlsx_bytes)}
_REPORT_DOWNLOADS = {"csv": ("text/csv", exports.report_csv), "xlsx": (XLSX, exports.report_xlsx)}
_FILE = {"schema": {"type": "string", "format": "binary"}}


def _or_files(schema: type[Schema]) -> dict[str, Any]:
    """The 200 of an endpoint that answers JSON or, with format=csv|xlsx, a file."""
    return {"responses": {"200": {"description": "JSON, or a download with format=csv|xlsx", "content": {
        "application/json": {"schema": schema}, "text/csv": _FILE, XLSX: _FILE}}}}


def figures(query: dict[str, Any]) -> CentreReport:
    w = wiring()
    return stats.centres(w.stats_uow(), actor=current_actor(), catalogue=w.catalogue, clock=w.clock,
                         start=query["start"], end=query["end"], unit_id=query.get("unit_id"),
                         procedure_code=query.get("procedure_code"))


def periodic_report(query: dict[str, Any]) -> exports.PeriodicReport:
    """The periodic report a ReportQuery asks for (the page shows the same)."""
    return exports.periodic(figures(query), by=query["by"], kind=query["period"], year=query["year"],
                            number=query["number"])


def _download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.get("/centres")
@problems(401, 403, 404, 422)
@blp.arguments(CentresQuery, location="query")
@blp.response(200, CentresReportSchema, description="JSON, or a download with format=csv|xlsx")
@blp.doc(**_or_files(CentresReportSchema))
def get_centres(query: dict[str, Any]) -> Any:
    """Per receiving centre (ranked, then those with too few dossiers to rank), per competent unit, per
    procedure and per day: the dossiers to handle in the period (carried over and newly received) as they
    stood at its end (resolved before time / on time / late, in process within or past the deadline, waiting
    for the applicant, withdrawn, stopped), with resolution and on-time rates and the totals. The CSV is for a
    Vietnamese Excel: UTF-8 with BOM, `;` between fields, the decimal comma."""
    report = figures(query)
    if query["format"] == "json":
        return report
    mimetype, render = _DOWNLOADS[query["format"]]
    name = f"figures-{report.scope.id}-{report.start.astimezone(VN_TZ):%Y%m%d%H%M}.{query['format']}"
    return _download(render(report), mimetype, name)


@blp.get("/indicators")
@problems(401, 403, 404, 422)
@blp.arguments(StatsQuery, location="query")
@blp.response(200, IndicatorsReportSchema)
def get_indicators(query: dict[str, Any]) -> CentreReport:
    """The Decision 766 indicators our data supports, each with its numerator, denominator and method."""
    return figures(query)


@blp.get("/report")
@problems(401, 403, 404, 422)
@blp.arguments(ReportQuery, location="query")
@blp.response(200, PeriodicReportSchema, description="JSON, or a download with format=csv|xlsx")
@blp.doc(**_or_files(PeriodicReportSchema))
def get_report(query: dict[str, Any]) -> Any:
    """The periodic report (báo cáo định kỳ) for a month, quarter or year, one row per receiving centre or
    per competent unit in the official columns: tổng số = kỳ trước chuyển qua + mới tiếp nhận (trực tuyến,
    trực tiếp, qua BCCI; of which phi địa giới) = đã giải quyết (trước hạn, đúng hạn, quá hạn) + đang giải
    quyết (trong hạn, quá hạn) + rút + trả lại / dừng; tồn cuối kỳ; tỷ lệ đúng hạn. No personal data."""
    report = periodic_report(query)
    if query["format"] == "json":
        return report
    mimetype, render = _REPORT_DOWNLOADS[query["format"]]
    name = f"bao-cao-{report.scope.id}-{report.by}-{report.start.astimezone(VN_TZ):%Y%m}-{report.kind}"
    return _download(render(report), mimetype, f"{name}.{query['format']}")


@blp.get("/dossiers")
@problems(401, 403, 404, 422)
@blp.arguments(DossiersBehindQuery, location="query")
@blp.response(200, DossiersBehindSchema)
def get_dossiers_behind(query: dict[str, Any]) -> dict[str, Any]:
    """The dossiers one figure counts (`total` is the dossiers to handle), soonest deadline first, optionally
    one cell of a table (`group`): the same query as the figure, so `total` equals it. For the officers who
    may read those dossiers: a unit's own, the province's supervisors (not an administrator)."""
    w = wiring()
    found, total = stats.dossiers_behind(w.stats_uow(), actor=current_actor(), clock=w.clock, start=query["start"],
                                         end=query["end"], figure=query["figure"], unit_id=query.get("unit_id"),
                                         procedure_code=query.get("procedure_code"), group=query["group"],
                                         limit=query["limit"], offset=query["offset"])
    return page(found, total, query)
