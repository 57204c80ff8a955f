"""Officers' accounts, managed by the admin of their province: list, create, disable, enable."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api.auth import current_actor
from api.errors import problems
from api.schemas.users import UserCreateSchema, UserQuery, UserReadSchema
from api.wiring import wiring
from engine.services import users

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Officers' accounts (admins)")


@blp.get("")
@problems(401, 403, 404)
@blp.arguments(UserQuery, location="query")
@blp.response(200, UserReadSchema(many=True))
def list_users(query: dict[str, Any]) -> Any:
    return users.accounts(wiring().uow(), by=current_actor(), unit_id=query.get("unit_id"))


@blp.post("")
@problems(401, 403, 404, 409)
@blp.arguments(UserCreateSchema)
@blp.response(201, UserReadSchema)
def create_user(body: dict[str, Any]) -> Any:
    return users.create(wiring().uow(), by=current_actor(), **body)


@blp.post("/<username>/disable")
@problems(401, 403, 404, 409)
@blp.response(200, UserReadSchema)
def disable_user(username: str) -> Any:
    """The account's tokens and sessions stop working at once."""
    w = wiring()
    return users.set_disabled(w.uow(), username=username, disabled=True, now=w.clock(), by=current_actor())


@blp.post("/<username>/enable")
@problems(401, 403, 404)
@blp.response(200, UserReadSchema)
def enable_user(username: str) -> Any:
    w = wiring()
    return users.set_disabled(w.uow(), username=username, disabled=False, now=w.clock(), by=current_actor())
