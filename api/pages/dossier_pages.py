"""A dossier's page: facts, timeline, application, documents, steps (each completed through its form),
the lifecycle actions the officer may take now, and the printable slips."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from api.pages import schema_form
from api.pages.i18n import t
from api.pages.web import actor, explain, field_errors, load, officer_page
from api.schemas import ExtendSchema, ReasonsSchema, ReturnSchema, SupplementRequestSchema, SupplementSchema
from api.wiring import wiring
from engine.domain.calendar import VN_TZ
from engine.domain.dossier import ReturnMethod
from engine.domain.errors import DomainError, ValidationFailedError
from engine.domain.lifecycle import Action
from engine.domain.notice import MissingItem, NoticeKind
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
    detail = dossiers.detail(w.uow(), actor=actor(), code=code, **w.deps())
    task = next((t for t in detail.tasks if t.id == task_id), None)
    schema = detail.procedure.forms.get(task.form_id or "", {}) if task else {}
    data = schema_form.read_form(schema, f"/tasks/{task_id}", request.form)
    try:
        tasks.complete(w.uow(), actor=actor(), task_id=task_id, data=data, **w.deps())
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
    w = wiring()
    form = request.form
    try:
        command, arguments = _command(name, form)
        command(w.uow(), actor=actor(), code=code, **arguments, **w.deps_of(command))
    except DomainError as error:
        flash(explain(error), "error")
        return redirect(url_for("dossier_pages.show", code=code) + f"#action-{name}")
    flash(t("action.done"), "success")
    return redirect(url_for("dossier_pages.show", code=code))


def _command(name: str, form: Any) -> tuple[Any, dict[str, Any]]:
    """The lifecycle command behind a page action, its fields checked by the JSON API's own schema."""
    if name == Action.REQUEST_SUPPLEMENT:
        lines = [line.strip() for line in form.get("items", "").splitlines() if line.strip()]
        body = load(SupplementRequestSchema(), {"reasons": form.get("reasons", ""),
                                                "items": [{"name": line} for line in lines]})
        return lifecycle.request_supplement, {"reasons": body["reasons"], "items": [
            MissingItem(**item) for item in body["items"]]}
    if name == Action.SUPPLEMENT:
        return lifecycle.supplement, load(SupplementSchema(), {"note": form.get("note", "")})
    if name in (Action.REFUSE, Action.WITHDRAW, Action.STOP):
        return getattr(lifecycle, name), load(ReasonsSchema(), {"reasons": form.get("reasons", "")})
    if name == Action.EXTEND:
        return lifecycle.extend, load(ExtendSchema(), {"reasons": form.get("reasons", ""),
                                                       "new_due_at": _aware(form.get("new_due_at", ""))})
    if name == Action.RETURN:
        return _return(form)
    raise ValidationFailedError(f"unknown action {name!r}", [])


def _return(form: Any) -> tuple[Any, dict[str, Any]]:
    w = wiring()
    code = request.view_args["code"] if request.view_args else ""
    detail = dossiers.detail(w.uow(), actor=actor(), code=code, **w.deps())
    step = next((task for task in detail.tasks if task.status == TaskStatus.READY
                 and task.unit_id == detail.dossier.return_unit_id), None)
    schema = detail.procedure.forms.get(step.form_id or "", {}) if step else {}
    data = schema_form.read_form(schema, "/return", form)
    body = load(ReturnSchema(), {"method": form.get("method", ReturnMethod.COUNTER.value), "data": data})
    return lifecycle.return_result, body


def _aware(local: str) -> str:
    """A `datetime-local` input is Vietnam time; the schema wants an offset."""
    try:
        return datetime.fromisoformat(local).replace(tzinfo=VN_TZ).isoformat()
    except ValueError:
        return local


def _page(code: str, *, task_values: dict[str, Any] | None = None,
          task_errors: dict[str, str] | None = None) -> str:
    w = wiring()
    detail = dossiers.detail(w.uow(), actor=actor(), code=code, **w.deps())
    me = actor()
    mine = [task for task in detail.tasks if task.status == TaskStatus.READY and me.has(task.role, task.unit_id)]
    actions = lifecycle.available_actions(detail.dossier, detail.tasks, me)
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
