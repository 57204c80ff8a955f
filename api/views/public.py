"""The citizen's look-up and rating: no token, no personal data; the receipt's code and secret open both."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api.errors import problems
from api.schemas.public import (
    PublicDossierSchema,
    PublicQuery,
    PublicSubmissionSchema,
    RatingCreateSchema,
    RatingReadSchema,
)
from api.wiring import wiring
from engine.services import public, ratings

blp = Blueprint("public", __name__, url_prefix="/api/v1/public", description="Citizen look-up and rating")


@blp.get("/dossiers/<code>")
@problems(404, 429)
@blp.arguments(PublicQuery, location="query")
@blp.response(200, PublicDossierSchema)
def look_up(query: dict[str, Any], code: str) -> Any:
    w = wiring()
    return public.look_up(w.uow(), catalogue=w.catalogue, code=code, secret=query["secret"], clock=w.clock)


@blp.post("/dossiers/<code>/rating")
@problems(404, 409, 429)
@blp.arguments(RatingCreateSchema)
@blp.response(201, RatingReadSchema)
def rate(body: dict[str, Any], code: str) -> Any:
    """Rate the service once the result is returned: once per dossier (409 before the return or after)."""
    w = wiring()
    return ratings.rate(w.uow(), code=code, clock=w.clock, **body)


@blp.get("/submissions/<path:reference>")
@problems(404, 429)
@blp.response(200, PublicSubmissionSchema)
def look_up_submission(reference: str) -> Any:
    """A submission not received yet, by the portal's reference: where it waits, what to bring if guided,
    the dossier's code once received; nothing personal, never the secret."""
    w = wiring()
    return public.look_up_submission(w.uow(), catalogue=w.catalogue, reference=reference)
