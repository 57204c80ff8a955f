"""Dossiers at the counter and at the handling units: receive, list, read, and the one-stop lifecycle
actions (supplementation, refusal, withdrawal, stop, apology with a new appointment, return)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from api.auth import current_actor
from api.errors import problems
from api.schemas import (
    DossierCreateSchema,
    DossierDetailSchema,
    DossierQuery,
    DossierReadSchema,
    DossierReceiptSchema,
    ExtendSchema,
    ReasonsSchema,
    ReturnSchema,
    SupplementRequestSchema,
    SupplementSchema,
    page,
    page_schema,
)
from api.wiring import wiring
from engine.domain.notice import MissingItem
from engine.services import dossiers, lifecycle
from engine.services.dossiers import Reception

blp = Blueprint("dossiers", __name__, url_prefix="/api/v1/dossiers", description="Dossiers")


@blp.post("")
@problems(401, 403, 404, 409)
@blp.arguments(DossierCreateSchema)
@blp.response(201, DossierReceiptSchema)
def receive(body: dict[str, Any]) -> Any:
    w = wiring()
    reception = Reception(idempotency_key=request.headers.get("Idempotency-Key"), **body)
    dossier, created = dossiers.receive(w.uow(), actor=current_actor(), reception=reception, **w.deps())
    return dossier, 201 if created else 200


@blp.get("")
@problems(401, 403)
@blp.arguments(DossierQuery, location="query")
@blp.response(200, page_schema(DossierReadSchema))
def list_dossiers(query: dict[str, Any]) -> Any:
    items, total = dossiers.list_for_unit(wiring().uow(), actor=current_actor(), status=query.get("status"),
                                          limit=query["limit"], offset=query["offset"])
    return page(items, total, query)


@blp.get("/<code>")
@problems(401, 403, 404)
@blp.response(200, DossierDetailSchema)
def get_dossier(code: str) -> Any:
    w = wiring()
    return dossiers.detail(w.uow(), actor=current_actor(), code=code, **w.deps())


@blp.post("/<code>/supplement-request")
@problems(401, 403, 404, 409)
@blp.arguments(SupplementRequestSchema)
@blp.response(200, DossierReadSchema)
def request_supplement(body: dict[str, Any], code: str) -> Any:
    """Ask once, in writing, for every missing component; the handling clock stops (status 5)."""
    items = [MissingItem(**item) for item in body["items"]]
    return _act(lifecycle.request_supplement, code, reasons=body["reasons"], items=items)


@blp.post("/<code>/supplement")
@problems(401, 403, 404, 409)
@blp.arguments(SupplementSchema)
@blp.response(200, DossierReadSchema)
def supplement(body: dict[str, Any], code: str) -> Any:
    """The missing components arrived: the clock restarts and the appointment moves by the wait."""
    return _act(lifecycle.supplement, code, note=body["note"])


@blp.post("/<code>/refuse")
@problems(401, 403, 404, 409)
@blp.arguments(ReasonsSchema)
@blp.response(200, DossierReadSchema)
def refuse(body: dict[str, Any], code: str) -> Any:
    """Refuse at reception with written reasons (status 3)."""
    return _act(lifecycle.refuse, code, reasons=body["reasons"])


@blp.post("/<code>/withdraw")
@problems(401, 403, 404, 409)
@blp.arguments(ReasonsSchema)
@blp.response(200, DossierReadSchema)
def withdraw(body: dict[str, Any], code: str) -> Any:
    """The applicant withdraws the dossier (status 7)."""
    return _act(lifecycle.withdraw, code, reasons=body["reasons"])


@blp.post("/<code>/stop")
@problems(401, 403, 404, 409)
@blp.arguments(ReasonsSchema)
@blp.response(200, DossierReadSchema)
def stop(body: dict[str, Any], code: str) -> Any:
    """The handling unit finds the dossier ineligible (status 8)."""
    return _act(lifecycle.stop, code, reasons=body["reasons"])


@blp.post("/<code>/extend")
@problems(401, 403, 404, 409)
@blp.arguments(ExtendSchema)
@blp.response(200, DossierReadSchema)
def extend(body: dict[str, Any], code: str) -> Any:
    """Apologise and set a new appointment: once, before the appointment passes."""
    return _act(lifecycle.extend, code, reasons=body["reasons"], new_due_at=body["new_due_at"])


@blp.post("/<code>/return")
@problems(401, 403, 404, 409)
@blp.arguments(ReturnSchema)
@blp.response(200, DossierReadSchema)
def return_result(body: dict[str, Any], code: str) -> Any:
    """Hand the result over (status 10): how, and the return step's form (who collected it)."""
    return _act(lifecycle.return_result, code, method=body["method"], data=body["data"])


def _act(command: Any, code: str, **arguments: Any) -> Any:
    w = wiring()
    return command(w.uow(), actor=current_actor(), code=code, **arguments, **w.deps_of(command))
