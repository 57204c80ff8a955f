"""POST /process-models/catalogue: an admin imports a procedure catalogue file (processes/catalogue/README.md);
its new and changed rows are published as generated procedures, all or nothing (engine/services/catalogue_import.py).
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from api.auth import current_actor
from api.errors import problems
from api.schemas.catalogue import CATALOGUE_BODY, CatalogueImportReadSchema, CatalogueQuerySchema
from api.wiring import wiring
from engine.services import catalogue_import

blp = Blueprint("catalogue", __name__, url_prefix="/api/v1/process-models",
                description="Procedure catalogues: procedures generated from a CSV file's rows (admins)")


@blp.post("/catalogue")
@problems(401, 403, 409, 413, 422)
@blp.arguments(CatalogueQuerySchema, location="query")
@blp.doc(requestBody=CATALOGUE_BODY)
@blp.response(200, CatalogueImportReadSchema)
def import_catalogue(query: dict[str, Any]) -> Any:
    w = wiring()
    return catalogue_import.import_catalogue(w.uow(), actor=current_actor(), text=uploaded_catalogue(),
                                             clock=w.clock, dry_run=query["dry_run"])


def uploaded_catalogue() -> bytes:
    """The file's bytes: the multipart `file` part when the request is a form, else the body."""
    part = request.files.get("file")
    return part.read() if part is not None else request.get_data()
