"""A dossier's page: facts, timeline, application, steps (each completed through its form), the lifecycle
actions the officer may take now, and the printable slips; the components with what was brought and their
files (for the officers of the units involved only: a supervisor sees the page without them), an upload per
component and the re-use of an earlier result for the counter or a step's holder while the dossier is in
process, what each completed step recorded, the financial-obligation notice, and the electronic result
(issued and signed by the competent unit's leader at the signing step). The rules are
engine/services/files.py's and engine/services/results.py's."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from api import actions
from api.actions import PageForm
from api.pages import schema_form
from api.pages.holding_pages import holding_context
from api.pages.web import accepts_uploads, actor, explain, field_errors, file_parts, load, officer_page
from api.views.files import file_response
from api.wiring import wiring
from engine.domain.actor import Role
from engine.domain.dossier import ReturnMethod
from engine.domain.errors import DomainError, FieldError, ForbiddenError, ValidationFailedError
from engine.domain.files import MAX_FILES_PER_DOCUMENT, FileSource, StoredFile
from engine.domain.lifecycle import PROCESSING_ENDS, Action
from engine.domain.notice import NoticeKind
from engine.domain.status import DossierStatus
from engine.domain.step_outputs import financial_notice, outputs
from engine.domain.task import Task, TaskStatus
from engine.services import dossiers, files, lifecycle, results, tasks

bp = Blueprint("dossier_pages", __name__, url_prefix="/dossiers")
accepts_uploads(bp, {"attach": MAX_FILES_PER_DOCUMENT, "issue_result": 1})
FILE_ID = "<int(max=2147483647):file_id>"

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
    flash(_("Done."), "success")
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
    flash(_("Done."), "success")
    return redirect(url_for("dossier_pages.show", code=code))


@bp.get(f"/<code>/files/{FILE_ID}")
@officer_page
def open_file(code: str, file_id: int) -> Any:
    """A file of the dossier, inline with the type its content was checked to be (opens in a new tab)."""
    w = wiring()
    stored, stream = files.open_file(w.uow(), w.store, actor=actor(), code=code, file_id=file_id)
    return file_response(stored, stream)


@bp.post("/<code>/files")
@officer_page
def attach(code: str) -> Any:
    """Files for one component, at the counter or at the officer's step (`task_id`), each checked by its
    content; the first refused stops the rest (those before it stay attached, as the page then lists)."""
    w = wiring()
    try:
        document, task_id = _document(), request.form.get("task_id") or None
        chosen = file_parts("file")
        if not chosen:
            raise ValidationFailedError("choose a file", [FieldError("/file", "is missing")])
        for part in chosen:
            with files.receiving(w.store, part.stream, part.filename, limit=w.settings.max_upload_bytes) as incoming:
                files.attach(w.uow(), actor=actor(), catalogue=w.catalogue, clock=w.clock, code=code, document=document,
                             incoming=incoming, task_id=task_id)
    except DomainError as error:
        flash(_explained(error), "error")
        return _back(code, "components")
    flash(_("Done."), "success")
    return _back(code, "components")


@bp.post("/<code>/files/reuse")
@officer_page
def reuse(code: str) -> Any:
    """An earlier result of the same applicant, attached to a component as re-used."""
    w = wiring()
    try:
        raw = request.form.get("result_id", "")
        if not raw.isdigit() or len(raw) > 10:
            raise ValidationFailedError("choose a result", [FieldError("/result_id", "is missing")])
        files.reuse(w.uow(), actor=actor(), catalogue=w.catalogue, clock=w.clock, code=code, document=_document(),
                    result_id=int(raw))
    except DomainError as error:
        flash(_explained(error), "error")
        return _back(code, "components")
    flash(_("Done."), "success")
    return _back(code, "components")


@bp.post("/<code>/result")
@officer_page
def issue_result(code: str) -> Any:
    """The electronic result, signed with the competent unit's key by its leader at the signing step: made
    from what the steps recorded, or the PDF the leader chose."""
    w = wiring()
    arguments: dict[str, Any] = {"actor": actor(), "catalogue": w.catalogue, "clock": w.clock, "code": code,
                                 "templates": w.settings.forms_dir / "slips",
                                 "verify_hint": request.host_url + "verify"}
    try:
        chosen = file_parts("file")
        if chosen:
            with files.receiving(w.store, chosen[0].stream, chosen[0].filename,
                                 limit=w.settings.max_upload_bytes) as incoming:
                results.issue(w.uow(), w.store, w.signer, upload=incoming, **arguments)
        else:
            results.issue(w.uow(), w.store, w.signer, **arguments)
    except DomainError as error:
        flash(_explained(error), "error")
        return _back(code, "result")
    flash(_("The electronic result is signed and issued."), "success")
    return _back(code, "result")


def _document() -> int:
    raw = request.form.get("document", "")
    if not raw.isdigit() or len(raw) > 3:
        raise ValidationFailedError("no such component", [FieldError("/document", "is not a component")])
    return int(raw)


def _explained(error: DomainError) -> str:
    """The sentence, then what was wrong with each field (a file refused says why)."""
    sentence = explain(error)
    details = [m for m in dict.fromkeys(field_errors(error).values()) if m != sentence] if isinstance(
        error, ValidationFailedError) else []
    return f"{sentence} " + "; ".join(details) if details else sentence


def _back(code: str, anchor: str) -> Response:
    return redirect(url_for("dossier_pages.show", code=code) + f"#{anchor}")


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
    procedure, dossier = detail.procedure, detail.dossier
    holding = holding_context(detail, mine, forms)
    return render_template("pages/dossier.html", detail=detail, d=dossier, procedure=procedure, **holding,
                  actions=actions, mine=mine, forms=forms, returning=returning,
                  outputs=outputs(detail.tasks, procedure.forms),
                  notice=financial_notice(procedure.manifest, detail.tasks, procedure.forms),
                  issuing=_issuing(detail, mine), **_components(detail, mine),
                  application=schema_form.fields_of(detail.procedure.forms[detail.procedure.application_form],
                                                    "/application", detail.dossier.application),
                  notice_slips=NOTICE_SLIPS, methods=list(ReturnMethod),
                  received=request.args.get("received"), missing=request.args.getlist("missing"))


def _issuing(detail: dossiers.DossierDetail, mine: list[Task]) -> bool:
    """Whether the officer is the competent unit's leader holding its ready step, with no result yet."""
    d = detail.dossier
    return d.result_file_id is None and any(task.role == Role.LEADER.value and task.unit_id == d.competent_unit_id
                                            for task in mine)


def _components(detail: dossiers.DossierDetail, mine: list[Task]) -> dict[str, Any]:
    """The components with their files, for an officer of a unit involved (anyone else: none shown), and
    what they may add while the dossier is in process."""
    w, d = wiring(), detail.dossier
    try:
        _listed, found = files.of_dossier(w.uow(), actor=actor(), code=d.code)
    except ForbiddenError:  # a supervisor reads the dossier, never its scans
        return {"components": None, "others": [], "result_file": None, "may_attach": False, "reusable": [],
                "step_id": None}
    documents = detail.procedure.manifest["documents"]
    brought = {c.document: c for c in d.components if c.document is not None}
    rows = [{"index": i, "document": doc, "brought": brought.get(i),
             "files": [f for f in found if f.document == i and f.source != FileSource.RESULT]}
            for i, doc in enumerate(documents)]
    # As engine/services/files.py decides: the receiving centre's counter, or the holder of a ready step.
    may_attach = (d.status not in PROCESSING_ENDS and d.status != DossierStatus.RETURNED
                  and (bool(mine) or actor().has(Role.RECEPTION.value, d.receiving_unit_id)))
    return {"components": rows, "may_attach": may_attach,
            "others": [c for c in d.components if c.document is None],
            "result_file": next((f for f in found if f.id == d.result_file_id), None),
            "reusable": _reusable(d.code) if may_attach else [], "step_id": mine[0].id if mine else None}


def _reusable(code: str) -> list[StoredFile]:
    try:
        return files.reusable_results(wiring().uow(), actor=actor(), code=code)
    except DomainError:
        return []
