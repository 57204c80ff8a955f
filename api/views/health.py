"""GET /healthz for load balancers (the home page is the citizen's look-up, in api/pages)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.wiring import wiring
from engine.services import directory


class HealthReadSchema(Schema):
    status = fields.String(metadata={"description": "ok"})
    provinces = fields.Integer(metadata={"description": "provinces loaded: the database answers and is seeded"})


blp = Blueprint("health", __name__, description="Liveness")


@blp.get("/api/v1/healthz")
@blp.response(200, HealthReadSchema)
def healthz() -> Any:
    # Reading the province list proves the database answers and is seeded.
    provinces = len(directory.units(wiring().uow(), kind="province"))
    return {"status": "ok", "provinces": provinces}
