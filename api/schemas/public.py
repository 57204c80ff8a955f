"""Envelopes of the citizen's look-up and rating (GET /public/dossiers/{code}, POST …/rating) and of the
look-up of a submission before reception (GET /public/submissions/{reference}): nothing personal goes out.
Labels are Vietnamese, from the pages' Vietnamese catalogue (api/pages/citizen_words.py)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api.schemas.common import LocalDateTime, in_vietnamese, status_fields
from api.schemas.dossiers import MissingItemSchema
from api.schemas.intake import SubmissionStateSchema
from engine.domain.rating import COMMENT_MAX, Criterion, SatisfactionLevel


class PublicQuery(Schema):
    secret = fields.String(required=True, validate=validate.Length(4, 24), metadata={
        "description": "as printed on the receipt; spaces, dashes and case do not matter"})


def _words() -> Any:
    from api.pages import citizen_words  # imported late: the pages package imports the schemas

    return citizen_words


class StageReadSchema(Schema):
    at = LocalDateTime()
    kind = fields.String()
    detail = fields.String(allow_none=True, metadata={
        "description": "the kind of pause, extension or notice, the channel, the status reached or the level"})
    label = fields.Function(lambda s: in_vietnamese(_words().stage_label, s))
    unit_name = fields.String(allow_none=True)


def _level(level: SatisfactionLevel | None) -> dict[str, str] | None:
    return {"level": level.value, "label": in_vietnamese(_words().level_label, level)} if level is not None else None


class RatingCreateSchema(PublicQuery):
    """The citizen's rating, opened with the receipt's secret (the same field as the look-up's)."""

    level = fields.Enum(SatisfactionLevel, by_value=True, required=True)
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(0, COMMENT_MAX))
    criteria = fields.Dict(keys=fields.Enum(Criterion, by_value=True),
                           values=fields.Enum(SatisfactionLevel, by_value=True), load_default=dict,
                           metadata={"description": "optional level per criterion"})


class RatingReadSchema(Schema):
    """The rating as stored, without the comment (it may name people)."""

    level = fields.Function(lambda r: r.level.value)
    label = fields.Function(lambda r: in_vietnamese(_words().level_label, r.level))
    rated_at = LocalDateTime()
    criteria = fields.Method("_criteria", metadata={"description": "the levels given per criterion"})

    def _criteria(self, rating: Any) -> list[dict[str, str]]:
        words = _words()
        return [{"criterion": c.value, "criterion_label": in_vietnamese(words.criterion_label, c),
                 "level": rating.criteria[c].value, "label": in_vietnamese(words.level_label, rating.criteria[c])}
                for c in Criterion if c in rating.criteria]


class NoticeAmountSchema(Schema):
    title = fields.String(attribute="title_vi")
    title_en = fields.String()
    amount_vnd = fields.Integer(attribute="value")


class FinancialNoticeSchema(Schema):
    """The financial-obligation notice: only the fields the procedure's manifest names."""

    number = fields.String(allow_none=True)
    amounts = fields.List(fields.Nested(NoticeAmountSchema))
    total_vnd = fields.Integer()
    deadline = fields.Date(allow_none=True)


class PublicSupplementSchema(Schema):
    """The open supplementation request: what to bring and by when (never its reasons)."""

    issued_at = LocalDateTime()
    items = fields.List(fields.Nested(MissingItemSchema))
    reply_by = LocalDateTime(allow_none=True, metadata={
        "description": "bring the items by then, else handling stops; null when the procedure sets no limit"})


class HandledElsewhereSchema(Schema):
    """A dossier received here and handled in another province: by which unit, where (public facts only)."""

    unit_name = fields.String()
    province_name = fields.String()
    label = fields.Function(lambda h: in_vietnamese(lambda x: _exchange_words().handled_text(
        x.unit_name, x.province_name), h))


def _exchange_words() -> Any:
    from api.pages import exchange_words  # imported late: the pages package imports the schemas

    return exchange_words


class PublicDossierSchema(Schema):
    code = fields.String()
    procedure_code = fields.String()
    procedure_name = fields.String()
    status = fields.Function(lambda d: d.status.value)
    status_info = fields.Function(lambda d: status_fields(d.status))
    received_at = LocalDateTime()
    due_at = LocalDateTime()
    returned_at = LocalDateTime(allow_none=True)
    timeline = fields.List(fields.Nested(StageReadSchema))
    can_rate = fields.Boolean(metadata={"description": "returned and not rated yet"})
    rating = fields.Function(lambda d: _level(d.rating), metadata={"description": "{level, label} or null"})
    financial_notice = fields.Nested(FinancialNoticeSchema, allow_none=True, metadata={
        "description": "the notice to pay by, once recorded (number, amounts, total, deadline); null otherwise"})
    has_result = fields.Boolean(metadata={
        "description": "a signed electronic result exists: GET …/result with the secret once returned"})
    supplement = fields.Nested(PublicSupplementSchema, allow_none=True, metadata={
        "description": "while the dossier waits for the applicant's supplement: what to bring and by when"})
    handled_in = fields.Nested(HandledElsewhereSchema, allow_none=True, metadata={
        "description": "received here, handled by a unit of another province (its name and the province's); "
                       "null when this province handles it"})
    clock_stopped = fields.Boolean(metadata={
        "description": "the dossier waits for the applicant (supplement or payment): `due_at`, the appointment "
                       "in force, moves later by the time they take once handling resumes"})


class PublicGuidanceSchema(Schema):
    issued_at = LocalDateTime()
    items = fields.List(fields.String(), metadata={"description": "the components to bring"})


class PublicSubmissionSchema(SubmissionStateSchema):
    procedure_name = fields.String()
    centre_name = fields.String()
    guidance = fields.Nested(PublicGuidanceSchema, allow_none=True)
