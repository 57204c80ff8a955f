"""The outbox as admins watch it: the backlog per destination, the messages with their errors, and sending a
parked message again. The outbox is the deployment's (one province's): any admin reads it; never a payload."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api.auth import current_actor
from api.errors import problems
from api.schemas.common import page
from api.schemas.files import MAX_ID
from api.schemas.outbox import OutboxBacklogReadSchema, OutboxMessagePageSchema, OutboxMessageReadSchema, OutboxQuery
from api.wiring import wiring
from engine.services import outbound

blp = Blueprint("outbox", __name__, url_prefix="/api/v1/outbox",
                description="Outbound messages to the national portal and to citizens (admins)")


@blp.get("/summary")
@problems(401, 403)
@blp.response(200, OutboxBacklogReadSchema(many=True))
def summary() -> Any:
    """Per destination: pending, parked and delivered messages, failed attempts, the oldest pending message."""
    w = wiring()
    return outbound.admin_backlog(w.uow(), actor=current_actor(), now=w.clock())


@blp.get("")
@problems(401, 403)
@blp.arguments(OutboxQuery, location="query")
@blp.response(200, OutboxMessagePageSchema)
def list_messages(query: dict[str, Any]) -> Any:
    """Newest first, the undelivered before the delivered."""
    items, total = outbound.admin_messages(wiring().uow(), actor=current_actor(), status=query.get("status"),
                                           destination=query.get("destination"), limit=query["limit"],
                                           offset=query["offset"])
    return page(items, total, query)


@blp.post(f"/<int(max={MAX_ID}):message_id>/retry")
@problems(401, 403, 404, 409)
@blp.response(200, OutboxMessageReadSchema)
def retry(message_id: int) -> Any:
    """A parked message is pending again at once, its attempts counted afresh; 409 with its status otherwise."""
    w = wiring()
    return outbound.admin_retry(w.uow(), actor=current_actor(), message_id=message_id, now=w.clock())
