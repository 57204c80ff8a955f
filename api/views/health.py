"""Liveness and readiness for load balancers and orchestrators (the home page is the citizen's look-up, in
api/pages).

- `GET /healthz`: the process answers; touches nothing else, so a database outage never gets every worker
  restarted for nothing.
- `GET /readyz` (and under /api/v1): the database answers and its schema is not behind the code's newest
  migration (a newer one, from a release being deployed beside this one, is fine); otherwise 503, saying which, so
  that a node is taken out of the pool until the upgrade has migrated.
- `GET /api/v1/healthz`: the database answers and is seeded (the province count).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.errors import PROBLEM_JSON, problems
from api.wiring import wiring
from engine.adapters.database import head_revision, known_revisions, schema_revision
from engine.domain.errors import UnavailableError
from engine.services import directory, monitoring


class HealthReadSchema(Schema):
    status = fields.String(metadata={"description": "ok"})
    provinces = fields.Integer(metadata={"description": "provinces loaded: the database answers and is seeded"})


class AliveReadSchema(Schema):
    status = fields.String(metadata={"description": "ok: the process answers"})


class ReadyReadSchema(Schema):
    status = fields.String(metadata={"description": "ready"})
    schema = fields.String(metadata={"description": "the database's Alembic revision, the code's newest"})


blp = Blueprint("health", __name__, description="Liveness and readiness")


@blp.get("/api/v1/healthz")
@blp.response(200, HealthReadSchema)
def healthz() -> Any:
    # Reading the province list proves the database answers and is seeded.
    provinces = len(directory.units(wiring().uow(), kind="province"))
    return {"status": "ok", "provinces": provinces}


@blp.get("/healthz")
@blp.response(200, AliveReadSchema)
def alive() -> Any:
    return {"status": "ok"}


@blp.get("/readyz")
@blp.get("/api/v1/readyz")
@blp.response(200, ReadyReadSchema)
@problems(503)
def readyz() -> Any:
    engine = wiring().engine
    return {"status": "ready", "schema": monitoring.ready(lambda: schema_revision(engine), head=head_revision(),
                                                              known=known_revisions())}


@blp.errorhandler(UnavailableError)
def not_ready(error: UnavailableError) -> Response:
    """problem+json at every path of this blueprint: outside /api/ api/errors.py answers a person's page, but
    whatever asks /readyz is a machine."""
    body = {"type": "about:blank", "title": "Service Unavailable", "status": 503, "detail": str(error),
            "code": error.code, "params": error.params}
    return Response(json.dumps(body), status=503, mimetype=PROBLEM_JSON)
