"""GET /units, GET /units/{id}, GET /procedures, GET /procedures/{code}: the directory and the procedure
catalogue."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api.errors import problems
from api.schemas.directory import ProcedureDetailSchema, ProcedureReadSchema, UnitQuery, UnitReadSchema
from api.wiring import wiring
from engine.services import directory

blp = Blueprint("directory", __name__, url_prefix="/api/v1", description="Units and procedures")


@blp.get("/units")
@blp.arguments(UnitQuery, location="query")
@blp.response(200, UnitReadSchema(many=True))
def list_units(query: dict[str, Any]) -> Any:
    return directory.units(wiring().uow(), province_id=query.get("province_id"), kind=query.get("kind"),
                           agency=query.get("agency"))


@blp.get("/units/<unit_id>")
@problems(404)
@blp.response(200, UnitReadSchema)
def get_unit(unit_id: str) -> Any:
    """One unit, with the electronic identifier that starts its dossiers' codes once it has one."""
    return directory.known_unit(wiring().uow(), unit_id)


@blp.get("/procedures")
@blp.response(200, ProcedureReadSchema(many=True))
def list_procedures() -> Any:
    w = wiring()
    return directory.latest_procedures(w.uow(), catalogue=w.catalogue)


@blp.get("/procedures/<code>")
@problems(404)
@blp.response(200, ProcedureDetailSchema)
def get_procedure(code: str) -> Any:
    w = wiring()
    return directory.latest_procedure(w.uow(), catalogue=w.catalogue, code=code)
