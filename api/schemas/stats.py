"""Envelopes of the figures (GET /stats/centres, /stats/indicators): the period asked for, given down to
the minute in Vietnam's time, and the report with its groups, days and indicators."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from api.schemas.common import LocalDateTime
from api.wiring import wiring
from engine.domain.calendar import VN_TZ
from engine.domain.figures import Figures
from engine.services import stats


class StatsQuery(Schema):
    unit_id = fields.String(data_key="unit", validate=validate.Length(1, 32), metadata={
        "description": "a province (every centre in it) or one unit; by default the reader's province "
                       "(supervisors, admins) or unit"})
    start = fields.NaiveDateTime(data_key="from", metadata={
        "description": "start of the period, e.g. 2025-07-01T00:00 (Vietnam's time); the month's first day by default"})
    end = fields.NaiveDateTime(data_key="to", metadata={
        "description": "end of the period, excluded; the next month's first day by default"})
    procedure_code = fields.String(data_key="procedure", validate=validate.Regexp(r"^[0-9]\.[0-9]{6}$"))

    @post_load
    def localise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        this_month = stats.month_of(wiring().clock())
        for key, default in zip(("start", "end"), this_month, strict=True):
            data[key] = data[key].replace(tzinfo=VN_TZ) if data.get(key) else default
        return data


class CentresQuery(StatsQuery):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))


_INTAKE = {  # counted per centre and in the totals; 0 for a competent unit, a procedure or a day
    "submitted_online": "handed in online in the period (status 1); once accepted, received too",
    "guided": "guided to complete in the period (Mẫu 02), online or at the counter: not received then",
    "refused": "refused reception in the period (Mẫu 03, status 3): never received, so not in `received`",
    "waiting": "handed in and waiting for the counter's decision at the period's end",
}
FiguresSchema = Schema.from_dict({
    **{name: fields.Integer(metadata={"description": _INTAKE[name]} if name in _INTAKE else {})
       for name in Figures.__dataclass_fields__},
    "late": fields.Integer(metadata={"description": "finished late or still in process past the deadline"}),
    "resolution_rate": fields.Float(allow_none=True, metadata={"description": "resolved ÷ received"}),
    "on_time_rate": fields.Float(allow_none=True, metadata={"description": "timely ÷ received (Decision 766)"}),
    "ratings": fields.Integer(),
    "satisfaction_rate": fields.Float(allow_none=True, metadata={
        "description": "ratings 'very satisfied' or 'satisfied' ÷ all ratings"}),
}, name="Figures")


class GroupSchema(Schema):
    id = fields.Function(lambda g: g.key.id)
    name = fields.Function(lambda g: g.key.name)
    rank = fields.Integer(allow_none=True)
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
    end = LocalDateTime(data_key="to")
    as_of = LocalDateTime(metadata={"description": "when the dossiers are judged: the period's end, or now"})
    procedure_code = fields.String(allow_none=True)
    totals = fields.Nested(FiguresSchema)
    indicators = fields.List(fields.Nested(IndicatorSchema))


class CentresReportSchema(IndicatorsReportSchema):
    centres = fields.List(fields.Nested(GroupSchema), metadata={"description": "ranked, best first"})
    competent_units = fields.List(fields.Nested(GroupSchema))
    procedures = fields.List(fields.Nested(GroupSchema))
    days = fields.List(fields.Nested(DaySchema))
