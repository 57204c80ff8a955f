"""Dossiers at the counter and at the handling units: receive, list, read, and the one-stop lifecycle
actions (supplementation, refusal, withdrawal, stop, apology with a new appointment, return)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from api.actions import ACTIONS, LifecycleAction
from api.auth import current_actor
from api.errors import problems
from api.schemas.common import page
from api.schemas.compiled import answer
from api.schemas.dossiers import (
    DossierCreateSchema,
    DossierDetailSchema,
    DossierQuery,
    DossierReadSchema,
    DossierReceiptSchema,
    DossierSearchPageSchema,
)
from api.wiring import wiring
from engine.services import dossiers, search
from engine.services.dossiers import Reception

blp = Blueprint("dossiers", __name__, url_prefix="/api/v1/dossiers", description="Dossiers")


@blp.post("")
@problems(401, 403, 404, 409)
@blp.arguments(DossierCreateSchema)
@blp.response(201, DossierReceiptSchema)
def receive(body: dict[str, Any]) -> Any:
    w = wiring()
    reception = Reception(idempotency_key=request.headers.get("Idempotency-Key"), **body)
    dossier, created = dossiers.receive(w.uow(), actor=current_actor(), reception=reception, catalogue=w.catalogue,
                                        calendar=w.calendar, clock=w.clock, exchange_peers=tuple(w.peers))
    return answer(DossierReceiptSchema, dossier, 201 if created else 200)


@blp.get("")
@problems(401, 403)
@blp.arguments(DossierQuery, location="query")
@blp.response(200, DossierSearchPageSchema)
def list_dossiers(query: dict[str, Any]) -> Any:
    """The dossiers the caller may read, searched by `q` (a code, QR text, ID number, phone or name) and filtered;
    `total` counts the whole result (up to 500 past the page's end: `total_exact` says whether it stopped there),
    `query_kind` says what `q` was taken for."""
    w = wiring()
    found = search.find(w.uow(), actor=current_actor(), calendar=w.calendar, clock=w.clock, text=query.get("q"),
                        criteria=query["criteria"], limit=query["limit"], offset=query["offset"])
    return answer(DossierSearchPageSchema, {
        **page(found.items, found.total, query), "query_kind": found.query.kind.value if found.query else None,
        "total_exact": found.exact})


@blp.get("/<code>")
@problems(401, 403, 404)
@blp.response(200, DossierDetailSchema)
def get_dossier(code: str) -> Any:
    w = wiring()
    return answer(DossierDetailSchema, dossiers.detail(w.uow(), actor=current_actor(), code=code,
                                                       catalogue=w.catalogue, calendar=w.calendar, clock=w.clock))


def _register(row: LifecycleAction) -> None:
    """POST /dossiers/<code>/<segment>: the row's schema in, the dossier out (the same for all six)."""
    def act(body: dict[str, Any], code: str) -> Any:
        return answer(DossierReadSchema, row.run(wiring(), current_actor(), code, body))

    act.__name__, act.__doc__ = row.action.value, row.summary
    decorated = blp.response(200, DossierReadSchema)(blp.arguments(row.schema)(act))
    blp.post(f"/<code>/{row.segment}")(problems(401, 403, 404, 409)(decorated))


for _row in ACTIONS:
    _register(_row)
