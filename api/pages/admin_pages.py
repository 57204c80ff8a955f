"""The admin's pages: procedures with their versions, the BPMN modeler and the DMN editor (bpmn-js, dmn-js,
on the procedure's draft through the process-model API), and editing a procedure's forms (JSON Schemas)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from api.auth import csrf_token
from api.pages import procedure_pages
from api.pages.web import actor, for_role, officer_page
from api.wiring import wiring
from engine.domain.actor import Role
from engine.domain.lifecycle import MILESTONES
from engine.domain.manifest import PAUSE_REASONS, UNIT_RULES
from engine.services import model_drafts, new_procedures, procedure_drafts

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")

# What the modeler's properties panel offers (engine.domain.manifest checks the same at publication).
MODELER_CHOICES = {"roles": [Role.RECEPTION.value, Role.SPECIALIST.value, Role.LEADER.value],
                   "unit_rules": list(UNIT_RULES), "milestones": list(MILESTONES), "pauses": list(PAUSE_REASONS)}


@bp.get("/procedures")
@officer_page
def procedures() -> Any:
    models = procedure_drafts.list_models(wiring().uow(), actor=actor())
    drafts = new_procedures.unpublished_drafts(wiring().uow(), actor=actor())
    return render_template("pages/admin_procedures.html", models=sorted(models, key=lambda m: m.code), drafts=drafts)


@bp.get("/procedures/<code>/diagram")
@officer_page
@for_role(Role.ADMIN)
def diagram(code: str) -> Any:
    draft = model_drafts.open_draft(wiring().uow(), actor=actor(), code=code)
    return render_template("pages/admin_modeler.html", draft=draft, choices=MODELER_CHOICES, csrf=csrf_token())


@bp.get("/procedures/<code>/decisions")
@officer_page
@for_role(Role.ADMIN)
def decisions(code: str) -> Any:
    draft = model_drafts.open_draft(wiring().uow(), actor=actor(), code=code)
    return render_template("pages/admin_decisions.html", draft=draft, csrf=csrf_token())


@bp.route("/procedures/<code>/forms", methods=["GET", "POST"])
@officer_page
@for_role(Role.ADMIN)
def forms(code: str) -> Any:
    return procedure_pages.form_editor(code)
