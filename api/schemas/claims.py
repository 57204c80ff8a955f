"""Envelopes of holding and returning steps (POST /tasks/{id}/claim, /release, /assign, /send-back and
POST /tasks/claim for several)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api.errors import STATUS_BY_ERROR
from api.schemas.tasks import TaskReadSchema
from engine.domain.errors import DomainError
from engine.services.claims import MAX_BULK_CLAIMS
from engine.services.send_backs import MAX_REASON

TASK_ID = validate.Length(1, 36)


class TaskClaimManySchema(Schema):
    task_ids = fields.List(fields.String(validate=TASK_ID), required=True,
                           validate=validate.Length(1, MAX_BULK_CLAIMS),
                           metadata={"description": f"the steps to claim, at most {MAX_BULK_CLAIMS}"})


class TaskAssignSchema(Schema):
    user_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**31 - 1), metadata={
        "description": "an active officer of the step's unit with the step's role"})


class TaskSendBackSchema(Schema):
    to = fields.String(required=True, validate=validate.Length(1, 100), metadata={
        "description": "the BPMN id of an earlier step the procedure lets this step send back to"})
    reason = fields.String(required=True, validate=validate.Length(1, MAX_REASON), metadata={
        "description": "why: shown to whoever redoes the earlier step, and on the control sheet"})


class AssigneeReadSchema(Schema):
    id = fields.Integer(attribute="user_id")
    username = fields.String()
    display_name = fields.String()


class ClaimErrorSchema(Schema):
    status = fields.Function(lambda error: _http_status(error), metadata={"description": "403, 404 or 409"})
    code = fields.String()
    detail = fields.Function(str)


class ClaimOutcomeSchema(Schema):
    task_id = fields.String()
    claimed = fields.Function(lambda outcome: outcome.task is not None)
    task = fields.Nested(TaskReadSchema, allow_none=True)
    error = fields.Nested(ClaimErrorSchema, allow_none=True, metadata={
        "description": "why this step was not claimed (the others still were)"})


class ClaimManyReadSchema(Schema):
    items = fields.List(fields.Nested(ClaimOutcomeSchema))


def _http_status(error: DomainError) -> int:
    return next(status for error_class, status, _ in STATUS_BY_ERROR if isinstance(error, error_class))


def outcomes(items: list[Any]) -> dict[str, Any]:
    return {"items": items}
