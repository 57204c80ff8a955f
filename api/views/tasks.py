"""The inbox: tasks for the caller's unit and roles, and completing one with its form data."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api.auth import current_actor
from api.errors import problems
from api.schemas.common import page, page_schema
from api.schemas.compiled import answer
from api.schemas.dossiers import DossierReadSchema
from api.schemas.tasks import InboxItemSchema, TaskCompleteSchema, TaskQuery
from api.wiring import wiring
from engine.services import tasks

INBOX_PAGE = page_schema(InboxItemSchema)

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="Inbox")


@blp.get("")
@problems(401, 403)
@blp.arguments(TaskQuery, location="query")
@blp.response(200, INBOX_PAGE)
def inbox(query: dict[str, Any]) -> Any:
    w = wiring()
    items, total = tasks.inbox(w.uow(), actor=current_actor(), query=query["query"], clock=w.clock,
                               calendar=w.calendar, limit=query["limit"], offset=query["offset"])
    return answer(INBOX_PAGE, page(items, total, query))


@blp.post("/<task_id>/complete")
@problems(401, 403, 404, 409)
@blp.arguments(TaskCompleteSchema)
@blp.response(200, DossierReadSchema)
def complete(body: dict[str, Any], task_id: str) -> Any:
    w = wiring()
    return answer(DossierReadSchema, tasks.complete(w.uow(), actor=current_actor(), task_id=task_id, data=body["data"],
                                                    catalogue=w.catalogue, calendar=w.calendar, clock=w.clock))
