"""Holding and returning steps from the pages: claim several from the inbox; on a dossier's page claim, release,
assign (the unit's leader) and send a step back with its reason; and what the dossier page shows of them
(`holding_context`). The rules are engine/services/claims.py's and engine/services/send_backs.py's.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from api.pages.schema_form import Field
from api.pages.web import actor, explain, officer_page
from api.wiring import wiring
from engine.domain.errors import DomainError, FieldError, ValidationFailedError
from engine.domain.lifecycle import Action, allows
from engine.domain.task import Task
from engine.services import claims, send_backs
from engine.services.dossiers import DossierDetail

bp = Blueprint("holding_pages", __name__)
TASK = "/dossiers/<code>/tasks/<task_id>"


@bp.post("/inbox/claim")
@officer_page
def claim_selected() -> Response:
    """Claim the steps ticked in the inbox, each on its own: say how many were claimed and why the others not."""
    w = wiring()
    chosen = request.form.getlist("task_ids")
    try:
        outcomes = claims.claim_many(w.uow(), actor=actor(), clock=w.clock, task_ids=chosen)
    except DomainError as error:
        flash(explain(error), "error")
        return _inbox()
    claimed = sum(1 for o in outcomes if o.task is not None)
    if claimed:
        flash(_("%(count)s steps claimed.", count=claimed), "success")
    for outcome in outcomes:
        if outcome.error is not None:
            flash(explain(outcome.error), "error")
    return _inbox()


@bp.post(f"{TASK}/claim")
@officer_page
def claim(code: str, task_id: str) -> Response:
    w = wiring()
    return _done(code, task_id, lambda: claims.claim(w.uow(), actor=actor(), clock=w.clock, task_id=task_id))


@bp.post(f"{TASK}/release")
@officer_page
def release(code: str, task_id: str) -> Response:
    w = wiring()
    return _done(code, task_id, lambda: claims.release(w.uow(), actor=actor(), clock=w.clock, task_id=task_id))


@bp.post(f"{TASK}/assign")
@officer_page
def assign(code: str, task_id: str) -> Response:
    w = wiring()
    raw = request.form.get("user_id", "")

    def run() -> Any:
        if not raw.isdigit() or len(raw) > 9:
            raise ValidationFailedError("choose an officer", [FieldError("/user_id", "is missing")])
        return claims.assign(w.uow(), actor=actor(), clock=w.clock, task_id=task_id, user_id=int(raw))

    return _done(code, task_id, run)


@bp.post(f"{TASK}/send-back")
@officer_page
def send_back(code: str, task_id: str) -> Response:
    w = wiring()
    to, reason = request.form.get("to", ""), request.form.get("reason", "")
    return _done(code, task_id, lambda: send_backs.send_back(
        w.uow(), actor=actor(), catalogue=w.catalogue, calendar=w.calendar, clock=w.clock, task_id=task_id, to=to,
        reason=reason), anchor="steps-title")


def holding_context(detail: DossierDetail, mine: list[Task], forms: dict[str, list[Field]]) -> dict[str, Any]:
    """What the dossier page shows of holding and returning: the officers a leader may assign each ready step of
    the unit to, the earlier steps each of the officer's steps may go back to, whether the dossier waits for the
    applicant (no step form then), and each form's single-option choice (an approval), which becomes its button."""
    w, d = wiring(), detail.dossier
    back = {t.id: send_backs.targets_of(w.catalogue, detail.procedure, t.step) for t in mine}
    return {"assignable": claims.assignable(w.uow(), actor=actor(), steps=detail.tasks),
            "send_back_options": back if allows(Action.SEND_BACK, d.status) else {},
            "waiting": bool(mine) and not allows(Action.COMPLETE_STEP, d.status),
            "choices": {task_id: choice for task_id, fields in forms.items()
                        if (choice := single_choice(fields)) is not None},
            "me_id": actor().user_id}


def single_choice(fields: list[Field]) -> Field | None:
    """A required choice with one option (the leader's "approved") asks nothing: it leaves the fields, and the
    form sends its one value with the button that says it."""
    choice = next((f for f in fields if f.kind == "select" and f.required and len(f.options) == 1), None)
    if choice is not None:
        fields.remove(choice)
    return choice


def _done(code: str, task_id: str, command: Any, anchor: str | None = None) -> Response:
    try:
        command()
    except DomainError as error:
        flash(explain(error), "error")
    else:
        flash(_("Done."), "success")
    return redirect(url_for("dossier_pages.show", code=code) + f"#{anchor or 'task-' + task_id}")


def _inbox() -> Response:
    """Back to the inbox as it was filtered (only its own query string is taken, never another address)."""
    back = request.form.get("back", "")
    return redirect(url_for("inbox_pages.inbox") + (f"?{back}" if back and "/" not in back else ""))
