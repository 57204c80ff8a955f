"""POST /auth/token: username and password in, bearer token out. DELETE /auth/token: revoke the token sent."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api.auth import current_token, sign_in, wall_clock
from api.errors import problems
from api.schemas.auth import TokenCreateSchema, TokenReadSchema
from api.wiring import wiring
from engine.services import accounts

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign in and out")


@blp.post("/token")
@problems(401)
@blp.arguments(TokenCreateSchema)
@blp.response(200, TokenReadSchema)
def create_token(body: dict[str, Any]) -> dict[str, Any]:
    actor, token = sign_in(body["username"], body["password"], accounts.TokenKind.BEARER)
    return {"access_token": token, "token_type": "Bearer", "expires_in": wiring().settings.token_max_age,
            "username": actor.username, "unit_id": actor.unit_id, "roles": sorted(actor.roles)}


@blp.delete("/token")
@problems(401)
@blp.response(204)
def revoke_token() -> None:
    """Sign out: the token sent (bearer, or the page session's) stops working at once."""
    token = current_token()
    accounts.actor_of(wiring().uow(), token=token, now=wall_clock())  # only a live token revokes itself
    accounts.sign_out(wiring().uow(), token=token, now=wall_clock())
