"""Who is calling: a bearer token (API clients) or the pages' session cookie (officers in a browser).

Both are access tokens kept server-side (engine/services/accounts.py), so signing out, disabling an account
or expiry ends them at once. The cookie is signed and holds only the session's token. A cookie-authenticated
request that changes anything must also carry the session's CSRF token, as a form field or the
X-CSRF-Token header.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime

from flask import request, session

from api.wiring import wiring
from engine.domain.actor import Actor
from engine.domain.errors import AuthenticationError, ForbiddenError
from engine.services import accounts

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def wall_clock() -> datetime:
    """Tokens expire in real time, even when the engine's clock is simulated (tests, the simulator)."""
    return datetime.now(UTC)


def bearer_token() -> str | None:
    """The token of the Authorization header; None when the header is absent, 401 when it is garbled."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("send a bearer token in the Authorization header (POST /api/v1/auth/token)")
    return token.strip()


def current_token() -> str:
    """The request's access token: its bearer token, else its page session's (whose CSRF token a change
    must carry); AuthenticationError (401) when there is neither."""
    token = bearer_token()
    if token is None and "token" in session:
        check_csrf()
        token = str(session["token"])
    if token is None:
        raise AuthenticationError("send a bearer token in the Authorization header (POST /api/v1/auth/token)")
    return token


def current_actor() -> Actor:
    """The actor behind the request's bearer token or session, or AuthenticationError (401)."""
    return accounts.actor_of(wiring().lookup(), token=current_token(), now=wall_clock())


def sign_in(username: str, password: str, kind: accounts.TokenKind) -> tuple[Actor, str]:
    w = wiring()
    return accounts.sign_in(w.uow(), username=username, password=password, kind=kind, now=wall_clock(),
                            max_age=w.settings.token_max_age)


def start_session(token: str) -> None:
    """Sign the browser in: a fresh session (no fixation) with its own CSRF token."""
    session.clear()
    session.permanent = True
    session["token"] = token
    session["csrf"] = secrets.token_urlsafe(32)


def end_session() -> None:
    if "token" in session:
        accounts.sign_out(wiring().uow(), token=str(session["token"]), now=wall_clock())
    session.clear()


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
