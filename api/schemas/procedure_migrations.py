"""Envelopes of moving running dossiers between versions of a procedure (/process-models/{code}/migrations)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from api.schemas.common import LocalDateTime
from engine.domain.migration_plan import MAX_STEPS, ItemStatus, MigrationPlan

_STEP_ID = fields.String(validate=validate.Length(1, 100))


class PlanQuery(Schema):
    from_version = fields.Integer(required=True, data_key="from", validate=validate.Range(1, 2**31 - 1))
    to_version = fields.Integer(required=True, data_key="to", validate=validate.Range(1, 2**31 - 1))


class MigrationPlanSchema(Schema):
    """Which waiting step of `from_version` becomes which step of `to_version` (null: dossiers there stay)."""

    from_version = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))
    to_version = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))
    steps = fields.Dict(keys=_STEP_ID, values=fields.String(allow_none=True, validate=validate.Length(1, 100)),
                        required=True, validate=validate.Length(max=MAX_STEPS),
                        metadata={"description": "old user task id → new user task id, or null"})

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> MigrationPlan:
        return MigrationPlan(data["from_version"], data["to_version"], dict(data["steps"]))


class StepReadSchema(Schema):
    step = fields.String()
    name = fields.String()
    lane = fields.String(allow_none=True)


class PlanDraftReadSchema(Schema):
    plan = fields.Nested(MigrationPlanSchema)
    old_steps = fields.List(fields.Nested(StepReadSchema))
    new_steps = fields.List(fields.Nested(StepReadSchema))


class ObstacleReadSchema(Schema):
    reason = fields.Function(lambda o: o.reason.value)
    message = fields.String()
    params = fields.Dict(keys=fields.String(), values=fields.String())


class VerdictReadSchema(Schema):
    dossier_code = fields.String()
    status = fields.String()
    waiting = fields.List(fields.String())
    obstacles = fields.List(fields.Nested(ObstacleReadSchema))


class CheckReadSchema(Schema):
    movable = fields.Integer()
    blocked = fields.Integer()
    by_reason = fields.Dict(keys=fields.String(), values=fields.Integer(),
                            metadata={"description": "dossiers blocked by each reason"})
    movable_codes = fields.List(fields.String(), metadata={"description": "the first 200"})
    blocked_verdicts = fields.List(fields.Nested(VerdictReadSchema), data_key="blocked_dossiers",
                                   metadata={"description": "the first 200, with why each cannot move"})


class MigrationStartedSchema(Schema):
    id = fields.Integer()
    plan = fields.Nested(MigrationPlanSchema)
    started_at = LocalDateTime()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class ItemReadSchema(Schema):
    dossier_code = fields.String()
    status = fields.Function(lambda i: i.status.value)
    obstacles = fields.List(fields.Nested(ObstacleReadSchema))


class ProgressReadSchema(Schema):
    id = fields.Integer(attribute="migration.id")
    plan = fields.Nested(MigrationPlanSchema, attribute="migration.plan")
    started_at = LocalDateTime(attribute="migration.started_at")
    counts = fields.Function(lambda p: {s.value: p.migration.counts.get(s.value, 0) for s in ItemStatus},
                             metadata={"description": "dossiers pending, moved, failed (moved on since the check) "
                                                      "and blocked (no job)"})
    finished = fields.Boolean(attribute="migration.finished")
    not_moved = fields.List(fields.Nested(ItemReadSchema), metadata={"description": "failed or blocked, first 200"})
