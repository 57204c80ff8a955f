"""Envelopes of the intake (POST/GET /intake/submissions, the decisions on one): what the portal hands in,
what the counter decides, and the submission as the queue and its readers see it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, post_load, pre_dump, validate

from api.schemas.common import LocalDateTime, PageQuery, status_fields
from api.schemas.dossiers import CONTACT, DossierReceiptSchema, SupplementRequestSchema
from api.schemas.files import FILE_REQUESTS
from api.wiring import wiring
from engine.domain.dossier import Channel, ReturnMethod
from engine.domain.files import Component
from engine.domain.manifest import DOCUMENT_FORMS
from engine.domain.submission import MAX_REFERENCE, IntakeStage, Submission
from engine.services.intake import SubmissionDetail

_APPLICATION = fields.Dict(required=True, metadata={
    "description": "the procedure's application form (its JSON Schema: GET /procedures/{code})"})


class ComponentSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 300))
    form = fields.String(load_default="original", validate=validate.OneOf(DOCUMENT_FORMS))
    copies = fields.Integer(load_default=1, validate=validate.Range(1, 99))
    document = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "which document of the procedure's list it is: its position, from 0"})

    @post_load
    def _component(self, data: dict[str, Any], **_: Any) -> Component:
        return Component(**data)


_COMPONENTS = fields.List(fields.Nested(ComponentSchema), load_default=list, validate=validate.Length(max=50))


class SubmissionCreateSchema(Schema):
    reference = fields.String(required=True, validate=validate.Length(1, MAX_REFERENCE), metadata={
        "description": "the portal's own id of the submission: sent again with the same content it answers "
                       "the first submission (200), with other content a 409"})
    centre_id = fields.String(required=True, validate=validate.Length(1, 32))
    procedure_code = fields.String(required=True, validate=validate.Length(1, 32))
    application = _APPLICATION
    channel = fields.Enum(Channel, by_value=True, load_default=Channel.ONLINE, metadata={
        "description": "online or post"})
    components = _COMPONENTS
    files = FILE_REQUESTS
    submitted_at = fields.AwareDateTime(load_default=None, metadata={
        "description": "when the applicant handed it in (NgayNopHoSo), by the portal's clock; default now"})
    return_method = fields.Enum(ReturnMethod, by_value=True, load_default=ReturnMethod.COUNTER)
    contact = CONTACT


class ResubmissionSchema(Schema):
    application = _APPLICATION
    components = _COMPONENTS
    files = FILE_REQUESTS


class AcceptanceSchema(Schema):
    reception = fields.Dict(load_default=dict, metadata={"description": "the reception step's form"})
    documents_brought = fields.List(fields.Integer(), load_default=None, validate=validate.Length(max=50), metadata={
        "description": "positions in the procedure's document list found in the submission; default the "
                       "components the portal matched to the list. Every required one must be there"})
    return_unit_id = fields.String(load_default=None, validate=validate.Length(1, 32))


class GuidanceSchema(SupplementRequestSchema):
    """Guidance to complete (Mẫu 02): the reasons and every missing component, given once."""


class IntakeQuery(PageQuery):
    stage = fields.List(fields.Enum(IntakeStage, by_value=True), load_default=None, metadata={
        "description": "repeat for several; default waiting and guided"})


def _waited_minutes(submission: Submission) -> int:
    """Minutes since it last entered the queue, until it was decided or until now."""
    until: datetime = submission.decided_at or wiring().clock()
    return max(0, int((until - (submission.resubmitted_at or submission.submitted_at)).total_seconds() // 60))


class _WaitingSince(LocalDateTime):
    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return obj.resubmitted_at or obj.submitted_at


class SubmissionStateSchema(Schema):
    """Where a submission stands (the public look-up shows this much): its stage, the national status it
    means, its times, and the dossier's code once received."""

    reference = fields.String()
    procedure_code = fields.String()
    stage = fields.Function(lambda s: s.stage.value)
    status = fields.Function(lambda s: s.status.value)
    national_status = fields.Function(lambda s: s.status.national_code, metadata={
        "description": "1 submitted, 2 received, 3 refused"})
    status_info = fields.Function(lambda s: status_fields(s.status))
    submitted_at = LocalDateTime()
    resubmitted_at = LocalDateTime(allow_none=True)
    decided_at = LocalDateTime(allow_none=True)
    dossier_code = fields.String(allow_none=True)


class SubmissionReadSchema(SubmissionStateSchema):
    """A line of the intake queue."""

    id = fields.Integer()
    centre_id = fields.String()
    channel = fields.Function(lambda s: s.channel.value)
    return_method = fields.Function(lambda s: s.return_method.value)
    waiting_since = _WaitingSince(metadata={"description": "resubmitted_at, else submitted_at"})
    waited_minutes = fields.Function(_waited_minutes, metadata={
        "description": "minutes since waiting_since, until decided_at or now"})
    applicant_name = fields.String()


class _GuidanceReadSchema(Schema):
    issued_at = LocalDateTime()
    reasons = fields.String()
    items = fields.Function(lambda n: [vars(item) for item in n.items])


class _RefusalReadSchema(Schema):
    issued_at = LocalDateTime()
    reasons = fields.String()


class SubmissionSchema(SubmissionReadSchema):
    """A submission with what was handed in and what the counter wrote."""

    application = fields.Dict()
    components = fields.Function(lambda s: [c.to_json() for c in s.components])
    guidance = fields.Nested(_GuidanceReadSchema, allow_none=True)
    refusal = fields.Nested(_RefusalReadSchema, allow_none=True)


class _AcceptedDossierSchema(Schema):
    code = fields.String()
    secret = fields.String(metadata={"description": "as the receipt gives it (POST /dossiers)"})
    received_at = LocalDateTime()
    due_at = LocalDateTime()


class _WithDossier:
    """The submission's attributes, and the dossier beside them: one flat body."""

    def __init__(self, detail: SubmissionDetail):
        self._detail = detail
        self.dossier = detail.dossier

    def __getattr__(self, name: str) -> Any:
        return getattr(self._detail.submission, name)


class SubmissionDetailSchema(SubmissionSchema):
    dossier = fields.Nested(_AcceptedDossierSchema, allow_none=True, metadata={"description": "once accepted"})

    @pre_dump
    def _flat(self, detail: SubmissionDetail, **_: Any) -> Any:
        return _WithDossier(detail)


class AcceptanceReceiptSchema(DossierReceiptSchema):
    """The receipt of POST /dossiers, with when the applicant handed the dossier in."""

    submitted_at = LocalDateTime()
    submission_reference = fields.String()
