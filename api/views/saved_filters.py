"""An officer's saved filters of the inbox and the dossier list: each officer sees and deletes only their own."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api.auth import current_actor
from api.errors import problems
from api.schemas.files import MAX_ID
from api.schemas.saved_filters import SavedFilterQuery, SavedFilterReadSchema, SavedFilterWriteSchema
from api.wiring import wiring
from engine.services import saved_filters

blp = Blueprint("saved_filters", __name__, url_prefix="/api/v1/saved-filters",
                description="Officers' saved filters of their lists")


@blp.get("")
@problems(401, 403)
@blp.arguments(SavedFilterQuery, location="query")
@blp.response(200, SavedFilterReadSchema(many=True))
def listing(query: dict[str, Any]) -> Any:
    return saved_filters.of_officer(wiring().uow(), actor=current_actor(), page=query.get("page"))


@blp.post("")
@problems(401, 403, 409, 422)
@blp.arguments(SavedFilterWriteSchema)
@blp.response(201, SavedFilterReadSchema)
def save(body: dict[str, Any]) -> Any:
    """Save a filter of one of the caller's lists; one of the same name on that list is replaced."""
    w = wiring()
    return saved_filters.save(w.uow(), actor=current_actor(), clock=w.clock, page=body["page"], name=body["name"],
                              query=body["query"])


@blp.delete(f"/<int(max={MAX_ID}):filter_id>")
@problems(401, 403, 404)
@blp.response(204)
def delete(filter_id: int) -> None:
    saved_filters.delete(wiring().uow(), actor=current_actor(), filter_id=filter_id)
