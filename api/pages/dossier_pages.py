"""A dossier's page: facts, timeline, application, documents, steps (each completed through its form),
the lifecycle actions the officer may take now, and the printable slips."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from api import actions
from api.actions import PageForm
from api.pages import schema_form
from api.pages.i18n import t
from api.pages.web import actor, explain, field_errors, load, officer_page
from api.wiring import wiring
from engine.domain.dossier import ReturnMethod
from engine.domain.errors import DomainError, ValidationFailedError
from engine.domain.lifecycle import Action
from engine.domain.notice import NoticeKind
from engine.domain.task import TaskStatus
from engine.services import dossiers, lifecycle, tasks

bp = Blueprint("dossier_pages", __name__, url_prefix="/dossiers")

NOTICE_SLIPS = {NoticeKind.SUPPLEMENT_REQUEST: "supplement_request", NoticeKind.REFUSAL: "refusal",
                NoticeKind.APOLOGY: "apology", NoticeKind.STOP: "stop_notice"}


@bp.get("/<code>")
@officer_page
def show(code: str) -> Any:
    return _page(code)


@bp.post("/<code>/tasks/<task_id>")
@officer_page
def complete(code: str, task_id: str) -> Any:
    w = wiring()
    detail = _detail(code)
    task = next((t for t in detail.tasks if t.id == task_id), None)
    schema = detail.procedure.forms.get(task.form_id or "", {}) if task else {}
    data = schema_form.read_form(schema, f"/tasks/{task_id}", request.form)
    try:
        tasks.complete(w.uow(), actor=actor(), task_id=task_id, data=data, catalogue=w.catalogue,
                       calendar=w.calendar, clock=w.clock)
    except ValidationFailedError as error:
        errors = {f"/tasks/{task_id}{pointer}": text for pointer, text in field_errors(error).items()}
        flash(explain(error), "error")
        return _page(code, task_values={task_id: data}, task_errors=errors), 422
    except DomainError as error:
        flash(explain(error), "error")
        return redirect(url_for("dossier_pages.show", code=code))
    flash(t("action.done"), "success")
    return redirect(url_for("dossier_pages.show", code=code))


@bp.post("/<code>/actions/<name>")
@officer_page
def act(code: str, name: str) -> Any:
    """A lifecycle action from its form, through the same table as the JSON API (api/actions.py)."""
    try:
        row = actions.named(name)
        body = load(row.schema(), row.from_form(PageForm(request.form, lambda: _return_step_data(code))))
        row.run(wiring(), actor(), code, body)
    except DomainError as error:
        flash(explain(error), "error")
        return redirect(url_for("dossier_pages.show", code=code) + f"#action-{name}")
    flash(t("action.done"), "success")
    return redirect(url_for("dossier_pages.show", code=code))


def _return_step_data(code: str) -> dict[str, Any]:
    """The return step's fields, read by its form's JSON Schema."""
    detail = _detail(code)
    step = next((task for task in detail.tasks if task.status == TaskStatus.READY
                 and task.unit_id == detail.dossier.return_unit_id), None)
    schema = detail.procedure.forms.get(step.form_id or "", {}) if step else {}
    return schema_form.read_form(schema, "/return", request.form)


def _detail(code: str) -> dossiers.DossierDetail:
    w = wiring()
    return dossiers.detail(w.uow(), actor=actor(), code=code, catalogue=w.catalogue, calendar=w.calendar,
                           clock=w.clock)


def _page(code: str, *, task_values: dict[str, Any] | None = None,
          task_errors: dict[str, str] | None = None) -> str:
    detail = _detail(code)
    me = actor()
    mine = [task for task in detail.tasks if task.status == TaskStatus.READY and me.has(task.role, task.unit_id)]
    actions = lifecycle.available_actions(detail.dossier, detail.tasks, me, wiring().clock())
    returning = Action.RETURN in actions
    forms = {task.id: schema_form.fields_of(detail.procedure.forms.get(task.form_id or "", {}),
                                            "/return" if returning else f"/tasks/{task.id}",
                                            (task_values or {}).get(task.id), task_errors)
             for task in mine}
    return render_template("pages/dossier.html", detail=detail, d=detail.dossier, procedure=detail.procedure,
                  actions=actions, mine=mine, forms=forms, returning=returning,
                  application=schema_form.fields_of(detail.procedure.forms[detail.procedure.application_form],
                                                    "/application", detail.dossier.application),
                  notice_slips=NOTICE_SLIPS, methods=list(ReturnMethod),
                  received=request.args.get("received"), missing=request.args.getlist("missing"))
