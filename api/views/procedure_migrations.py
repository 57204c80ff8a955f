"""POST/GET /process-models/{code}/migrations: moving running dossiers from one version of a procedure to another
(admins): a generated plan, its check, the start of a migration (202, one background job per dossier), progress."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api.auth import current_actor
from api.errors import problems
from api.schemas.procedure_migrations import (
    CheckReadSchema,
    MigrationPlanSchema,
    MigrationStartedSchema,
    PlanDraftReadSchema,
    PlanQuery,
    ProgressReadSchema,
)
from api.wiring import wiring
from engine.domain.migration_plan import MigrationPlan
from engine.services import dossier_migrations

blp = Blueprint("procedure_migrations", __name__, url_prefix="/api/v1/process-models",
                description="Moving running dossiers to another version of their procedure (admins)")


@blp.post("/<code>/migrations/plan")
@problems(401, 403, 404, 422)
@blp.arguments(PlanQuery, location="query")
@blp.response(200, PlanDraftReadSchema)
def generate_plan(query: dict[str, int], code: str) -> Any:
    w = wiring()
    return dossier_migrations.plan(w.uow(), actor=current_actor(), catalogue=w.catalogue, code=code, **query)


@blp.post("/<code>/migrations/check")
@problems(401, 403, 404, 422)
@blp.arguments(MigrationPlanSchema)
@blp.response(200, CheckReadSchema)
def check(plan: MigrationPlan, code: str) -> Any:
    w = wiring()
    return dossier_migrations.check(w.uow(), actor=current_actor(), catalogue=w.catalogue, code=code, plan=plan)


@blp.post("/<code>/migrations")
@problems(401, 403, 404, 422)
@blp.arguments(MigrationPlanSchema)
@blp.response(202, MigrationStartedSchema)
def start(plan: MigrationPlan, code: str) -> Any:
    w = wiring()
    return dossier_migrations.start(w.uow(), actor=current_actor(), catalogue=w.catalogue, clock=w.clock, code=code,
                                    plan=plan)


@blp.get("/<code>/migrations/<int:migration_id>")
@problems(401, 403, 404)
@blp.response(200, ProgressReadSchema)
def progress(code: str, migration_id: int) -> Any:
    return dossier_migrations.progress(wiring().uow(), actor=current_actor(), code=code, migration_id=migration_id)
