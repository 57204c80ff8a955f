"""Envelopes of the steps (GET /tasks, POST /tasks/{id}/complete)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from api.schemas.common import LocalDateTime, PageQuery
from engine.domain.inbox import Holding, InboxOrder, InboxQuery, Urgency
from engine.domain.task import TaskStatus
from engine.domain.timeliness import Timeliness


class HolderSchema(Schema):
    id = fields.Integer()
    name = fields.String(allow_none=True)


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
    holder = fields.Nested(HolderSchema, allow_none=True, metadata={
        "description": "the officer holding the step (who claimed it or was assigned it); null when unheld"})
    claimed_at = LocalDateTime(allow_none=True)
    sent_back_reason = fields.String(allow_none=True, metadata={
        "description": "on a step re-opened by a send-back: why the later step returned it"})


class InboxItemSchema(TaskReadSchema):
    """A step of the inbox with what the officer reads of its dossier: the applicant, the procedure, since when
    its clock is stopped (waiting for the applicant) and the step's timeliness now."""

    status = fields.Function(lambda item: item.task.status.value)
    applicant_name = fields.String()
    procedure_code = fields.String()
    clock_stopped_since = LocalDateTime(allow_none=True)
    timeliness = fields.Enum(Timeliness, by_value=True, allow_none=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        return super().get_attribute(obj if attr in _ITEM_FIELDS else obj.task, attr, default)


_ITEM_FIELDS = frozenset({"applicant_name", "procedure_code", "clock_stopped_since", "timeliness"})


class TaskQuery(PageQuery):
    status = fields.Enum(TaskStatus, by_value=True, load_default=TaskStatus.READY)
    procedure = fields.String(validate=validate.Length(1, 32), metadata={"description": "a procedure's code"})
    urgency = fields.Enum(Urgency, by_value=True, metadata={
        "description": "near due or overdue steps (urgent), or one of the two; never a step whose dossier waits "
                       "for the applicant"})
    sort = fields.Enum(InboxOrder, by_value=True, load_default=InboxOrder.DUE, metadata={
        "description": "due: by the step's due time; arrival: by when the step started"})
    held = fields.Enum(Holding, by_value=True, metadata={
        "description": "mine: the steps the caller holds; unclaimed: the steps no one holds; absent: all"})

    @post_load
    def _query(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """The inbox's filters as the service takes them, beside the paging."""
        query = InboxQuery(data.pop("status"), data.pop("procedure", None), data.pop("urgency", None),
                           data.pop("sort"), data.pop("held", None))
        return {**data, "query": query}


class TaskCompleteSchema(Schema):
    data = fields.Dict(load_default=dict)
