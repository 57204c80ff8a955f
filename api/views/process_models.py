"""GET/POST /process-models/...: the admins' procedure versions, for the browser editors: list and fetch
versions, validate a draft (problems by BPMN element id), publish it as a new version; and the saved draft
of a procedure (…/draft) that the modeler, the form and the decision editors share.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api.auth import current_actor
from api.errors import problems
from api.schemas.process_models import (
    DiffQuerySchema,
    DraftCheckReadSchema,
    DraftReadSchema,
    DraftRevisionSchema,
    DraftSaveSchema,
    ModelDiffReadSchema,
    NewProcedureSchema,
    ProcessModelDraftSchema,
    ProcessModelPublishSchema,
    ProcessModelReadSchema,
    ProcessModelSummaryReadSchema,
    ProcessModelVersionReadSchema,
)
from api.wiring import wiring
from engine.services import model_diff, model_drafts, new_procedures, procedure_drafts

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


@blp.get("/<code>/draft")
@problems(401, 403, 404)
@blp.response(200, DraftReadSchema)
def get_draft(code: str) -> Any:
    return model_drafts.open_draft(wiring().uow(), actor=current_actor(), code=code)


@blp.put("/<code>/draft")
@problems(401, 403, 404, 409)
@blp.arguments(DraftSaveSchema)
@blp.response(200, DraftReadSchema)
def save_draft(body: dict[str, Any], code: str) -> Any:
    w = wiring()
    revision = body.pop("revision")
    return model_drafts.save_draft(w.uow(), actor=current_actor(), code=code, revision=revision, parts=body,
                                   clock=w.clock)


@blp.delete("/<code>/draft")
@problems(401, 403, 409)
@blp.arguments(DraftRevisionSchema, location="query")
@blp.response(204)
def discard_draft(query: dict[str, Any], code: str) -> None:
    model_drafts.discard_draft(wiring().uow(), actor=current_actor(), code=code, revision=query["revision"])


@blp.post("/<code>/draft/validate")
@problems(401, 403, 404)
@blp.response(200, DraftCheckReadSchema)
def validate_saved(code: str) -> Any:
    problems = model_drafts.check_draft(wiring().uow(), actor=current_actor(), code=code)
    return {"valid": not problems, "problems": problems}


@blp.post("/<code>/draft/publish")
@problems(401, 403, 404, 409)
@blp.arguments(DraftRevisionSchema)
@blp.response(201, ProcessModelVersionReadSchema)
def publish_saved(body: dict[str, Any], code: str) -> Any:
    w = wiring()
    return model_drafts.publish_saved_draft(w.uow(), actor=current_actor(), code=code, revision=body["revision"],
                                            clock=w.clock)


@blp.post("")
@problems(401, 403, 409)
@blp.arguments(NewProcedureSchema)
@blp.response(201, DraftReadSchema)
def create(fields: dict[str, Any]) -> Any:
    """A new procedure on the standard path, saved as its first draft (422 names each wrong field)."""
    w = wiring()
    return new_procedures.create_procedure(w.uow(), actor=current_actor(), fields=fields, clock=w.clock)


@blp.get("/<code>/diff")
@problems(401, 403, 404)
@blp.arguments(DiffQuerySchema, location="query")
@blp.response(200, ModelDiffReadSchema)
def diff(query: dict[str, Any], code: str) -> Any:
    return model_diff.diff_versions(wiring().uow(), actor=current_actor(), code=code, **query)


@blp.get("/<code>/draft/diff")
@problems(401, 403, 404)
@blp.response(200, ModelDiffReadSchema)
def draft_diff(code: str) -> Any:
    return model_diff.diff_draft(wiring().uow(), actor=current_actor(), code=code)
