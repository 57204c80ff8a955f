"""The counter: find a procedure, fill its application from the JSON Schema, tick the documents the
applicant brought, say in which form each came and attach its scans, choose where and how the result is
returned, then decide on the one screen: accept (receive and print the receipt; every required document must
be ticked), guide to complete (Mẫu 02) or refuse reception (Mẫu 03). Guiding and refusing record a submission
decided at once (engine/services/intake.py) and show its page with the slip; nothing is received, no code is
taken, and the files chosen are ignored.

Accepting first receives every file chosen (checked by its content, engine/services/files.py) and stages it
as the officer's; a refused file is shown beside its document and nothing is received. Files staged for a
form sent back with other errors travel with it (hidden fields, checked again by the engine: only the same
officer's staged files are attached), so the officer does not choose them again.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api.pages import schema_form
from api.pages.intake_pages import Decision, default_items, missing_names, reception_schema
from api.pages.web import (
    accepts_uploads,
    actor,
    field_errors,
    file_parts,
    for_role,
    latest_procedures,
    officer_page,
    remember_unit_names,
)
from api.wiring import wiring
from engine.domain.actor import Role
from engine.domain.contact import Contact
from engine.domain.dossier import Channel, ReturnMethod
from engine.domain.errors import FieldError, IdempotencyKeyReusedError, ValidationFailedError
from engine.domain.files import MAX_FILES_PER_DOCUMENT, ComponentForm
from engine.domain.procedure import ProcedureVersion
from engine.domain.submission import components_of
from engine.services import directory, dossiers, files, intake
from engine.services.directory import CounterForm
from engine.services.dossiers import Reception
from engine.services.files import FileRequest
from engine.services.intake import Handing, ReferenceReusedError

bp = Blueprint("counter_pages", __name__, url_prefix="/counter")
accepts_uploads(bp, {"receive": 2 * MAX_FILES_PER_DOCUMENT})
KEPT = re.compile(r"(\d{1,2}):(\d{1,10}):(.*)", re.S)
_APPLICANT_PHONE = "/application/applicant/phone"  # the contact's phone starts as this one (static/counter.js)


@bp.get("")
@officer_page
@for_role(Role.RECEPTION)
def choose() -> Any:
    query = request.args.get("q", "").strip().casefold()
    found = [p for p in latest_procedures() if not query or query in
             f"{p.code} {p.name_vi} {p.name_en}".casefold()]
    return render_template("pages/counter_choose.html", procedures=found, q=request.args.get("q", ""))


@bp.get("/<code>")
@officer_page
@for_role(Role.RECEPTION)
def receive_form(code: str) -> Any:
    w = wiring()
    return _form(directory.counter_form(w.uow(), catalogue=w.catalogue, code=code, unit_id=actor().unit_id), {}, {})


@bp.post("/<code>")
@officer_page
@for_role(Role.RECEPTION)
def receive(code: str) -> Any:
    w = wiring()
    # The procedure's schemas read the form, the nearby centres' names its commune pickers (one transaction).
    found = directory.counter_form(w.uow(), catalogue=w.catalogue, code=code, unit_id=actor().unit_id)
    procedure = found.procedure
    sent = _Sent.read(found)
    if sent.decision.decision != "accept":
        return _decide(code, found, sent)
    kept = list(sent.kept)
    try:
        kept += _staged_uploads(procedure)
        dossier, _created = dossiers.receive(w.uow(), actor=actor(), reception=_reception(code, procedure, sent, kept),
                                      catalogue=w.catalogue, calendar=w.calendar, clock=w.clock,
                                      exchange_peers=tuple(w.peers))
    except IdempotencyKeyReusedError as error:
        # The form was sent before and changed since (back button, edit): the officer decides whether this is
        # a new dossier; sending the form again, with a new key, receives it as one.
        flash(_("This form was sent before with other content; send it again to receive a new dossier. The dossier "
                "received before: %(code)s.", code=error.dossier_code), "error")
        return _again(found, {**request.form.to_dict(), "idempotency_key": ""}, {}, sent, kept), 422
    except ValidationFailedError as error:
        flash(_("The form has errors; see the marked fields."), "error")
        errors, kept = _file_errors(field_errors(error), kept)
        return _again(found, request.form, errors, sent, kept), 422
    return redirect(url_for("dossier_pages.show", code=dossier.code, received=1))


def _decide(code: str, found: CounterForm, sent: _Sent) -> Any:
    """Guide to complete or refuse reception: a submission decided at once, idempotent by the form's key."""
    w, decision, procedure = wiring(), sent.decision, found.procedure
    brought = components_of(procedure.manifest["documents"], sorted(sent.ticked))
    handing = Handing(actor().unit_id, code, sent.application, Channel.IN_PERSON, brought)
    try:
        submission = intake.decide_at_counter(
            w.uow(), actor=actor(), catalogue=w.catalogue, clock=w.clock, handing=handing,
            key=request.form.get("idempotency_key") or uuid.uuid4().hex, reasons=decision.reasons,
            items=decision.items if decision.decision == "guide" else None)
    except ReferenceReusedError:
        # sent before with other content: a new key decides anew
        flash(_("This form was sent before with other content; send it again to record a new decision."), "error")
        return _again(found, {**request.form.to_dict(), "idempotency_key": ""}, {}, sent), 422
    except ValidationFailedError as error:
        flash(_("The form has errors; see the marked fields."), "error")
        return _again(found, request.form, field_errors(error), sent), 422
    flash(_("Done."), "success")
    return redirect(url_for("intake_pages.show", submission_id=submission.id, decided=1))


@dataclass(frozen=True)
class Kept:
    """A file the officer uploaded for a document and that is staged, waiting for the reception."""

    document: int
    file_id: int
    filename: str

    @property
    def value(self) -> str:
        return f"{self.document}:{self.file_id}:{self.filename}"


@dataclass(frozen=True)
class _Sent:
    """The counter form as sent: the application read by its JSON Schema, the documents ticked, the form each
    was brought in, the files staged by an earlier sending of the form, and the decision (which button, the
    reasons, the guidance's items)."""

    application: dict[str, Any]
    ticked: set[int]
    forms: dict[int, str]
    decision: Decision
    kept: list[Kept] = field(default_factory=list)

    @classmethod
    def read(cls, found: CounterForm) -> _Sent:
        form, procedure = request.form, found.procedure
        decision = Decision.read(procedure, form)
        documents = procedure.manifest["documents"]
        forms = {i: form.get(f"form/{i}", "")[:20] or str(d.get("form", "original")) for i, d in enumerate(documents)}
        kept = [Kept(int(m.group(1)), int(m.group(2)), m.group(3)[:200])
                for m in (KEPT.fullmatch(raw) for raw in form.getlist("staged")) if m]
        names = {u.id: u.name for u in found.centres}  # communes typed by name
        return cls(schema_form.read_form(procedure.forms[procedure.application_form], "/application", form, names),
                   decision.ticked, forms, decision, kept)

    def forms_brought(self, procedure: ProcedureVersion) -> dict[int, str]:
        """The forms that differ from the procedure's list (the engine takes the list's for the others)."""
        documents = procedure.manifest["documents"]
        return {i: form for i, form in self.forms.items() if form != documents[i].get("form", "original")}


def _staged_uploads(procedure: ProcedureVersion) -> list[Kept]:
    """Every file chosen, per document, received (checked by its content, into the store) and staged as the
    officer's. A refused file is a field error at `/files/<document>`; then none is staged."""
    w = wiring()
    limit = w.settings.max_upload_bytes
    incoming, errors = [], []
    for document in range(len(procedure.manifest["documents"])):
        for part in file_parts(f"files/{document}"):
            try:
                with files.receiving(w.store, part.stream, part.filename, limit=limit,
                                     pointer=f"/files/{document}") as received:
                    incoming.append((document, received))
            except ValidationFailedError as error:  # too large (413) or not a clean PDF, JPEG or PNG (415)
                errors += error.errors
    if errors:
        raise ValidationFailedError("some files were refused", errors)
    staged = [(document, files.stage(w.uow(), actor=actor(), incoming=received, clock=w.clock))
              for document, received in incoming]
    return [Kept(document, stored.id, stored.filename) for document, stored in staged if stored.id is not None]


def _file_errors(errors: dict[str, str], kept: list[Kept]) -> tuple[dict[str, str], list[Kept]]:
    """The engine names a staged file by its place in the reception's list (`/files/3/file_id`): shown beside
    its document, and dropped from the form (it cannot be attached)."""
    shown, refused = {}, set()
    for pointer, text in errors.items():
        found = re.fullmatch(r"/files/(\d+)/(?:file_id|document)", pointer)
        if found and int(found.group(1)) < len(kept):
            refused.add(int(found.group(1)))
            shown[f"/files/{kept[int(found.group(1))].document}"] = text
        else:
            shown[pointer] = text
    return shown, [k for n, k in enumerate(kept) if n not in refused]


def _reception(code: str, procedure: ProcedureVersion, sent: _Sent, kept: list[Kept]) -> Reception:
    form = request.form
    return Reception(
        procedure_code=code, application=sent.application, return_unit_id=form.get("return_unit_id") or None,
        return_method=_return_method(form.get("return_method") or ReturnMethod.COUNTER.value),
        idempotency_key=form.get("idempotency_key") or None, reception=sent.decision.reception,
        documents_brought=sorted(sent.ticked), files=[FileRequest(k.file_id, k.document) for k in kept],
        forms_brought=sent.forms_brought(procedure), contact=_contact(form))


def _contact(form: Any) -> Contact | None:
    """The applicant's contact for notices as the form sent it (the engine checks and normalises it): only with
    the consent ticked, as the addresses are shown only then (the phone may hold the application's, copied)."""
    if not form.get("/contact/consent"):
        return None
    return Contact(form.get("/contact/email", "").strip() or None, form.get("/contact/phone", "").strip() or None,
                   True)


def _again(found: CounterForm, submitted: Any, errors: dict[str, str], sent: _Sent,
           kept: list[Kept] | None = None) -> str:
    """The form once more, as sent, with what was wrong."""
    return _form(found, submitted, errors, sent, kept or [])


def _return_method(raw: str) -> ReturnMethod:
    try:
        return ReturnMethod(raw)
    except ValueError:
        raise ValidationFailedError("unknown return method", [FieldError("/return_method", "is not one of the methods",
                                                                         "enum")]) from None


def _form(found: CounterForm, submitted: Any, errors: dict[str, str], sent: _Sent | None = None,
          kept: list[Kept] | None = None) -> str:
    procedure = found.procedure
    documents = procedure.manifest["documents"]
    remember_unit_names(found.centres)  # the officer's own among them, for the layout
    ticked = sent.ticked if sent else set()
    schema = procedure.forms[procedure.application_form]
    application = schema_form.fields_of(schema, "/application", sent.application if sent else None, errors,
                                        {u.id: u.name for u in found.centres})
    schema_form.focus_first(application)  # the first field, or the first one the server found wrong
    return render_template(
        "pages/counter_receive.html", procedure=procedure, errors=errors, application=application,
        application_schema=schema, form_messages=schema_form.client_messages(),
        reception=schema_form.fields_of(reception_schema(procedure, shown=True), "/reception",
                                        sent.decision.reception if sent else None, errors),
        documents=documents, ticked=ticked, missing=missing_names(procedure, ticked),
        brought=sent.forms if sent else {i: d.get("form", "original") for i, d in enumerate(documents)},
        kept={i: [k for k in kept or [] if k.document == i] for i in range(len(documents))},
        component_forms=list(ComponentForm),
        reasons=sent.decision.reasons if sent else "",
        items=(sent.decision.items_text.strip() if sent else "") or default_items(procedure, ticked),
        centres=found.centres,
        return_unit_id=submitted.get("return_unit_id") or actor().unit_id,
        return_method=submitted.get("return_method", "counter"), methods=list(ReturnMethod),
        contact={"email": submitted.get("/contact/email", ""), "phone": submitted.get("/contact/phone", ""),
                 "consent": bool(submitted.get("/contact/consent"))},
        contact_phone_from=_APPLICANT_PHONE if _has_field(schema, _APPLICANT_PHONE) else None,
        idempotency_key=submitted.get("idempotency_key") or uuid.uuid4().hex)


def _has_field(schema: dict[str, Any], pointer: str) -> bool:
    """Whether the application form has the field at `pointer` (`/application/…`)."""
    for name in pointer.split("/")[2:]:
        schema = schema.get("properties", {}).get(name)
        if not isinstance(schema, dict):
            return False
    return True
