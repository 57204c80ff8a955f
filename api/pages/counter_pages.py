"""The counter: find a procedure, fill its application from the JSON Schema, tick the documents the
applicant brought, choose where and how the result is returned, then decide on the one screen: accept
(receive and print the receipt; every required document must be ticked), guide to complete (Mẫu 02) or
refuse reception (Mẫu 03). Guiding and refusing record a submission decided at once (engine/services/
intake.py) and show its page with the slip; nothing is received, no code is taken."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from api.pages import schema_form
from api.pages.i18n import t
from api.pages.intake_pages import Decision, default_items, missing_names, reception_schema
from api.pages.web import actor, field_errors, for_role, latest_procedures, officer_page, remember_unit_names
from api.wiring import wiring
from engine.domain.actor import Role
from engine.domain.dossier import Channel, ReturnMethod
from engine.domain.errors import FieldError, IdempotencyKeyReusedError, ValidationFailedError
from engine.domain.procedure import ProcedureVersion
from engine.domain.submission import components_of
from engine.services import directory, dossiers, intake
from engine.services.directory import CounterForm
from engine.services.dossiers import Reception
from engine.services.intake import Handing, ReferenceReusedError

bp = Blueprint("counter_pages", __name__, url_prefix="/counter")


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
    procedure = directory.latest_procedure(w.uow(), catalogue=w.catalogue, code=code)  # its schemas read the form
    sent = _Sent.read(procedure)
    if sent.decision.decision != "accept":
        return _decide(code, procedure, sent)
    try:
        dossier, _ = dossiers.receive(w.uow(), actor=actor(), reception=_reception(code, procedure, sent),
                                      catalogue=w.catalogue, calendar=w.calendar, clock=w.clock)
    except IdempotencyKeyReusedError as error:
        # The form was sent before and changed since (back button, edit): the officer decides whether this is
        # a new dossier; sending the form again, with a new key, receives it as one.
        flash(f"{t('counter.resent')} {error.dossier_code}.", "error")
        return _again(procedure, {**request.form.to_dict(), "idempotency_key": ""}, {}, sent), 422
    except ValidationFailedError as error:
        flash(t("counter.fix"), "error")
        return _again(procedure, request.form, field_errors(error), sent), 422
    return redirect(url_for("dossier_pages.show", code=dossier.code, received=1))


def _decide(code: str, procedure: ProcedureVersion, sent: _Sent) -> Any:
    """Guide to complete or refuse reception: a submission decided at once, idempotent by the form's key."""
    w, decision = wiring(), sent.decision
    brought = components_of(procedure.manifest["documents"], sorted(sent.ticked))
    handing = Handing(actor().unit_id, code, sent.application, Channel.IN_PERSON, brought)
    try:
        submission = intake.decide_at_counter(
            w.uow(), actor=actor(), catalogue=w.catalogue, clock=w.clock, handing=handing,
            key=request.form.get("idempotency_key") or uuid.uuid4().hex, reasons=decision.reasons,
            items=decision.items if decision.decision == "guide" else None)
    except ReferenceReusedError:
        flash(t("intake.resent"), "error")  # sent before with other content: a new key decides anew
        return _again(procedure, {**request.form.to_dict(), "idempotency_key": ""}, {}, sent), 422
    except ValidationFailedError as error:
        flash(t("counter.fix"), "error")
        return _again(procedure, request.form, field_errors(error), sent), 422
    flash(t("action.done"), "success")
    return redirect(url_for("intake_pages.show", submission_id=submission.id, decided=1))


@dataclass(frozen=True)
class _Sent:
    """The counter form as sent: the application read by its JSON Schema, the documents ticked and scanned,
    and the decision (which button, the reasons, the guidance's items)."""

    application: dict[str, Any]
    ticked: set[int]
    scanned: set[int]
    decision: Decision

    @classmethod
    def read(cls, procedure: ProcedureVersion) -> _Sent:
        form = request.form
        decision = Decision.read(procedure, form)
        return cls(schema_form.read_form(procedure.forms[procedure.application_form], "/application", form),
                   decision.ticked, {int(i) for i in form.getlist("digitised") if i.isdigit()}, decision)


def _reception(code: str, procedure: ProcedureVersion, sent: _Sent) -> Reception:
    form = request.form
    return Reception(
        procedure_code=code, application=sent.application, return_unit_id=form.get("return_unit_id") or None,
        return_method=_return_method(form.get("return_method") or ReturnMethod.COUNTER.value),
        idempotency_key=form.get("idempotency_key") or None, reception=sent.decision.reception,
        documents_brought=sorted(sent.ticked), digitised_documents=sorted(sent.scanned))


def _again(procedure: ProcedureVersion, submitted: Any, errors: dict[str, str], sent: _Sent) -> str:
    """The form once more, as sent, with what was wrong: only now are the centres read."""
    centres = directory.centres_near(wiring().uow(), actor().unit_id)
    return _form(CounterForm(procedure, centres), submitted, errors, sent)


def _return_method(raw: str) -> ReturnMethod:
    try:
        return ReturnMethod(raw)
    except ValueError:
        raise ValidationFailedError("unknown return method", [FieldError("/return_method", "is not one of the methods",
                                                                         "enum")]) from None


def _form(found: CounterForm, submitted: Any, errors: dict[str, str], sent: _Sent | None = None) -> str:
    procedure = found.procedure
    remember_unit_names(found.centres)  # the officer's own among them, for the layout
    ticked = sent.ticked if sent else set()
    return render_template(
        "pages/counter_receive.html", procedure=procedure, errors=errors,
        application=schema_form.fields_of(procedure.forms[procedure.application_form], "/application",
                                          sent.application if sent else None, errors),
        reception=schema_form.fields_of(reception_schema(procedure, shown=True), "/reception",
                                        sent.decision.reception if sent else None, errors),
        documents=procedure.manifest["documents"], ticked=ticked, missing=missing_names(procedure, ticked),
        reasons=sent.decision.reasons if sent else "",
        items=(sent.decision.items_text.strip() if sent else "") or default_items(procedure, ticked),
        scanned=sent.scanned if sent else set(), centres=found.centres,
        return_unit_id=submitted.get("return_unit_id") or actor().unit_id,
        return_method=submitted.get("return_method", "counter"), methods=list(ReturnMethod),
        idempotency_key=submitted.get("idempotency_key") or uuid.uuid4().hex)
