"""marshmallow schemas for the API envelopes, named by direction (…CreateSchema, …ReadSchema, …Query).

Form content (applications, task data) is a plain dict here: its contract is the JSON Schema,
validated by the engine, so no field of a form is defined twice.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from engine.domain.calendar import VN_TZ
from engine.domain.dossier import Channel, ReturnMethod
from engine.domain.manifest import AGENCY_KINDS, DOCUMENT_FORMS
from engine.domain.rating import COMMENT_MAX, Criterion, SatisfactionLevel
from engine.domain.status import DossierStatus
from engine.domain.task import TaskStatus


class LocalDateTime(fields.AwareDateTime):
    """Times are written in Vietnam's time zone, as officers and citizens read them."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return super()._serialize(value.astimezone(VN_TZ) if value else value, attr, obj, **kwargs)


MAX_OFFSET = 2**31 - 1  # larger offsets overflow the databases' integer parameters (a 500, not a 422)


class PageQuery(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


class TokenCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(1, 64))
    password = fields.String(required=True, validate=validate.Length(1, 256), load_only=True)


class TokenReadSchema(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    username = fields.String()
    unit_id = fields.String()
    roles = fields.List(fields.String())


class UnitQuery(Schema):
    province_id = fields.String()
    kind = fields.String(validate=validate.OneOf(["province", "commune", "agency"]))
    agency = fields.String(validate=validate.OneOf(AGENCY_KINDS))


class UnitReadSchema(Schema):
    id = fields.String()
    name = fields.String()
    kind = fields.Function(lambda u: u.kind.value)
    province_id = fields.String(allow_none=True)
    division_type = fields.String()
    agency = fields.String(allow_none=True)
    parent_id = fields.String(allow_none=True)
    has_centre = fields.Boolean()


class ProcedureReadSchema(Schema):
    code = fields.String()
    version = fields.Integer()
    name = fields.Function(lambda p: p.manifest["name"])
    field = fields.Function(lambda p: p.manifest.get("field"))
    level = fields.Function(lambda p: p.manifest.get("level"))
    time_limit = fields.Function(lambda p: p.manifest["time_limit"])
    cross_boundary = fields.Boolean()
    lanes = fields.Function(lambda p: p.manifest["lanes"])
    documents = fields.Function(lambda p: p.manifest.get("documents", []))
    fees = fields.Function(lambda p: p.manifest.get("fees", []))


class ProcedureDetailSchema(ProcedureReadSchema):
    application_form = fields.String()
    forms = fields.Dict(keys=fields.String(), values=fields.Dict())


def _status_fields(status: DossierStatus) -> dict[str, Any]:
    return {"status": status.value, "national_code": status.national_code, "label": status.label_vi}


class DossierCreateSchema(Schema):
    procedure_code = fields.String(required=True, validate=validate.Length(1, 32))
    application = fields.Dict(required=True)
    return_unit_id = fields.String(validate=validate.Length(1, 32))
    channel = fields.Enum(Channel, by_value=True, load_default=Channel.IN_PERSON)
    return_method = fields.Enum(ReturnMethod, by_value=True, load_default=ReturnMethod.COUNTER, metadata={
        "description": "how the applicant asked to get the result (the return records how it went)"})
    reception = fields.Dict(load_default=dict, metadata={
        "description": "the reception step's form: documents checked at the counter, notes"})
    digitised_documents = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=50), metadata={
        "description": "positions (from 0) in the procedure's document list of the components scanned at the counter"})
    documents_brought = fields.List(fields.Integer(), load_default=None, validate=validate.Length(max=50), metadata={
        "description": "positions (from 0) in the procedure's document list of the components the applicant "
                       "brought; when given, the reception form's documents_checked (if it has one) is set to "
                       "whether every required one is there; when absent, `reception` stays as sent"})


class DossierQuery(PageQuery):
    status = fields.Enum(DossierStatus, by_value=True)


class DossierReadSchema(Schema):
    code = fields.String()
    procedure_code = fields.String()
    status = fields.Function(lambda d: d.status.value)
    status_info = fields.Function(lambda d: _status_fields(d.status))
    channel = fields.Function(lambda d: d.channel.value)
    receiving_unit_id = fields.String()
    competent_unit_id = fields.String()
    return_unit_id = fields.String()
    applicant_name = fields.String()
    received_at = LocalDateTime()
    due_at = LocalDateTime()
    result_ready_at = LocalDateTime(allow_none=True)
    returned_at = LocalDateTime(allow_none=True)
    paused_at = LocalDateTime(allow_none=True)
    fee_vnd = fields.Integer()
    routes = fields.Dict(keys=fields.String(), values=fields.String())
    deadline_at = LocalDateTime()
    finished_at = LocalDateTime(allow_none=True)
    return_method = fields.Function(lambda d: d.return_method.value if d.return_method else None)
    supplement_rounds = fields.Integer()
    version = fields.Integer()


class DossierReceiptSchema(DossierReadSchema):
    """The answer to a reception: what the receipt slip prints, including the look-up secret."""

    secret = fields.String(metadata={"description": "10 characters without separators (the first dossiers' have 4); "
                                                    "printed in groups of five, e.g. K7M4Q-X9TRB; the look-up takes "
                                                    "either form"})


class TaskReadSchema(Schema):
    id = fields.String()
    dossier_code = fields.String()
    step = fields.String()
    name = fields.String()
    lane = fields.String()
    role = fields.String()
    unit_id = fields.String()
    form_id = fields.String(allow_none=True)
    status = fields.Function(lambda t: t.status.value)
    created_at = LocalDateTime()
    due_at = LocalDateTime()
    completed_at = LocalDateTime(allow_none=True)


class NoticeReadSchema(Schema):
    kind = fields.Function(lambda n: n.kind.value)
    number = fields.Integer()
    issued_at = LocalDateTime()
    unit_id = fields.String()
    officer_id = fields.Integer(allow_none=True)
    reasons = fields.String()
    items = fields.Function(lambda n: [vars(item) for item in n.items])
    reply_by = LocalDateTime(allow_none=True)
    answered_at = LocalDateTime(allow_none=True)
    due_before = LocalDateTime(allow_none=True)
    due_after = LocalDateTime(allow_none=True)


def _timeliness(value: Any) -> dict[str, str] | None:
    return {"class": value.value, "label": value.label_vi} if value is not None else None


class HistoryEventReadSchema(Schema):
    kind = fields.Function(lambda e: e.kind.value)
    at = LocalDateTime()
    actor_id = fields.Integer(allow_none=True)
    unit_id = fields.String(allow_none=True)
    data = fields.Dict()


class DossierDetailSchema(Schema):
    dossier = fields.Nested(DossierReadSchema)
    procedure_name = fields.Function(lambda d: d.procedure.manifest["name"])
    application = fields.Function(lambda d: d.dossier.application)
    timeliness = fields.Function(lambda d: _timeliness(d.timeliness))
    notices = fields.Function(lambda d: NoticeReadSchema(many=True).dump(d.dossier.notices))
    tasks = fields.Method("_tasks", metadata={"description": "each step, with its timeliness against its allotment"})

    def _tasks(self, detail: Any) -> list[dict[str, Any]]:
        return [TaskReadSchema().dump(task) | {"timeliness": _timeliness(detail.step_timeliness.get(task.id))}
                for task in detail.tasks]
    history = fields.List(fields.Nested(HistoryEventReadSchema))


_REASONS = fields.String(required=True, validate=validate.Length(1, 2000), metadata={
    "description": "the written reasons printed on the slip"})


class MissingItemSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 300))
    form = fields.String(load_default="original", validate=validate.OneOf(DOCUMENT_FORMS))
    copies = fields.Integer(load_default=1, validate=validate.Range(1, 50))


class SupplementRequestSchema(Schema):
    reasons = _REASONS
    items = fields.List(fields.Nested(MissingItemSchema), required=True, validate=validate.Length(1, 50))


class SupplementSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(0, 1000))


class ReasonsSchema(Schema):
    reasons = _REASONS


class ExtendSchema(Schema):
    reasons = _REASONS
    new_due_at = fields.AwareDateTime(required=True, metadata={"description": "the new appointment"})


class ReturnSchema(Schema):
    method = fields.Enum(ReturnMethod, by_value=True, load_default=ReturnMethod.COUNTER)
    data = fields.Dict(load_default=dict, metadata={"description": "the return step's form: who collected it"})


class TaskQuery(PageQuery):
    status = fields.Enum(TaskStatus, by_value=True, load_default=TaskStatus.READY)


class TaskCompleteSchema(Schema):
    data = fields.Dict(load_default=dict)


class PublicQuery(Schema):
    secret = fields.String(required=True, validate=validate.Length(4, 24), metadata={
        "description": "as printed on the receipt; spaces, dashes and case do not matter"})


class StageReadSchema(Schema):
    at = LocalDateTime()
    kind = fields.String()
    label = fields.String()
    unit_name = fields.String(allow_none=True)


def _level(level: SatisfactionLevel | None) -> dict[str, str] | None:
    return {"level": level.value, "label": level.label_vi} if level is not None else None


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
    label = fields.Function(lambda r: r.level.label_vi)
    rated_at = LocalDateTime()
    criteria = fields.Method("_criteria", metadata={"description": "the levels given per criterion"})

    def _criteria(self, rating: Any) -> list[dict[str, str]]:
        return [{"criterion": c.value, "criterion_label": c.label_vi, "level": rating.criteria[c].value,
                 "label": rating.criteria[c].label_vi} for c in Criterion if c in rating.criteria]


class PublicDossierSchema(Schema):
    code = fields.String()
    procedure_code = fields.String()
    procedure_name = fields.String()
    status = fields.Function(lambda d: d.status.value)
    status_info = fields.Function(lambda d: _status_fields(d.status))
    received_at = LocalDateTime()
    due_at = LocalDateTime()
    returned_at = LocalDateTime(allow_none=True)
    timeline = fields.List(fields.Nested(StageReadSchema))
    can_rate = fields.Boolean(metadata={"description": "returned and not rated yet"})
    rating = fields.Function(lambda d: _level(d.rating), metadata={"description": "{level, label} or null"})


def page(items: list[Any], total: int, query: dict[str, Any]) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": query["limit"], "offset": query["offset"]}


def page_schema(item: type[Schema]) -> type[Schema]:
    return Schema.from_dict({"items": fields.List(fields.Nested(item)), "total": fields.Integer(),
                             "limit": fields.Integer(), "offset": fields.Integer()},
                            name=f"{item.__name__.removesuffix('Schema')}PageSchema")


class ProcessModelDraftSchema(Schema):
    """A draft from the BPMN modeler: the diagram, and optionally the whole forms dict and the manifest."""

    bpmn = fields.String(required=True, validate=validate.Length(min=1), metadata={"description": "BPMN 2.0 XML"})
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=None, allow_none=True,
                        metadata={"description": "JSON Schemas by form id; replaces all forms of the latest version"})
    manifest = fields.Dict(load_default=None, allow_none=True,
                           metadata={"description": "procedure.json; replaces the latest version's manifest"})


class ProcessModelPublishSchema(ProcessModelDraftSchema):
    base_version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1), metadata={
        "description": "the version the draft was made from; 409 when a newer one was published since"})


class DraftProblemReadSchema(Schema):
    element_id = fields.String(allow_none=True, metadata={"description": "the BPMN element it is on, or null"})
    message = fields.String()


class DraftCheckReadSchema(Schema):
    valid = fields.Boolean()
    problems = fields.List(fields.Nested(DraftProblemReadSchema))


class ProcessModelVersionReadSchema(Schema):
    code = fields.String()
    version = fields.Integer()
    published_at = LocalDateTime()
    checksum = fields.String()


class ProcessModelSummaryReadSchema(Schema):
    code = fields.String()
    name = fields.Dict(keys=fields.String(), values=fields.String())
    latest_version = fields.Function(lambda m: m.versions[-1].version)
    versions = fields.List(fields.Nested(ProcessModelVersionReadSchema))


class ProcessModelReadSchema(ProcessModelVersionReadSchema):
    name = fields.Function(lambda m: m.manifest.get("name"))
    manifest = fields.Dict()
    bpmn = fields.String()
    forms = fields.Dict(keys=fields.String(), values=fields.Dict())
    decisions = fields.Dict(keys=fields.String(), values=fields.String())
    versions = fields.List(fields.Nested(ProcessModelVersionReadSchema))
