"""The acceptance decision (issue 19): the centre's intake queue of submissions, longest waiting first; a
submission's page with the application, the components handed in, the document checklist and the three
decisions on one screen (accept, guide to complete, refuse reception); the files handed in with it, opened
by the centre's counter officers (engine/services/submission_files.py); and the slips of a submission.

The counter's page (counter_pages.py) offers the same decisions on a dossier handed in in person and reads
its checklist and guidance with the helpers here. The rules (what may be accepted, guided, refused) are the
engine's: the pages read the form, call one service, and show its answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from api.pages import schema_form
from api.pages.i18n import localized, waited_units
from api.pages.web import actor, explain, field_errors, for_role, latest_procedures, officer_page, remember_unit_names
from api.views.files import file_response
from api.views.slips import SUBMISSION_ID, submission_slip
from api.wiring import wiring
from engine.domain.actor import Role
from engine.domain.errors import DomainError, ForbiddenError, ValidationFailedError
from engine.domain.files import StoredFile
from engine.domain.notice import MissingItem
from engine.domain.procedure import ProcedureVersion
from engine.domain.submission import IntakeStage, Submission, document_name, missing_documents
from engine.services import directory, intake, submission_files
from engine.services.intake import Acceptance

bp = Blueprint("intake_pages", __name__, url_prefix="/intake")

PAGE_SIZE = 50
QUEUES = (IntakeStage.WAITING, IntakeStage.GUIDED)
MAX_ITEM = 300  # characters of one guidance line


@bp.get("")
@officer_page
@for_role(Role.RECEPTION)
def queue() -> Any:
    """The centre's submissions waiting for the check (or, with `stage=guided`, waiting for the applicant)."""
    w = wiring()
    shown = IntakeStage.GUIDED if request.args.get("stage") == IntakeStage.GUIDED.value else IntakeStage.WAITING
    raw = request.args.get("offset", "0")
    offset = int(raw) if raw.isdigit() else 0
    found, total = intake.queue(w.uow(), actor=actor(), stages=(shown,), limit=PAGE_SIZE, offset=offset)
    other = next(stage for stage in QUEUES if stage != shown)
    totals = {shown: total, other: intake.queue(w.uow(), actor=actor(), stages=(other,), limit=0, offset=0)[1]}
    now = w.clock()
    rows = [(s, waited(since(s), now)) for s in found]
    return render_template("pages/intake_queue.html", rows=rows, total=total, totals=totals, stages=QUEUES,
                           shown=shown, offset=offset, page_size=PAGE_SIZE,
                           names={p.code: p.name_vi for p in latest_procedures()})


@bp.get(f"/{SUBMISSION_ID}")
@officer_page
def show(submission_id: int) -> Any:
    return _page(submission_id)


@bp.post(f"/{SUBMISSION_ID}")
@officer_page
@for_role(Role.RECEPTION)
def decide(submission_id: int) -> Any:
    """Accept (→ the dossier's page with its receipt), guide to complete, or refuse reception."""
    w = wiring()
    submission = intake.get(w.uow(), actor=actor(), submission_id=submission_id)
    procedure = directory.latest_procedure(w.uow(), catalogue=w.catalogue, code=submission.procedure_code)
    sent = Decision.read(procedure, request.form)
    try:
        if sent.decision == "accept":
            dossier = intake.accept(w.uow(), actor=actor(), catalogue=w.catalogue, calendar=w.calendar,
                                    clock=w.clock, submission_id=submission_id, acceptance=Acceptance(
                                        reception=sent.reception, documents_brought=sorted(sent.ticked),
                                        return_unit_id=request.form.get("return_unit_id") or None,
                                        idempotency_key=request.form.get("idempotency_key") or None),
                                    exchange_peers=tuple(w.peers))
            return redirect(url_for("dossier_pages.show", code=dossier.code, received=1))
        if sent.decision == "guide":
            intake.guide(w.uow(), actor=actor(), clock=w.clock, submission_id=submission_id, reasons=sent.reasons,
                         items=sent.items)
        else:
            intake.refuse(w.uow(), actor=actor(), clock=w.clock, submission_id=submission_id, reasons=sent.reasons)
    except ValidationFailedError as error:
        # each message beside its field: the checklist, the reasons, the items
        flash(_("The form has errors; see the marked fields."), "error")
        return _page(submission_id, sent, field_errors(error)), 422
    except DomainError as error:  # decided meanwhile by someone else (409): the page shows how
        flash(explain(error), "error")
        return redirect(url_for("intake_pages.show", submission_id=submission_id))
    flash(_("Done."), "success")
    return redirect(url_for("intake_pages.show", submission_id=submission_id, decided=1))


@bp.get(f"/{SUBMISSION_ID}/slips/<kind>")
@officer_page
def slip(submission_id: int, kind: str) -> Any:
    """Mẫu 02 (`guidance`) or Mẫu 03 (`refusal`) of the submission, as the API prints it (`?format=pdf`)."""
    return submission_slip(submission_id, kind, "pdf" if request.args.get("format") == "pdf" else "html")


@bp.get(f"/{SUBMISSION_ID}/files/<int(max=2147483647):file_id>")
@officer_page
def open_file(submission_id: int, file_id: int) -> Any:
    """A file handed in with the submission, inline with the type its content was checked to be."""
    w = wiring()
    stored, stream = submission_files.open_file(w.uow(), w.store, actor=actor(), submission_id=submission_id,
                                                file_id=file_id)
    return file_response(stored, stream)


def _files(submission_id: int) -> list[StoredFile] | None:
    """The submission's files, for the counter officers of its centre; None for anyone else (not shown)."""
    try:
        return submission_files.of_submission(wiring().uow(), actor=actor(), submission_id=submission_id)
    except ForbiddenError:
        return None


@dataclass(frozen=True)
class Decision:
    """A decision form as sent: which button, the documents ticked, the reasons and the guidance's items,
    and the reception step's fields (used by an acceptance)."""

    decision: str
    ticked: set[int]
    reasons: str = ""
    items_text: str = ""
    items: list[MissingItem] = field(default_factory=list)
    reception: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, procedure: ProcedureVersion, form: MultiDict[str, str]) -> Decision:
        decision = form.get("decision", "accept")
        text = form.get("items", "")
        return cls(decision if decision in ("accept", "guide", "refuse") else "accept",
                   {int(i) for i in form.getlist("document") if i.isdigit()}, form.get("reasons", "").strip(),
                   text, guidance_items(procedure, text),
                   schema_form.read_form(reception_schema(procedure), "/reception", form))


def reception_schema(procedure: ProcedureVersion, *, shown: bool = False) -> dict[str, Any]:
    """The reception step's form: by convention `<procedure folder>/receive`, beside the application. As
    shown, without `documents_checked`, which the engine sets from the checklist."""
    schema = dict(procedure.forms.get(f"{procedure.application_form.split('/')[0]}/receive", {}))
    if shown:
        schema["properties"] = {k: v for k, v in schema.get("properties", {}).items() if k != "documents_checked"}
    return schema


def guidance_items(procedure: ProcedureVersion, text: str) -> list[MissingItem]:
    """One item per line; a line naming a document of the procedure's list takes its form and copies."""
    listed = {document_name(d): d for d in procedure.manifest["documents"]}
    items = []
    for line in (raw.strip()[:MAX_ITEM] for raw in text.splitlines()):
        if line:
            known = listed.get(line, {})
            items.append(MissingItem(line, str(known.get("form", "original")), int(known.get("copies", 1))))
    return items


def default_items(procedure: ProcedureVersion, ticked: set[int]) -> str:
    """The guidance's lines before the officer writes any: the required documents not ticked."""
    return "\n".join(item.name for item in missing_documents(procedure.manifest["documents"], sorted(ticked)))


def missing_names(procedure: ProcedureVersion, ticked: set[int]) -> list[str]:
    """The required documents not ticked, named in the page's language: Accept waits for them."""
    return [localized(d["name"]) for i, d in enumerate(procedure.manifest["documents"])
            if d.get("required") and i not in ticked]


def since(submission: Submission) -> datetime:
    """Since when it has waited: for the applicant once guided, else for the centre since it came in."""
    guidance = submission.guidance
    if submission.stage == IntakeStage.GUIDED and guidance is not None:
        return guidance.issued_at
    return submission.resubmitted_at or submission.submitted_at


def waited(start: datetime, now: datetime) -> str:
    """"2 giờ 15 phút", "3 ngày 4 giờ": the elapsed time, to the minute, its two largest parts."""
    minutes = max(int((now - start) / timedelta(minutes=1)), 0)
    days, hours, mins = waited_units()
    parts = [(minutes // 1440, days), (minutes % 1440 // 60, hours), (minutes % 60, mins)]
    shown = [f"{n} {unit}" for n, unit in parts if n][:2]
    return " ".join(shown) or f"0 {mins}"


def _page(submission_id: int, sent: Decision | None = None, errors: dict[str, str] | None = None) -> str:
    w = wiring()
    submission = intake.get(w.uow(), actor=actor(), submission_id=submission_id)
    found = directory.counter_form(w.uow(), catalogue=w.catalogue, code=submission.procedure_code,
                                   unit_id=submission.centre_id)
    procedure, errors = found.procedure, errors or {}
    remember_unit_names(found.centres)
    ticked = sent.ticked if sent is not None else set(submission.documents_brought)
    return render_template(
        "pages/intake_decision.html", s=submission, procedure=procedure, errors=errors,
        may_decide=actor().has(Role.RECEPTION.value, submission.centre_id), decided=request.args.get("decided"),
        application=schema_form.fields_of(procedure.forms[procedure.application_form], "/application",
                                          submission.application),
        reception=schema_form.fields_of(reception_schema(procedure, shown=True), "/reception",
                                        sent.reception if sent else None, errors),
        documents=procedure.manifest["documents"], ticked=ticked, missing=missing_names(procedure, ticked),
        centres=found.centres,
        return_unit_id=request.form.get("return_unit_id") or submission.centre_id,
        reasons=sent.reasons if sent else "",
        items=(sent.items_text.strip() if sent else "") or default_items(procedure, ticked),
        waited=waited(since(submission), w.clock()), idempotency_key=uuid.uuid4().hex,
        files=_files(submission_id))
