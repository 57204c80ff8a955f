"""GET/POST /process-models/...: the admins' procedure versions, for the browser BPMN modeler: list and
fetch versions, validate a draft (problems by BPMN element id), publish it as a new version.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api.auth import current_actor
from api.errors import problems
from api.schemas.process_models import (
    DraftCheckReadSchema,
    ProcessModelDraftSchema,
    ProcessModelPublishSchema,
    ProcessModelReadSchema,
    ProcessModelSummaryReadSchema,
    ProcessModelVersionReadSchema,
)
from api.wiring import wiring
from engine.services import procedure_drafts

blp = Blueprint("process_models", __name__, url_prefix="/api/v1/process-models",
                description="Procedure versions: validate and publish drafts from the BPMN modeler (admins)")


@blp.get("")
@problems(401, 403)
@blp.response(200, ProcessModelSummaryReadSchema(many=True))
def list_models() -> Any:
    return procedure_drafts.list_models(wiring().uow(), actor=current_actor())


@blp.get("/<code>")
@problems(401, 403, 404)
@blp.response(200, ProcessModelReadSchema)
def get_latest(code: str) -> Any:
    return procedure_drafts.get_model(wiring().uow(), actor=current_actor(), code=code)


@blp.get("/<code>/versions/<int:version>")
@problems(401, 403, 404)
@blp.response(200, ProcessModelReadSchema)
def get_version(code: str, version: int) -> Any:
    return procedure_drafts.get_model(wiring().uow(), actor=current_actor(), code=code, version=version)


@blp.post("/<code>/validate")
@problems(401, 403, 404)
@blp.arguments(ProcessModelDraftSchema)
@blp.response(200, DraftCheckReadSchema)
def validate(draft: dict[str, Any], code: str) -> Any:
    problems = procedure_drafts.validate_draft(wiring().uow(), actor=current_actor(), code=code, **draft)
    return {"valid": not problems, "problems": problems}


@blp.post("/<code>/versions")
@problems(401, 403, 404, 409)
@blp.arguments(ProcessModelPublishSchema)
@blp.response(201, ProcessModelVersionReadSchema)
def publish(draft: dict[str, Any], code: str) -> Any:
    w = wiring()
    return procedure_drafts.publish_draft(w.uow(), actor=current_actor(), code=code, clock=w.clock, **draft)
