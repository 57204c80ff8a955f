"""The admin's pages: procedures with their versions, the BPMN modeler (bpmn-js, talking to the
process-model API), and editing a procedure's forms (JSON Schemas) as a new version."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api.auth import csrf_token
from api.pages.web import actor, explain, officer_page
from api.wiring import wiring
from engine.domain import json_codec
from engine.domain.actor import Role
from engine.domain.errors import DomainError, ProcedureDefinitionError, ValidationFailedError
from engine.domain.procedure import ProcedureVersion
from engine.services import directory, procedure_drafts

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")


def _latest(code: str) -> ProcedureVersion:
    if Role.ADMIN.value not in actor().roles:
        abort(403)
    w = wiring()
    return directory.latest_procedure(w.uow(), catalogue=w.catalogue, code=code)


@bp.get("/procedures")
@officer_page
def procedures() -> Any:
    models = procedure_drafts.list_models(wiring().uow(), actor=actor())
    return render_template("pages/admin_procedures.html", models=sorted(models, key=lambda m: m.code))


@bp.get("/procedures/<code>/diagram")
@officer_page
def diagram(code: str) -> Any:
    return render_template("pages/admin_modeler.html", procedure=_latest(code), csrf=csrf_token())


@bp.route("/procedures/<code>/forms", methods=["GET", "POST"])
@officer_page
def forms(code: str) -> Any:
    procedure = _latest(code)
    form_id = request.values.get("form_id") or procedure.application_form
    if form_id not in procedure.forms:
        abort(404)
    text = json.dumps(procedure.forms[form_id], ensure_ascii=False, indent=2)
    problems: list[str] = []
    if request.method == "POST":
        text = request.form.get("schema", "")
        try:
            edited = json_codec.parse(text)  # what the procedure's JSON columns can store, or why not
            w = wiring()
            published = procedure_drafts.publish_draft(
                w.uow(), actor=actor(), code=code, bpmn=procedure.bpmn,
                forms={**procedure.forms, form_id: edited}, base_version=_base_version(), clock=w.clock)
        except json_codec.RefusedJSONError as error:
            problems = [f"JSON: {error}"]
        except ValidationFailedError as error:
            problems = [e.message for e in error.errors] or [explain(error)]
        except ProcedureDefinitionError as error:
            problems = [p.message for p in error.problems] or [explain(error)]
        except DomainError as error:
            problems = [explain(error)]
        else:
            flash(f"{_('Published version')} {published.version}", "success")
            return redirect(url_for("admin_pages.forms", code=code, form_id=form_id))
    return render_template("pages/admin_forms.html", base_version=request.form.get("base_version", procedure.version),
                  procedure=procedure, form_id=form_id, text=text,
                  problems=problems), 422 if problems else 200


def _base_version() -> int | None:
    """The version the admin opened: publishing over a newer one is refused rather than undoing it."""
    raw = request.form.get("base_version", "")
    return int(raw) if raw.isdigit() else None
