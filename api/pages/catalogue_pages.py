"""The admin's page for importing a procedure catalogue file (processes/catalogue/README.md): upload, then the
rows with what became of each, or the file's problems by line. Same service as the JSON API's import."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from api.pages.web import actor, explain, file_parts, for_role, officer_page
from api.wiring import wiring
from engine.domain.actor import Role
from engine.domain.errors import ConflictError
from engine.domain.procedure_catalogue import CatalogueProblem, CatalogueRefusedError
from engine.services import catalogue_import

bp = Blueprint("catalogue_pages", __name__, url_prefix="/admin")


@bp.route("/procedures/catalogue", methods=["GET", "POST"])
@officer_page
@for_role(Role.ADMIN)
def catalogue() -> Any:
    result, problems = None, []
    if request.method == "POST":
        parts = file_parts("file")
        w = wiring()
        try:
            result = catalogue_import.import_catalogue(w.uow(), actor=actor(), text=parts[0].read() if parts else b"",
                                                       clock=w.clock, dry_run=bool(request.form.get("dry_run")))
        except CatalogueRefusedError as error:
            problems = error.problems
        except ConflictError as error:  # a version published meanwhile: nothing was stored, the admin tries again
            problems = [CatalogueProblem(0, None, explain(error))]
    return render_template("pages/admin_catalogue.html", result=result, problems=problems), 422 if problems else 200
