"""Envelopes of the figures (GET /stats/centres, /stats/indicators, /stats/report, /stats/dossiers): the period
asked for, as days (the last one included), as moments down to the minute in Vietnam's time (the end excluded)
or as a month, quarter or year of the periodic report; the report with its groups, days and indicators; the
periodic report in its official columns; and the dossiers behind one figure."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from api.schemas.common import LocalDateTime, PageQuery
from api.schemas.dossiers import DossierReadSchema
from api.wiring import wiring
from engine.domain.calendar import VN_TZ
from engine.domain.figures import DOSSIER_FIGURES, Figures
from engine.services import stats

_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_BOUND = "a day YYYY-MM-DD or a moment YYYY-MM-DDTHH:MM, in Vietnam's time"


def period_bound(text: str, *, end: bool) -> datetime:
    """One end of a period as typed: a day is its first midnight, or for the end the next day's (the day is
    included); a moment (without a zone: Vietnam's time) is taken as it is, an end excluded.

    Raises:
        ValueError: neither a day nor a moment.
    """
    if _DAY.match(text):
        day = date.fromisoformat(text)
        try:
            return datetime.combine(day + timedelta(days=1) if end else day, time(), VN_TZ)
        except OverflowError as error:
            raise ValueError("the day is out of range") from error
    moment = datetime.fromisoformat(text)
    if "T" not in text:
        raise ValueError("a moment needs a time")
    return moment.replace(tzinfo=VN_TZ) if moment.tzinfo is None else moment.astimezone(VN_TZ)


class PeriodBound(fields.String):
    """`from` or `to`: a day or a moment (period_bound); loaded as the text, read by StatsQuery."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            period_bound(text, end=False)
            period_bound(text, end=True)
        except (ValueError, OverflowError) as error:
            raise ValidationError(f"must be {_BOUND}") from error
        return text


def period_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    """A month, quarter or year of the periodic report needs its year, and its number unless it is a year."""
    errors: dict[str, list[str]] = {}
    kind = data.get("period")
    if kind is None:
        for key in ("year", "number"):
            if key in data:
                errors[key] = ["only with period=month|quarter|year"]
        return errors
    count = stats.REPORT_PERIODS[kind]
    if "year" not in data:
        errors["year"] = [f"required with period={kind}"]
    number = data.get("number")
    if number is None and count > 1:
        errors["number"] = [f"required with period={kind}: 1 to {count}"]
    elif number is not None and not 1 <= number <= count:
        errors["number"] = [f"a {kind} of a year is 1 to {count}" if count > 1 else "no number with period=year"]
    return errors


_PERIOD_FIELDS: dict[str, fields.Field] = {
    "period": fields.String(validate=validate.OneOf(list(stats.REPORT_PERIODS)), metadata={
        "description": "instead of from/to: a month, quarter or year of the periodic report (Vietnam's time)"}),
    "year": fields.Integer(validate=validate.Range(2000, 2100), metadata={"description": "with period"}),
    "number": fields.Integer(validate=validate.Range(1, 12), metadata={
        "description": "with period=month (1-12) or quarter (1-4)"}),
}
_FILTER_FIELDS: dict[str, fields.Field] = {
    "unit_id": fields.String(data_key="unit", validate=validate.Length(1, 32), metadata={
        "description": "a province (every centre in it) or one unit; by default the reader's province "
                       "(supervisors, admins) or unit"}),
    "procedure_code": fields.String(data_key="procedure", validate=validate.Regexp(r"^[0-9]\.[0-9]{6}$")),
}


class StatsQuery(Schema):
    unit_id = _FILTER_FIELDS["unit_id"]
    procedure_code = _FILTER_FIELDS["procedure_code"]
    start = PeriodBound(data_key="from", metadata={
        "description": f"start of the period, {_BOUND} (e.g. 2025-07-01); this month's first day by default"})
    end = PeriodBound(data_key="to", metadata={
        "description": "end of the period: a day is included (2025-07-31), a moment excluded "
                       "(2025-08-01T00:00); this month's last day by default"})
    period = _PERIOD_FIELDS["period"]
    year = _PERIOD_FIELDS["year"]
    number = _PERIOD_FIELDS["number"]

    @validates_schema
    def one_way(self, data: dict[str, Any], **_: Any) -> None:
        errors = period_errors(data)
        if "period" in data:
            errors |= {key: ["give either from/to or period, not both"]
                       for name, key in (("start", "from"), ("end", "to")) if name in data}
        if errors:
            raise ValidationError(errors)

    @post_load
    def localise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        kind = data.pop("period", None)
        year, number = data.pop("year", None), data.pop("number", None)
        if kind is not None:
            data["start"], data["end"] = stats.report_period(kind, year, number or 1)
            return data
        this_month = stats.month_of(wiring().clock())
        data["start"] = period_bound(data["start"], end=False) if "start" in data else this_month[0]
        data["end"] = period_bound(data["end"], end=True) if "end" in data else this_month[1]
        return data


class CentresQuery(StatsQuery):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))


GROUP = re.compile(r"^(centre|competent_unit|procedure|day|from_other_provinces):([0-9A-Za-z.\-]{1,32})$")


class DossiersBehindQuery(StatsQuery, PageQuery):
    figure = fields.String(required=True, validate=validate.OneOf(DOSSIER_FIGURES), metadata={
        "description": "the figure whose dossiers to list: total or any dossier count of Figures"})
    group = fields.String(validate=validate.Regexp(GROUP), metadata={
        "description": "one cell of a grouped table: centre:<unit id>, competent_unit:<unit id>, "
                       "procedure:<code>, day:<YYYY-MM-DD> (the day of receipt), or from_other_provinces:<unit id> (a "
                       "province's unit handling dossiers another province's centre received)"})

    @post_load
    def split_group(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        found = GROUP.match(data.pop("group", "") or "")
        data["group"] = (found[1], found[2]) if found else None
        return data


class ReportQuery(Schema):
    """The periodic report: a month, quarter or year (this month by default), per receiving centre or per
    competent unit."""

    unit_id = _FILTER_FIELDS["unit_id"]
    procedure_code = _FILTER_FIELDS["procedure_code"]
    period = fields.String(load_default="month", validate=validate.OneOf(list(stats.REPORT_PERIODS)), metadata={
        "description": "month, quarter or year (Vietnam's time); with neither year nor number, the current one"})
    year = _PERIOD_FIELDS["year"]
    number = _PERIOD_FIELDS["number"]
    by = fields.String(load_default="centre", validate=validate.OneOf(["centre", "competent_unit"]), metadata={
        "description": "one row per receiving centre or per competent unit"})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))

    @validates_schema
    def whole_period(self, data: dict[str, Any], **_: Any) -> None:
        if "year" not in data and "number" not in data:
            return  # the current period
        if errors := period_errors(data):
            raise ValidationError(errors)

    @post_load
    def localise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "year" not in data:
            today = wiring().clock().astimezone(VN_TZ).date()
            per = 12 // stats.REPORT_PERIODS[data["period"]]
            data["year"], data["number"] = today.year, (today.month - 1) // per + 1
        data["number"] = data.get("number") or 1
        data["start"], data["end"] = stats.report_period(data["period"], data["year"], data["number"])
        return data


_INTAKE = {  # counted per centre and in the totals; 0 for a competent unit, a procedure or a day
    "submitted_online": "handed in online in the period (status 1); once accepted, received too",
    "guided": "guided to complete in the period (Mẫu 02), online or at the counter: not received then",
    "refused": "refused reception in the period (Mẫu 03, status 3): never received, so not in `received`",
    "waiting": "handed in and waiting for the counter's decision at the period's end",
}
FiguresSchema = Schema.from_dict({
    **{name: fields.Integer(metadata={"description": _INTAKE[name]} if name in _INTAKE else {})
       for name in Figures.__dataclass_fields__},
    "total": fields.Integer(metadata={"description": "to handle in the period (tổng số): carried_over + received"}),
    "pending": fields.Integer(metadata={
        "description": "unfinished at the period's end (tồn cuối kỳ): in_process_on_time + in_process_overdue"}),
    "late": fields.Integer(metadata={"description": "finished late or still in process past the deadline"}),
    "resolution_rate": fields.Float(allow_none=True, metadata={"description": "resolved ÷ total"}),
    "on_time_rate": fields.Float(allow_none=True, metadata={"description": "timely ÷ total (Decision 766)"}),
    "ratings": fields.Integer(),
    "satisfaction_rate": fields.Float(allow_none=True, metadata={
        "description": "ratings 'very satisfied' or 'satisfied' ÷ all ratings"}),
}, name="Figures")


class GroupSchema(Schema):
    id = fields.Function(lambda g: g.key.id)
    name = fields.Function(lambda g: g.key.name)
    rank = fields.Integer(allow_none=True, metadata={
        "description": "place among the centres; null for fewer than MIN_TO_RANK (10) dossiers to handle"})
    figures = fields.Nested(FiguresSchema)


class DaySchema(Schema):
    day = fields.Function(lambda g: g.key.isoformat())
    figures = fields.Nested(FiguresSchema)


class IndicatorSchema(Schema):
    id = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    numerator = fields.Integer()
    denominator = fields.Integer()
    value = fields.Float(allow_none=True)
    full_marks_at = fields.Float(allow_none=True)
    method = fields.String()


class IndicatorsReportSchema(Schema):
    scope = fields.Function(lambda r: {"id": r.scope.id, "name": r.scope.name})
    start = LocalDateTime(data_key="from")
    end = LocalDateTime(data_key="to", metadata={"description": "the end of the period, excluded"})
    as_of = LocalDateTime(metadata={"description": "when the dossiers are judged: the period's end, or now"})
    procedure_code = fields.String(allow_none=True)
    totals = fields.Nested(FiguresSchema)
    indicators = fields.List(fields.Nested(IndicatorSchema))


class CentresReportSchema(IndicatorsReportSchema):
    centres = fields.List(fields.Nested(GroupSchema), metadata={
        "description": "ranked, best first; then the centres with too few dossiers to rank (rank null)"})
    competent_units = fields.List(fields.Nested(GroupSchema))
    procedures = fields.List(fields.Nested(GroupSchema))
    days = fields.List(fields.Nested(DaySchema))
    from_other_provinces = fields.List(fields.Nested(GroupSchema), metadata={
        "description": "for a province, by competent unit: dossiers its units handle that another province's "
                       "centre received (the exchange between provinces); counted there, not in `totals` here"})


class ReportColumnSchema(Schema):
    field = fields.String(metadata={"description": "the figure in each row's `figures`"})
    group = fields.String(allow_none=True, metadata={"description": "the heading over a group of columns"})
    label = fields.String()


class ReportRowSchema(Schema):
    number = fields.Integer(metadata={"description": "STT"})
    id = fields.Function(lambda row: row.group.key.id)
    name = fields.Function(lambda row: row.group.key.name)
    figures = fields.Function(lambda row: FiguresSchema().dump(row.group.figures))


class PeriodicReportSchema(Schema):
    title = fields.String()
    scope = fields.Function(lambda r: {"id": r.scope.id, "name": r.scope.name})
    by = fields.String(metadata={"description": "centre or competent_unit"})
    period = fields.Function(lambda r: {"kind": r.kind, "year": r.year, "number": r.number, "label": r.label})
    start = LocalDateTime(data_key="from")
    end = LocalDateTime(data_key="to", metadata={"description": "the end of the period, excluded"})
    as_of = LocalDateTime(metadata={"description": "when the dossiers are judged: the period's end, or now"})
    procedure_code = fields.String(allow_none=True)
    columns = fields.List(fields.Nested(ReportColumnSchema), metadata={"description": "the official columns"})
    rows = fields.List(fields.Nested(ReportRowSchema))
    totals = fields.Nested(FiguresSchema)


DossiersBehindSchema = Schema.from_dict({
    "items": fields.List(fields.Nested(DossierReadSchema), metadata={
        "description": "as the dossier list shows them to officers, soonest deadline first"}),
    "total": fields.Integer(metadata={"description": "how many dossiers the figure counts: the figure itself"}),
    "limit": fields.Integer(), "offset": fields.Integer(),
}, name="DossiersBehind")
