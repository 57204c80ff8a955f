"""Who is calling: a bearer token (API clients) or the pages' session cookie (officers in a browser).

Tokens are signed, expiring user ids (itsdangerous). A cookie-authenticated request that changes
anything must also carry the session's CSRF token, as a form field or the X-CSRF-Token header.
"""

from __future__ import annotations

import hmac
import secrets

from flask import request, session
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from api.wiring import wiring
from engine.domain.actor import Actor
from engine.domain.errors import AuthenticationError, ForbiddenError
from engine.services import accounts

_SALT = "api-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def issue_token(actor: Actor) -> str:
    return URLSafeTimedSerializer(wiring().settings.secret_key, salt=_SALT).dumps({"uid": actor.user_id})


def current_actor() -> Actor:
    """The actor behind the request's bearer token or session, or AuthenticationError (401)."""
    header = request.headers.get("Authorization", "")
    if not header and "uid" in session:
        check_csrf()
        return accounts.actor_by_id(wiring().uow(), int(session["uid"]))
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


def start_session(actor: Actor) -> None:
    """Sign the browser in: a fresh session (no fixation) with its own CSRF token."""
    session.clear()
    session.permanent = True
    session["uid"] = actor.user_id
    session["csrf"] = secrets.token_urlsafe(32)


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def check_csrf() -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent.encode(), str(session.get("csrf", "")).encode()):
        raise ForbiddenError("the form's CSRF token is missing or stale; reload the page and try again")
