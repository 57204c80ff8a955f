"""Holding and returning steps: claim one or several, release, assign (a leader), send back to an earlier step."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api.auth import current_actor
from api.errors import problems
from api.schemas.claims import (
    AssigneeReadSchema,
    ClaimManyReadSchema,
    TaskAssignSchema,
    TaskClaimManySchema,
    TaskSendBackSchema,
    outcomes,
)
from api.schemas.compiled import answer
from api.schemas.dossiers import DossierReadSchema
from api.schemas.tasks import TaskReadSchema
from api.wiring import wiring
from engine.services import claims, send_backs

blp = Blueprint("claims", __name__, url_prefix="/api/v1/tasks", description="Holding and sending back steps")


@blp.post("/claim")
@problems(401, 422)
@blp.arguments(TaskClaimManySchema)
@blp.response(200, ClaimManyReadSchema)
def claim_many(body: dict[str, Any]) -> Any:
    """Claim several steps, each on its own: the answer says, per step, whether it was claimed or why not."""
    w = wiring()
    return answer(ClaimManyReadSchema, outcomes(claims.claim_many(w.uow(), actor=current_actor(), clock=w.clock,
                                                                  task_ids=body["task_ids"])))


@blp.post("/<task_id>/claim")
@problems(401, 403, 404, 409)
@blp.response(200, TaskReadSchema)
def claim(task_id: str) -> Any:
    """Take a ready step: others see who holds it and may not complete it (409 naming the holder)."""
    w = wiring()
    return answer(TaskReadSchema, claims.claim(w.uow(), actor=current_actor(), clock=w.clock, task_id=task_id))


@blp.post("/<task_id>/release")
@problems(401, 403, 404, 409)
@blp.response(200, TaskReadSchema)
def release(task_id: str) -> Any:
    """Let a held step go: its holder, or a leader of its unit."""
    w = wiring()
    return answer(TaskReadSchema, claims.release(w.uow(), actor=current_actor(), clock=w.clock, task_id=task_id))


@blp.post("/<task_id>/assign")
@problems(401, 403, 404, 409, 422)
@blp.arguments(TaskAssignSchema)
@blp.response(200, TaskReadSchema)
def assign(body: dict[str, Any], task_id: str) -> Any:
    """A leader of the step's unit gives it to an active officer of the unit with the step's role."""
    w = wiring()
    return answer(TaskReadSchema, claims.assign(w.uow(), actor=current_actor(), clock=w.clock, task_id=task_id,
                                                user_id=body["user_id"]))


@blp.get("/<task_id>/assignees")
@problems(401, 403, 404)
@blp.response(200, AssigneeReadSchema(many=True))
def assignees(task_id: str) -> Any:
    """The active officers of the step's unit with its role: whom its leader may assign it to."""
    return claims.assignees(wiring().uow(), actor=current_actor(), task_id=task_id)


@blp.post("/<task_id>/send-back")
@problems(401, 403, 404, 409, 422)
@blp.arguments(TaskSendBackSchema)
@blp.response(200, DossierReadSchema)
def send_back(body: dict[str, Any], task_id: str) -> Any:
    """Return the step to an earlier one its procedure allows, with the reason the earlier step's officer reads."""
    w = wiring()
    return answer(DossierReadSchema, send_backs.send_back(
        w.uow(), actor=current_actor(), catalogue=w.catalogue, calendar=w.calendar, clock=w.clock, task_id=task_id,
        to=body["to"], reason=body["reason"]))
