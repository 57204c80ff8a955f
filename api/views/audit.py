"""The audit of officers' searches of personal data (names, ID numbers, phones): who searched what, when, and
how many dossiers they found. Admins only; the only place the text of such a search is kept."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api.auth import current_actor
from api.errors import problems
from api.schemas.audit import SearchAuditPageSchema
from api.schemas.common import PageQuery, page
from api.wiring import wiring
from engine.services import search

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Audit of personal-data searches")


@blp.get("/searches")
@problems(401, 403)
@blp.arguments(PageQuery, location="query")
@blp.response(200, SearchAuditPageSchema)
def list_searches(query: dict[str, Any]) -> Any:
    """Newest first."""
    items, total = search.audit(wiring().uow(), actor=current_actor(), limit=query["limit"], offset=query["offset"])
    return page(items, total, query)
