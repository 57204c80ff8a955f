"""The one table that maps domain errors to HTTP, and every error body as RFC 9457 problem+json,
documented as such in the OpenAPI document (`problems(...)` lists the errors a handler may give).

Handlers never catch exceptions themselves; what is not in the table is a 500 with no details.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import date, datetime
from http import HTTPStatus
from typing import Any, TypeVar

from flask import Flask, Response, has_request_context, json, render_template, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from api.schemas.process_models import DraftProblemReadSchema
from engine.domain.calendar import VN_TZ
from engine.domain.errors import (
    AuthenticationError,
    ConflictError,
    DomainError,
    FileTooLargeError,
    ForbiddenError,
    NotFoundError,
    ProcedureDefinitionError,
    UnavailableError,
    UnsupportedFileError,
    ValidationFailedError,
)
from engine.domain.lookup_lock import LookupLockedError
from engine.workflow import WorkflowError

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
PROBLEM_JSON = "application/problem+json"

STATUS_BY_ERROR: list[tuple[type[DomainError], int, str]] = [
    (AuthenticationError, 401, "Unauthorized"),
    (ForbiddenError, 403, "Forbidden"),
    (NotFoundError, 404, "Not Found"),
    (ConflictError, 409, "Conflict"),
    (FileTooLargeError, 413, "Content Too Large"),
    (UnsupportedFileError, 415, "Unsupported Media Type"),
    (ValidationFailedError, 422, "Unprocessable Content"),
    (ProcedureDefinitionError, 422, "Invalid procedure definition"),
    (WorkflowError, 422, "The process cannot go on"),
    (UnavailableError, 503, "Service Unavailable"),
    (LookupLockedError, 429, "Too Many Requests"),
]


class ProblemFieldSchema(Schema):
    pointer = fields.String(metadata={"description": "JSON Pointer to the field, e.g. /application/child/name"})
    detail = fields.String()


class ProblemSchema(Schema):
    """The body of every error (RFC 9457 problem details), as the OpenAPI document describes it."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.List(fields.Nested(ProblemFieldSchema), metadata={
        "description": "400 and 422: what is wrong, one item per field"})
    code = fields.String(metadata={
        "description": "a domain error's stable code (snake_case, e.g. `dossier_waits_for_applicant`, "
                       "`step_not_ready`, `action_not_allowed`), for clients to word it in their own language"})
    params = fields.Dict(keys=fields.String(), metadata={
        "description": "the values the code's sentence names (a status, a dossier code, a step's name, a date, "
                       "a count); never personal data"})
    current_status = fields.String(metadata={"description": "409: the dossier's status now"})
    problems = fields.List(fields.Nested(DraftProblemReadSchema), metadata={
        "description": "422 on a procedure draft: its problems, by BPMN element"})


def _for_page() -> bool:
    """A person at a browser gets a page in their language, with the way back, not a JSON body."""
    return has_request_context() and not request.path.startswith("/api/")


def _page(status: int, title: str, detail: str) -> Response:
    page = render_template("pages/error.html", status=status, title=title, detail=detail)
    return Response(page, status=status, mimetype="text/html")


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    if _for_page():  # the English detail is for logs and API clients; a page says what the status means
        from api.pages.error_words import describe_status  # imported late: the pages import the views' modules
        return _page(status, title, describe_status(status))
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    elif status == 503:
        response.headers["Retry-After"] = "1"
    return response


def _domain_error(error: DomainError) -> Response:
    for error_class, status, title in STATUS_BY_ERROR:
        if isinstance(error, error_class):
            if _for_page():  # never the English message on a page: its code and params, in the page's words
                from api.pages.error_words import describe  # imported late: the pages import the views' modules
                response = _page(status, title, describe(error))
            else:
                response = problem(status, title, str(error), **_extra(error))
            if isinstance(error, LookupLockedError):
                response.headers["Retry-After"] = str(error.retry_after)
            return response
    log.error("unmapped domain error %s", type(error).__name__)
    return problem(500, "Internal Server Error", "the server could not complete the request")


def _extra(error: DomainError) -> dict[str, Any]:
    extra: dict[str, Any] = {"code": error.code, "params": _json_params(error.params)}
    if isinstance(error, ValidationFailedError):
        extra["errors"] = [{"pointer": e.pointer, "detail": e.message} for e in error.errors]
    if isinstance(error, ConflictError) and error.status:
        extra["current_status"] = error.status
    if isinstance(error, ProcedureDefinitionError) and error.problems:
        extra["problems"] = [{"element_id": p.element_id, "message": p.message} for p in error.problems]
    return extra


def _json_params(params: dict[str, Any]) -> dict[str, Any]:
    """Dates and times as ISO 8601 (times in Vietnam's zone, as every time the API writes)."""
    return {name: value.astimezone(VN_TZ).isoformat() if isinstance(value, datetime)
            else value.isoformat() if isinstance(value, date) else value for name, value in params.items()}


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    messages = (getattr(error, "data", None) or {}).get("messages")
    if not messages:
        return problem(status, error.name, error.description or "")
    # webargs/marshmallow envelope errors come as {location: {field: [message, ...]}}.
    errors = [item for fields in messages.values() for item in _flatten(fields)]
    detail = "the request body is malformed" if status == 400 else "the request does not match the expected fields"
    return problem(status, error.name, detail, errors=errors)


def _flatten(messages: Any, pointer: str = "") -> Iterator[dict[str, str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, f"{pointer}/{key}")
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        yield {"pointer": pointer or "/", "detail": "; ".join(messages)}
    else:
        yield {"pointer": pointer or "/", "detail": str(messages)}


def _unexpected(error: Exception) -> Response:
    log.exception("unexpected error")
    return problem(500, "Internal Server Error", "the server could not complete the request")


def problems(*statuses: int) -> Callable[[F], F]:
    """Document the errors a handler may give besides 400 (malformed request), e.g. `@problems(401, 404)`.

    Anything else (a 500) is the `default` response. tests/api/test_schemathesis.py checks the list."""
    return Blueprint.doc(responses={str(status): HTTPStatus(status).name for status in (400, *statuses)})


def _document_problems(app: Flask) -> None:
    """Make the OpenAPI document's error responses problem+json, as sent (flask-smorest describes its
    own error format, which this module replaces)."""
    spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec
    spec.components.schema("Problem", schema=ProblemSchema)
    schema = spec.components.get_ref("schema", "Problem")
    names = [status.name for status in HTTPStatus if status >= 400] + ["DEFAULT_ERROR"]
    for responses in (spec.components.responses, spec.components.responses_lazy):
        for name in names:
            if name in responses:
                responses[name] = {"description": responses[name]["description"],
                                   "content": {PROBLEM_JSON: {"schema": schema}}}
    spec.components.schemas.pop("Error", None)


def init_app(app: Flask) -> None:
    """Call after the blueprints are registered: their documented error responses are rewritten."""
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    _document_problems(app)
