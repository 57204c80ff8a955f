"""The admins' procedure authoring pages: a new procedure from its fields (/admin/procedures/new), the forms
editor of a draft with the counter's rendering beside the JSON Schema (its route is admin_pages.forms), and what
changed between two versions or in the draft (/admin/procedures/<code>/diff). Services do the work.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, abort, flash, get_template_attribute, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from api.pages import procedure_words as words
from api.pages import schema_form
from api.pages.i18n import lang, rule_message
from api.pages.procedure_words import new_procedure_choices
from api.pages.web import actor, explain, for_role, officer_page
from api.wiring import wiring
from engine.domain.actor import Role
from engine.domain.errors import DomainError, FieldError, ProcedureDefinitionError, ValidationFailedError
from engine.domain.procedure_draft import ProcedureDraft
from engine.services import draft_forms, model_diff, model_drafts, new_procedures

bp = Blueprint("procedure_pages", __name__, url_prefix="/admin/procedures")

TEXTS = ("code", "key", "name_vi", "name_en", "field", "field_code", "field_name_vi", "field_name_en", "level",
         "working_days", "verification_extra_days", "limit_vi", "limit_en", "cross_boundary", "competent_unit",
         "agency", "path")
ROWS = {"documents": ("name_vi", "name_en", "form", "copies", "required"),
        "fees": ("name_vi", "name_en", "amount_vnd", "per")}
MAX_ROWS = 50
DEFAULTS = {"level": "commune", "cross_boundary": "1", "competent_unit": "applicant_residence", "path": "standard",
            "working_days": "5"}
NEW_ROW = {"documents": {"form": "original", "copies": "1", "required": "on"}, "fees": {"per": "case"}}


@bp.route("/new", methods=["GET", "POST"])
@officer_page
@for_role(Role.ADMIN)
def new() -> Any:
    values = {name: request.form.get(name, DEFAULTS.get(name, "")).strip() for name in TEXTS}
    rows = ({part: _rows(request.form, part) for part in ROWS} if request.method == "POST"
            else {"documents": [dict(NEW_ROW["documents"])], "fees": []})
    action = request.form.get("action", "")
    errors: dict[str, str] = {}
    if action.startswith(("add-", "remove-")):
        _edit_rows(rows, action)
    elif request.method == "POST":
        w = wiring()
        try:
            draft = new_procedures.create_procedure(w.uow(), actor=actor(), fields=new_fields(values, rows),
                                                    clock=w.clock)
        except ValidationFailedError as error:
            errors = {_input_name(e.pointer): _field_message(e) for e in error.errors}
        except DomainError as error:  # someone started that code meanwhile, or the template failed its check
            errors = {"": explain(error)}
        else:
            flash(_("The new procedure is saved as a draft. Check its diagram, then publish it."), "success")
            return redirect(url_for("admin_pages.diagram", code=draft.code))
    return render_template("pages/admin_new_procedure.html", values=values, rows=rows, errors=errors,
                           choices=new_procedure_choices()), 422 if errors else 200


def new_fields(values: dict[str, str], rows: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    """What the page's inputs stand for, as create_procedure takes them; a number that does not read stays
    text so the manifest's schema names its field."""
    fields: dict[str, Any] = {**values, "field_code": values["field_code"] or None, "agency": values["agency"] or None,
                              "working_days": _number(values["working_days"]),
                              "verification_extra_days": _number(values["verification_extra_days"]) or None,
                              "cross_boundary": {"1": True, "0": False}.get(values["cross_boundary"], "")}
    fields["documents"] = [{**row, "copies": _number(row["copies"]), "required": row["required"] == "on"}
                           for row in rows["documents"]]
    fields["fees"] = [{**row, "amount_vnd": _number(row["amount_vnd"])} for row in rows["fees"]]
    return fields


def _number(raw: str) -> Any:
    # 20.000 and 20,000 are how people write twenty thousand đồng.
    plain = re.sub(r"(?<=\d)[.,](?=\d{3}\b)", "", raw.strip())
    return int(plain) if re.fullmatch(r"[0-9]{1,15}", plain) else raw.strip()


def _rows(form: MultiDict[str, str], part: str) -> list[dict[str, str]]:
    indices = sorted({int(m.group(1)) for key in form if (m := re.fullmatch(rf"{part}-(\d{{1,3}})-\w+", key))})
    return [{name: form.get(f"{part}-{i}-{name}", "").strip() for name in ROWS[part]} for i in indices][:MAX_ROWS]


def _edit_rows(rows: dict[str, list[dict[str, str]]], action: str) -> None:
    verb, _sep, rest = action.partition("-")
    part, _sep, index = rest.partition("-")
    if part not in ROWS:
        abort(400)
    if verb == "add" and len(rows[part]) < MAX_ROWS:
        rows[part].append(dict(NEW_ROW[part]))
    elif verb == "remove" and index.isdigit() and int(index) < len(rows[part]):
        del rows[part][int(index)]


def _input_name(pointer: str) -> str:
    """The input a service's pointer names: /documents/0/copies is documents-0-copies."""
    return "-".join(pointer.strip("/").split("/"))


def _field_message(error: FieldError) -> str:
    if error.rule == "taken":
        return _("Another procedure or draft uses it already.")
    if lang() == "en":
        return error.message
    return rule_message(error.rule, _("Please check this field."))


@bp.get("/<code>/diff")
@officer_page
@for_role(Role.ADMIN)
def diff(code: str) -> Any:
    if request.args.get("draft"):
        found = model_diff.diff_draft(wiring().uow(), actor=actor(), code=code)
    else:
        older, newer = request.args.get("from", type=int), request.args.get("to", type=int)
        if older is None or newer is None:
            abort(400, "give the versions to compare: ?from=1&to=2, or ?draft=1")
        found = model_diff.diff_versions(wiring().uow(), actor=actor(), code=code, from_version=older, to_version=newer)
    return render_template("pages/admin_diff.html", diff=found, element_type_label=words.element_type_label,
                           fact_label=words.fact_label, diff_kind=words.kind_label, diff_value=words.shown)


@bp.post("/<code>/forms/preview")
@officer_page
@for_role(Role.ADMIN)
def preview(code: str) -> Any:
    """The form as the counter would show it, and what is wrong with it, for the editor to show as it is typed."""
    form_id = request.form.get("form_id", "")
    checked = draft_forms.preview_form(wiring().uow(), actor=actor(), code=code, form_id=form_id,
                                       text=request.form.get("schema", ""))
    html = _rendered(checked.schema) if checked.schema is not None and not checked.problems else None
    return jsonify(html=html, problems=checked.problems, line=checked.line, column=checked.column)


def form_editor(code: str) -> Any:
    """The forms editor (admin_pages.forms): GET shows a form of the draft; a POST saves it into the draft,
    publishes the draft, adds a form or removes one."""
    w = wiring()
    draft = model_drafts.open_draft(w.uow(), actor=actor(), code=code)
    form_id = request.values.get("form_id") or str(draft.manifest.get("application_form", ""))
    if form_id not in draft.forms:
        abort(404)
    text = json.dumps(draft.forms[form_id], ensure_ascii=False, indent=2)
    problems: list[str] = []
    if request.method == "POST":
        text = request.form.get("schema", text)
        try:
            return _form_action(draft, form_id, text)
        except ProcedureDefinitionError as error:
            problems = [p.message for p in error.problems] or [explain(error)]
        except ValidationFailedError as error:
            problems = [e.message for e in error.errors] or [explain(error)]
        except DomainError as error:
            problems = [explain(error)]
    checked = draft_forms.check_form(draft, form_id, text)
    preview = _rendered(checked.schema) if checked.schema is not None and not checked.problems else None
    in_use = draft_forms.forms_in_use(draft) or set(draft.forms)
    return render_template("pages/admin_forms.html", draft=draft, form_id=form_id, text=text, preview=preview,
                           problems=problems or checked.problems, line=checked.line, removable=set(draft.forms) -
                           in_use), 422 if problems else 200


def _form_action(draft: ProcedureDraft, form_id: str, text: str) -> Any:
    w, action, code = wiring(), request.form.get("action", "save"), draft.code
    revision = request.form.get("revision", type=int)
    if revision is None:
        abort(400, "the form's revision is missing")
    common: dict[str, Any] = {"actor": actor(), "code": code, "revision": revision, "clock": w.clock}
    if action == "publish":
        if "schema" in request.form and draft_forms.check_form(draft, form_id, text).schema != draft.forms[form_id]:
            common["revision"] = draft_forms.save_form(w.uow(), form_id=form_id, text=text, **common).revision
        published = model_drafts.publish_saved_draft(w.uow(), **common)
        flash(f"{_('Published version')} {published.version}", "success")
    elif action == "add":
        form_id = draft_forms.add_form(w.uow(), name=request.form.get("name", "").strip(), **common)[1]
        flash(_("Form added to the draft."), "success")
    elif action == "remove":
        draft_forms.remove_form(w.uow(), form_id=request.form.get("remove", ""), **common)
        form_id = ""
        flash(_("Form removed from the draft."), "success")
    else:
        draft_forms.save_form(w.uow(), form_id=form_id, text=text, **common)
        flash(_("Draft saved."), "success")
    return redirect(url_for("admin_pages.forms", code=code, form_id=form_id or None))


def _rendered(schema: dict[str, Any]) -> str:
    """The fields as the counter renders them (schema_form and the _form.html macro), inputs named under
    /preview so they never clash with the editor's own."""
    fields = schema_form.fields_of(_renderable(schema), "/preview")
    return str(get_template_attribute("pages/_form.html", "schema_fields")(fields))


def _renderable(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without `true`/`false` sub-schemas, which the counter's renderer has no field for."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return {**schema, "properties": {}}
    return {**schema, "properties": {name: _renderable(sub) for name, sub in properties.items()
                                     if isinstance(sub, dict)}}
