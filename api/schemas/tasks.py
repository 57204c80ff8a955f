"""Envelopes of the steps (GET /tasks, POST /tasks/{id}/complete)."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas.common import LocalDateTime, PageQuery
from engine.domain.task import TaskStatus


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


class TaskQuery(PageQuery):
    status = fields.Enum(TaskStatus, by_value=True, load_default=TaskStatus.READY)


class TaskCompleteSchema(Schema):
    data = fields.Dict(load_default=dict)
