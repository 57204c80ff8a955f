"""What every response and request goes through for safety: security headers, cookie flags, the client
address behind trusted proxies, rate limits on the citizen look-up and on signing in (Flask-Limiter), and
the masking of personal data in logs.

A rate limit counts per client address. Its storage is in memory by default (per process: with several
workers each counts alone); production shares one through ONESTOP_RATE_LIMIT_STORAGE=redis://host:6379, and
counts per process only while that storage cannot be reached (said in the log at start-up and when it fails).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from api import log_privacy
from api.settings import Settings

# Scripts only from our own origin (no inline script); styles may be inline (bars, bpmn-js), fonts and images
# may be data: URIs (bpmn-js embeds its icon font); no framing.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # The citizen's look-up URL carries the receipt's secret: never send it on to another site.
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    # The camera for this site's own pages only: officers scan the receipt's QR code (api/static/scanner.js).
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=()",
}
PUBLIC_ENDPOINTS = ("public.look_up", "public.look_up_submission", "public.rate", "track_pages.rate",
                    "files.citizen_result", "files.verify", "track_pages.verify")
SIGN_IN_ENDPOINTS = ("auth.create_token", "session_pages.login")
SHARED_STORAGE_TIMEOUT = 1
"""Seconds a request waits for the shared storage before counting in its own process instead."""

log = logging.getLogger(__name__)


def _secure_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith("/static/"):
        # Dossiers, inboxes and look-ups hold personal data: no shared or back-button caches keep them.
        response.headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _limit(app: Flask, settings: Settings) -> None:
    # A shared storage that fails (Redis restarting) falls back to per-process counting, never to none; the
    # server starts without it too: the counters keep working, and each code's lock-out is in the database.
    options: dict[str, str | int] = {}
    if settings.rate_limit_storage.startswith("redis"):
        options.update(socket_connect_timeout=SHARED_STORAGE_TIMEOUT, socket_timeout=SHARED_STORAGE_TIMEOUT)
    limiter = Limiter(get_remote_address, app=app, storage_uri=settings.rate_limit_storage, headers_enabled=True,
                      in_memory_fallback_enabled=True, storage_options=options,
                      key_prefix=settings.rate_limit_key_prefix)
    if settings.rate_limit_storage != "memory://" and not limiter.storage.check():
        log.error("rate-limit storage %s cannot be reached: each process counts alone until it can",
                  _where(settings.rate_limit_storage))

    def wrap(endpoint: str, decorator: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        # Flask-Limiter checks a decorated limit inside the wrapper, so the registered view is replaced.
        app.view_functions[endpoint] = decorator(app.view_functions[endpoint])

    for endpoint in PUBLIC_ENDPOINTS:
        wrap(endpoint, limiter.shared_limit(settings.public_rate_limit, scope="public-look-up"))
    # The citizen's page counts only when it looks a dossier up; the empty form is free.
    wrap("track_pages.track", limiter.shared_limit(settings.public_rate_limit, scope="public-look-up",
                                                   exempt_when=lambda: not request.args.get("code")))
    for endpoint in SIGN_IN_ENDPOINTS:
        wrap(endpoint, limiter.shared_limit(settings.sign_in_rate_limit, scope="sign-in", methods=["POST"]))


def _where(uri: str) -> str:
    """The storage's scheme, host and port, never its password."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")


def init_app(app: Flask, settings: Settings) -> None:
    """Call after every blueprint is registered: limits attach to their view functions."""
    log_privacy.install()
    if settings.proxy_count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_count,  # type: ignore[method-assign]
                                x_proto=settings.proxy_count, x_host=settings.proxy_count)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=settings.secure_cookies)
    app.after_request(_secure_headers)
    _limit(app, settings)
