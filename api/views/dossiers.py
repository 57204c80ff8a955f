"""Dossiers at the counter: receive, list, read, return the result."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from api.auth import current_actor
from api.schemas import (
    DossierCreateSchema,
    DossierDetailSchema,
    DossierQuery,
    DossierReadSchema,
    DossierReceiptSchema,
    TaskCompleteSchema,
    page,
    page_schema,
)
from api.wiring import wiring
from engine.services import dossiers
from engine.services.dossiers import Reception

blp = Blueprint("dossiers", __name__, url_prefix="/api/v1/dossiers", description="Dossiers")


@blp.post("")
@blp.arguments(DossierCreateSchema)
@blp.response(201, DossierReceiptSchema)
def receive(body: dict[str, Any]) -> Any:
    w = wiring()
    reception = Reception(idempotency_key=request.headers.get("Idempotency-Key"), **body)
    dossier, created = dossiers.receive(w.uow(), actor=current_actor(), reception=reception, **w.deps())
    return dossier, 201 if created else 200


@blp.get("")
@blp.arguments(DossierQuery, location="query")
@blp.response(200, page_schema(DossierReadSchema))
def list_dossiers(query: dict[str, Any]) -> Any:
    items, total = dossiers.list_for_unit(wiring().uow(), actor=current_actor(), status=query.get("status"),
                                          limit=query["limit"], offset=query["offset"])
    return page(items, total, query)


@blp.get("/<code>")
@blp.response(200, DossierDetailSchema)
def get_dossier(code: str) -> Any:
    w = wiring()
    return dossiers.detail(w.uow(), actor=current_actor(), catalogue=w.catalogue, code=code)


@blp.post("/<code>/return")
@blp.arguments(TaskCompleteSchema)
@blp.response(200, DossierReadSchema)
def return_result(body: dict[str, Any], code: str) -> Any:
    w = wiring()
    return dossiers.return_result(w.uow(), actor=current_actor(), code=code, data=body["data"], **w.deps())
