"""What every page shares: the signed-in officer, rendering with the layout's context, and turning a
service's domain error into a message on the page instead of an error body.

Pages call the same services as the JSON API, with the same arguments; no business rule lives here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from marshmallow import Schema
from marshmallow import ValidationError as EnvelopeError

from api.auth import current_actor
from api.pages.error_words import describe, field_message
from api.wiring import wiring
from engine.domain.actor import Actor, Role
from engine.domain.errors import AuthenticationError, DomainError, FieldError, ForbiddenError, ValidationFailedError
from engine.domain.procedure import ProcedureVersion
from engine.domain.unit import Unit
from engine.services import directory

MULTIPART_OVERHEAD = 64 * 1024
MAX_UPLOAD_BODY = 100 * 1024 * 1024
"""The most one page's POST may carry, whatever the number of files (each is also held to the file limit)."""


def accepts_uploads(bp: Blueprint, views: dict[str, int]) -> None:
    """Let POSTs to `views` (name → how many files they may carry at most) send files: the app's small body
    limit is raised to that many uploads at the configured size (at most MAX_UPLOAD_BODY). It has to happen
    before anything reads the body, which the request guards and the CSRF check do, so it runs as the
    blueprint's URL value preprocessor: Flask calls those before any `before_request` function."""
    limits = {f"{bp.name}.{view}": count for view, count in views.items()}

    @bp.url_value_preprocessor
    def _raise_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
        if request.method == "POST" and endpoint in limits:
            per_file = wiring().settings.max_upload_bytes
            body = max(per_file, min(per_file * limits[endpoint], MAX_UPLOAD_BODY))
            request.max_content_length = body + MULTIPART_OVERHEAD


def file_parts(field: str) -> list[Any]:
    """The files sent in a form's file input (a browser sends an empty part when none was chosen)."""
    return [part for part in request.files.getlist(field) if part.filename]


def officer_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Pages for signed-in officers: anyone else is sent to the sign-in page and brought back after."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "token" not in session:
            return redirect(url_for("session_pages.login", next=request.full_path))
        try:
            g.actor = current_actor()  # also checks the CSRF token of a POST
        except AuthenticationError:
            session.clear()
            return redirect(url_for("session_pages.login", next=request.full_path))
        except ForbiddenError:  # a stale or forged form: nothing was done; back to the page it came from
            flash(_("The session expired; please try again."), "error")
            came_from = urlsplit(request.referrer or "")
            return redirect(came_from.path if came_from.netloc == request.host else "/")
        return view(*args, **kwargs)
    return wrapper


def for_role(role: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Under @officer_page: a page only officers with `role` may open (others get 403, not a form they
    could fill in but never send)."""
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if role.value not in actor().roles:
                abort(403, f"this page is for officers with the role '{role.value}'")
            return view(*args, **kwargs)
        return wrapper
    return decorate


def actor() -> Actor:
    return g.actor


def unit_name(unit_id: str | None) -> str:
    if not unit_id:
        return ""
    cache = g.setdefault("unit_names", {})
    if unit_id not in cache:
        unit = directory.unit(wiring().uow(), unit_id)
        cache[unit_id] = unit.name if unit else unit_id
    return str(cache[unit_id])


def remember_unit_names(units: Iterable[Unit]) -> None:
    """Units a page has read anyway: their names need no read of their own (the layout's officer unit)."""
    g.setdefault("unit_names", {}).update({unit.id: unit.name for unit in units})


def latest_procedures() -> list[ProcedureVersion]:
    """The latest version of every procedure, by Vietnamese name."""
    w = wiring()
    return sorted(directory.latest_procedures(w.uow(), catalogue=w.catalogue), key=lambda p: p.name_vi)


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site, so the sign-in page cannot bounce an officer to another site."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def load(schema: Schema, raw: dict[str, Any]) -> dict[str, Any]:
    """An action's fields checked by the same marshmallow schema the JSON API uses."""
    try:
        return schema.load(raw)
    except EnvelopeError as error:
        messages = error.normalized_messages()
        raise ValidationFailedError("the form has errors", [
            FieldError(f"/{name}", "; ".join(map(str, text)) if isinstance(text, list) else str(text))
            for name, text in messages.items()]) from error


def field_errors(error: ValidationFailedError) -> dict[str, str]:
    """Pointer → message in the page's language, for the form to show beside each field."""
    return {e.pointer: field_message(e, error) for e in error.errors}


def explain(error: DomainError) -> str:
    """One sentence in the page's language from the error's code and params (api/pages/error_words.py), never
    the engine's English message."""
    return describe(error)
