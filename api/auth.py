"""Bearer tokens: signed, expiring user ids (itsdangerous). The actor is loaded per request."""

from __future__ import annotations

from flask import request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from api.wiring import wiring
from engine.domain.actor import Actor
from engine.domain.errors import AuthenticationError
from engine.services import accounts

_SALT = "api-token"


def issue_token(actor: Actor) -> str:
    return URLSafeTimedSerializer(wiring().settings.secret_key, salt=_SALT).dumps({"uid": actor.user_id})


def current_actor() -> Actor:
    """The actor behind the request's bearer token, or AuthenticationError (401)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("send a bearer token in the Authorization header (POST /api/v1/auth/token)")
    w = wiring()
    try:
        payload = URLSafeTimedSerializer(w.settings.secret_key, salt=_SALT).loads(
            token.strip(), max_age=w.settings.token_max_age)
    except SignatureExpired as exc:
        raise AuthenticationError("the token has expired; sign in again") from exc
    except BadSignature as exc:
        raise AuthenticationError("the token is not valid") from exc
    return accounts.actor_by_id(w.uow(), int(payload["uid"]))
