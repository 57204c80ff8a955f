"""The citizen's look-up: no token, no personal data."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api.schemas import PublicDossierSchema, PublicQuery
from api.wiring import wiring
from engine.services import public

blp = Blueprint("public", __name__, url_prefix="/api/v1/public", description="Citizen look-up")


@blp.get("/dossiers/<code>")
@blp.arguments(PublicQuery, location="query")
@blp.response(200, PublicDossierSchema)
def look_up(query: dict[str, Any], code: str) -> Any:
    w = wiring()
    return public.look_up(w.uow(), catalogue=w.catalogue, code=code, secret=query["secret"])
