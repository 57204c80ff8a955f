"""Envelopes of the dossiers (POST/GET /dossiers, GET /dossiers/{code}) and of the bodies of the six
lifecycle actions (POST /dossiers/{code}/…, declared in api/actions.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from api.schemas.common import LocalDateTime, PageQuery, in_vietnamese, page_schema, remembered_per_app, status_fields
from api.schemas.compiled import dumper
from api.schemas.files import FILE_REQUESTS
from api.schemas.tasks import TaskReadSchema
from engine.domain.contact import MAX_EMAIL, Contact
from engine.domain.dossier import Channel, ReturnMethod
from engine.domain.files import ComponentForm
from engine.domain.manifest import DOCUMENT_FORMS
from engine.domain.search import MAX_QUERY, SearchCriteria, SearchSort
from engine.domain.status import DossierStatus
from engine.domain.timeliness import Timeliness


class ContactSchema(Schema):
    """Where the applicant wants notices about the dossier (e-mail, SMS), and whether they agreed to."""

    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_EMAIL), metadata={
        "description": "an e-mail address"})
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32), metadata={
        "description": "a Vietnamese mobile number (0912 345 678, +84912345678): stored as +84…"})
    consent = fields.Boolean(load_default=False, truthy={True}, falsy={False}, metadata={
        "description": "the applicant agreed to receive notices at these addresses; without it none is sent"})

    @post_load
    def _contact(self, data: dict[str, Any], **_: Any) -> Contact:
        return Contact(data["email"], data["phone"], data["consent"])


CONTACT = fields.Nested(ContactSchema, load_default=None, metadata={
    "description": "where to send notices about the dossier, with the applicant's consent; never shown to the "
                   "public"})


class DossierCreateSchema(Schema):
    procedure_code = fields.String(required=True, validate=validate.Length(1, 32))
    application = fields.Dict(required=True)
    return_unit_id = fields.String(validate=validate.Length(1, 32))
    channel = fields.Enum(Channel, by_value=True, load_default=Channel.IN_PERSON)
    return_method = fields.Enum(ReturnMethod, by_value=True, load_default=ReturnMethod.COUNTER, metadata={
        "description": "how the applicant asked to get the result (the return records how it went)"})
    reception = fields.Dict(load_default=dict, metadata={
        "description": "the reception step's form: documents checked at the counter, notes"})
    files = FILE_REQUESTS
    forms_brought = fields.Dict(keys=fields.Integer(validate=validate.Range(0, 99)),
                                values=fields.Enum(ComponentForm, by_value=True), load_default=dict,
                                validate=validate.Length(max=100), metadata={
        "description": "the form a brought document came in (original, certified_copy, photocopy, electronic), "
                       "where it differs from the procedure's list"})
    documents_brought = fields.List(fields.Integer(), load_default=None, validate=validate.Length(max=50), metadata={
        "description": "positions (from 0) in the procedure's document list of the components the applicant "
                       "brought; when given, the reception form's documents_checked (if it has one) is set to "
                       "whether every required one is there; when absent, `reception` stays as sent"})
    contact = CONTACT


_DAYS = validate.Range(date(2000, 1, 1), date(2999, 12, 31))  # a day a dossier could be received on (no overflow)


class DossierQuery(PageQuery):
    """The dossier list's search (engine/services/search.py): what was typed or scanned, filters and order."""

    q = fields.String(validate=validate.Length(1, MAX_QUERY), metadata={
        "description": "a dossier code, the text of the receipt's QR code, a personal ID number (9 or 12 digits), "
                       "a phone, or the applicant's name with or without diacritics (its words in order, each the "
                       "start of a word: `nguyen an` finds Nguyễn Văn An). Searches but by code are audited."})
    procedure = fields.String(validate=validate.Length(1, 32), metadata={"description": "a procedure code"})
    status = fields.Enum(DossierStatus, by_value=True)
    received_from = fields.Date(validate=_DAYS, metadata={
        "description": "received on or after this day (Vietnam's calendar day)"})
    received_to = fields.Date(validate=_DAYS, metadata={"description": "received on or before this day"})
    timeliness = fields.Enum(Timeliness, by_value=True, metadata={
        "description": "finished: before_time, on_time, late; in process: in_time, near_due, overdue"})
    channel = fields.Enum(Channel, by_value=True)
    sort = fields.Enum(SearchSort, by_value=True, load_default=SearchSort.NEWEST, metadata={
        "description": "newest (received, newest first), oldest, due (appointment, soonest first)"})

    @validates_schema
    def period(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            raise ValidationError({"received_to": ["must not be before received_from"]})

    @post_load
    def criteria(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """The filters as the service takes them, beside `q`, `limit` and `offset`."""
        data["criteria"] = SearchCriteria(
            procedure_code=data.get("procedure"), status=data.get("status"), received_from=data.get("received_from"),
            received_to=data.get("received_to"), timeliness=data.get("timeliness"), channel=data.get("channel"),
            sort=data["sort"])
        return data


class DossierReadSchema(Schema):
    code = fields.String()
    procedure_code = fields.String()
    status = fields.Function(lambda d: d.status.value)
    status_info = fields.Function(lambda d: status_fields(d.status))
    channel = fields.Function(lambda d: d.channel.value)
    receiving_unit_id = fields.String()
    competent_unit_id = fields.String()
    return_unit_id = fields.String()
    applicant_name = fields.String()
    submitted_at = LocalDateTime(metadata={"description": "handed in (NgayNopHoSo); online, before it was received"})
    submission_reference = fields.String(allow_none=True, metadata={"description": "the portal's submission id"})
    received_at = LocalDateTime(metadata={"description": "received: accepted by the counter (NgayTiepNhan)"})
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
    exchange = fields.Function(
        lambda d: {"role": d.exchange.role.value, "province": d.exchange.peer, "state": d.exchange.state}
        if d.exchange else None, metadata={"description": (
            "its part in an exchange with another province's deployment (docs/exchange.md), null for a dossier "
            "received and handled in this province: `role` sender (received here, handled there) or handler, "
            "the other `province`, and `state`, the last package kind sent or applied")})
    version = fields.Integer()


class DossierSearchPageSchema(page_schema(DossierReadSchema)):  # type: ignore[misc]
    query_kind = fields.String(allow_none=True, metadata={
        "description": "what `q` was taken for: code, id_number, phone or name (null without `q`); a code found "
                       "in scope is the only item"})
    total_exact = fields.Boolean(metadata={
        "description": "false when the result holds more than `total` dossiers: a list counts at most 500 past "
                       "the page's end, so a broad search stays fast"})


class DossierReceiptSchema(DossierReadSchema):
    """The answer to a reception: what the receipt slip prints, including the look-up secret."""

    secret = fields.String(metadata={"description": "10 characters without separators (the first dossiers' have 4); "
                                                    "printed in groups of five, e.g. K7M4Q-X9TRB; the look-up takes "
                                                    "either form"})


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
    """The mark with its Vietnamese label (whatever the caller's language)."""
    return None if value is None else remembered_per_app(("timeliness", value), lambda: _timeliness_fields(value))


def _timeliness_fields(value: Timeliness) -> dict[str, str]:
    from api.pages.i18n import timeliness_label  # imported late: the pages package imports the schemas

    return {"class": value.value, "label": in_vietnamese(timeliness_label, value)}




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
    notices = fields.Function(lambda d: [dumper(NoticeReadSchema)(notice) for notice in d.dossier.notices])
    tasks = fields.Method("_tasks", metadata={"description": "each step, with its timeliness against its allotment"})

    def _tasks(self, detail: Any) -> list[dict[str, Any]]:
        dump = dumper(TaskReadSchema)  # compiled once: a TaskReadSchema() per task cost most of the detail's dump
        return [dump(task) | {"timeliness": _timeliness(detail.step_timeliness.get(task.id))} for task in detail.tasks]
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
