"""POST /auth/token: username and password in, bearer token out."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api.auth import issue_token
from api.schemas import TokenCreateSchema, TokenReadSchema
from api.wiring import wiring
from engine.services import accounts

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign in")


@blp.post("/token")
@blp.arguments(TokenCreateSchema)
@blp.response(200, TokenReadSchema)
def create_token(body: dict[str, Any]) -> dict[str, Any]:
    w = wiring()
    actor = accounts.authenticate(w.uow(), username=body["username"], password=body["password"])
    return {"access_token": issue_token(actor), "token_type": "Bearer", "expires_in": w.settings.token_max_age,
            "username": actor.username, "unit_id": actor.unit_id, "roles": sorted(actor.roles)}
