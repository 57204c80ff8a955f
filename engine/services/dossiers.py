"""Dossier use cases: receive at a centre, read one, list a unit's dossiers, return the result.

Receiving validates the application, resolves the competent unit, gives the dossier its code and
lookup secret, starts the workflow and completes the reception step, all in one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from engine.domain import json_codec, timeliness
from engine.domain.actor import Actor, Role
from engine.domain.calendar import VN_TZ, WorkingCalendar
from engine.domain.contact import Contact, checked_contact
from engine.domain.dossier import Channel, Dossier, EventKind, HistoryEvent, ReturnMethod
from engine.domain.dossier_code import format_dossier_code as dossier_code
from engine.domain.dossier_code import new_lookup_secret
from engine.domain.errors import ConflictError, FieldError, IdempotencyKeyReusedError, ValidationFailedError
from engine.domain.exchange import Exchange, ExchangeRole, PackageKind
from engine.domain.fees import fee_vnd
from engine.domain.files import Component, ComponentForm
from engine.domain.forms import resolve_pointer
from engine.domain.ports import UnitOfWork
from engine.domain.procedure import ProcedureVersion
from engine.domain.status import DossierStatus
from engine.domain.submission import Submission, check_acceptable, components_of
from engine.domain.task import Task, TaskStatus
from engine.domain.timeliness import Timeliness
from engine.domain.unit import Unit
from engine.services import files, routing
from engine.services.access import readable_dossier
from engine.services.catalogue import Catalogue
from engine.services.claims import name_holders
from engine.services.deadlines import watch_deadline
from engine.services.files import FileRequest
from engine.services.progress import Opening, record_opening
from engine.workflow import HumanTask, WorkflowInstance

MAX_IDEMPOTENCY_KEY = 128  # the column's width


@dataclass(frozen=True)
class Reception:
    """What the counter officer submits: the procedure, the application, and where to return."""

    procedure_code: str
    application: dict[str, Any]
    return_unit_id: str | None = None
    channel: Channel = Channel.IN_PERSON
    return_method: ReturnMethod = ReturnMethod.COUNTER
    """How the applicant asked to get the result; the return step records how it actually went."""
    idempotency_key: str | None = None
    reception: dict[str, Any] = field(default_factory=dict)
    """The counter officer's reception-step form (documents checked, notes)."""
    files: list[FileRequest] = field(default_factory=list)
    """Files the officer uploaded (staged) for the components: attached in the reception's transaction."""
    forms_brought: dict[int, str] = field(default_factory=dict)
    """The form each brought document came in, where it differs from the procedure's list (a photocopy
    instead of a certified copy...)."""
    documents_brought: list[int] | None = None
    """Positions in the procedure's document list of the components the applicant brought: when given, the
    reception form's `documents_checked` (if it has one) says whether every required one is there."""
    contact: Contact | None = None
    """Where the applicant wants notices and whether they agreed to (engine/domain/contact.py); checked and
    normalised by `receive`."""

    def digest(self) -> str:
        """SHA-256 of everything received but the key, as canonical JSON: a retry with the same key must
        give the same digest, whatever the order of keys and the spacing of the HTTP body were. A reception
        that does not say which documents were brought digests as it did before that field existed."""
        content = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "idempotency_key"
                   and not (f.name == "documents_brought" and self.documents_brought is None)
                   and not (f.name in ("files", "forms_brought", "contact") and not getattr(self, f.name))}
        if self.contact:
            content["contact"] = self.contact.to_json()
        if self.forms_brought:
            content["forms_brought"] = {str(k): v for k, v in self.forms_brought.items()}
        if self.files:  # by content: a form sent again uploads the same scans again, as new staged files
            content["files"] = sorted((r.content or str(r.file_id), r.document) for r in self.files)
        else:  # as it digested when the counter ticked scanned documents, so earlier keys still match
            content["digitised_documents"] = []
        return hashlib.sha256(json_codec.canonical(content)).hexdigest()


@dataclass(frozen=True)
class DossierDetail:
    dossier: Dossier
    procedure: ProcedureVersion
    tasks: list[Task]
    history: list[HistoryEvent]
    timeliness: Timeliness
    step_timeliness: dict[str, Timeliness | None]


def receive(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, calendar: WorkingCalendar,
            clock: Callable[[], datetime], reception: Reception,
            submission: Submission | None = None, exchange_peers: Collection[str] = ()) -> tuple[Dossier, bool]:
    """Receive a dossier at the actor's centre: accept it, with every required document brought (else the
    applicant is guided to complete it, engine/services/intake.py). Returns it and whether it was created
    now. With `submission` (as read, waiting in the queue), the dossier is that submission accepted: its
    submission time kept, and a second officer accepting it at the same time gets a 409.

    `exchange_peers` are the provinces whose deployments are registered for the exchange: a procedure handled
    across provinces whose competent unit is in one of them is received here and sent there as a package
    (engine/domain/exchange_sender.py); the steps the workflow opens at that province's units are cancelled
    here, where nobody can take them.

    Three steps, so that a slow procedure never holds a lock: what the reception needs is read, the
    workflow runs with no transaction open (on SQLite every transaction holds the write lock), then a
    short transaction numbers and records the dossier.
    """
    actor.require(Role.RECEPTION.value, actor.unit_id)
    _check_idempotency_key(reception.idempotency_key)
    reception = replace(reception, contact=checked_contact(reception.contact))
    now = clock()
    with uow:
        centre = _centre(uow, actor.unit_id, "/receiving_unit_id")
        reception = replace(reception, files=files.with_contents(uow, reception.files))
        if reception.idempotency_key and (earlier := _earlier_reception(uow, centre, reception)):
            return earlier, False
        procedure = catalogue.latest(uow.procedures, reception.procedure_code)
        returning = _centre(uow, reception.return_unit_id, "/return_unit_id") if reception.return_unit_id else centre
        procedure.check_form(procedure.application_form, reception.application, prefix="/application")
        check_acceptable(procedure.manifest["documents"], reception.documents_brought, "/documents_brought")
        components = _components(procedure, reception, submission)
        routing.same_province(centre, returning, "/return_unit_id")
        # Where the dossier goes is known before the workflow runs, unless a decision in it says so.
        routes = None if routing.decided_in_workflow(procedure) else routing.route(
            uow, procedure, reception.application, centre, exchange_peers=exchange_peers)
    instance = WorkflowInstance.start(catalogue.spec(procedure), {"application": reception.application})
    decided = instance.data.get(procedure.competence_rule.get("variable", ""))
    opening = run_reception_step(procedure, instance, _with_documents_checked(procedure, instance, reception), now)
    with uow:
        routes = routes or routing.route(uow, procedure, reception.application, centre, decided,
                                         exchange_peers=exchange_peers)
        day = now.astimezone(VN_TZ).date()  # the code's date and sequence follow the local calendar day
        # Taking the number locks the centre's counter until commit, so an attempt with the same key that
        # got here first has committed when we get it: its dossier is the answer (a rollback gives the
        # number back).
        accepted = _accepted(uow, submission) if submission else None  # locked before the number is taken
        code = dossier_code(centre.dossier_code_prefix, day, uow.dossiers.next_sequence(centre.id, day))
        if reception.idempotency_key and (earlier := _earlier_reception(uow, centre, reception)):
            return earlier, False
        dossier = _new_dossier(procedure, reception, code=code, centre=centre, routes=routes, returning=returning,
                               actor=actor, now=now, calendar=calendar)
        dossier.components = components
        documents = procedure.manifest["documents"]
        adopted = files.adopt(uow, actor, reception.files, documents, "/files")
        if accepted is not None:
            accepted.accept(now, actor.user_id, code)
            uow.submissions.update(accepted)
            dossier.submitted_at, dossier.submission_reference = accepted.submitted_at, accepted.reference
            dossier.record(EventKind.SUBMITTED, accepted.submitted_at, None, centre.id, channel=dossier.channel.value,
                           **_intake_times(accepted))
        uow.dossiers.add(dossier)
        if accepted is not None and accepted.id is not None:
            adopted += uow.files.of_submission(accepted.id)
        files.attach_adopted(uow, dossier, adopted, now)
        digitised, reused = files.digitisation_of(adopted, documents)
        dossier.record(EventKind.RECEIVED, now, actor.user_id, centre.id, procedure=procedure.code,
                       competent_unit=routes.competent.id, due_at=dossier.due_at.isoformat(),
                       calendar=calendar.version, deadline_at=dossier.due_at.isoformat(),
                       channel=dossier.channel.value, digitised=digitised, **({"reused": True} if reused else {}),
                       **({"outside_area": True} if routes.outside_area else {}))
        record_opening(uow, dossier, instance, procedure, opening, actor_id=actor.user_id, now=now, calendar=calendar)
        if routes.remote:
            _send_to_province(uow, dossier, now, actor.user_id)
        watch_deadline(uow, dossier, calendar)
        uow.dossiers.update(dossier)
        uow.commit()
        return dossier, True


def _send_to_province(uow: UnitOfWork, dossier: Dossier, now: datetime, by: int | None) -> None:
    """A dossier handled by another province's deployment: the steps the workflow opened at that province's
    units leave every list here (nobody here can take them; the handler runs them), and the history says where
    it went. The outbox writes the package at commit (engine/domain/exchange_sender.py)."""
    assert dossier.id is not None and dossier.exchange is not None
    ours = {dossier.receiving_unit_id, dossier.return_unit_id}
    remote = {dossier.competent_unit_id, *dossier.routes.values()} - ours
    uow.tasks.cancel([t.id for t in uow.tasks.of_dossier(dossier.id)
                      if t.status == TaskStatus.READY and t.unit_id in remote], now)
    dossier.record(EventKind.SENT_TO_PROVINCE, now, by, dossier.receiving_unit_id, province=dossier.exchange.peer,
                   package=PackageKind.DOSSIER.value)


def _accepted(uow: UnitOfWork, submission: Submission) -> Submission:
    """The submission locked, as it was read when the acceptance began: else someone decided it meanwhile."""
    assert submission.id is not None
    locked = uow.submissions.get(submission.id, lock=True)
    if locked is None or locked.version != submission.version:
        raise ConflictError(f"submission {submission.reference} was decided or changed by someone else "
                            "meanwhile; reload it", status=(locked or submission).status.value,
                            code="submission_changed_meanwhile")
    return locked


def _intake_times(submission: Submission) -> dict[str, str]:
    """When it was guided and resubmitted, for the history (no personal data)."""
    guidance = submission.guidance
    return {**({"guided_at": guidance.issued_at.isoformat()} if guidance else {}),
            **({"resubmitted_at": submission.resubmitted_at.isoformat()} if submission.resubmitted_at else {})}


def _earlier_reception(uow: UnitOfWork, centre: Unit, reception: Reception) -> Dossier | None:
    """The dossier received with the same Idempotency-Key, if any; IdempotencyKeyReusedError if it came
    with another request."""
    assert reception.idempotency_key
    earlier = uow.dossiers.by_idempotency_key(centre.id, reception.idempotency_key)
    # Dossiers received before digests were kept have none: any retry matches them, as it did then.
    if earlier is not None and earlier.request_digest not in (None, reception.digest()):
        raise IdempotencyKeyReusedError(earlier.code)
    return earlier


def _components(procedure: ProcedureVersion, reception: Reception, submission: Submission | None) -> list[Component]:
    """What was brought, per component: the submission's components, or the documents ticked at the counter
    (else those with files) in the form the officer saw (the procedure's, unless they said otherwise)."""
    if submission is not None:
        return list(submission.components)
    documents = procedure.manifest["documents"]
    if unknown := sorted(set(reception.forms_brought) - set(range(len(documents)))):
        raise ValidationFailedError("the forms brought name documents not in the procedure's list", [
            FieldError(f"/forms_brought/{i}", f"must be a document position from 0 to {len(documents) - 1}")
            for i in unknown])
    if bad := sorted(i for i, form in reception.forms_brought.items() if form not in set(ComponentForm)):
        raise ValidationFailedError("unknown component forms", [
            FieldError(f"/forms_brought/{i}", f"must be one of {', '.join(ComponentForm)}") for i in bad])
    # A sender that does not say what was brought brought at least what it sent files for.
    brought = (reception.documents_brought if reception.documents_brought is not None
               else sorted({r.document for r in reception.files}))
    return [replace(c, form=reception.forms_brought.get(c.document or 0, c.form))
            for c in components_of(documents, brought)]


def _new_dossier(procedure: ProcedureVersion, reception: Reception, *, code: str, centre: Unit,
                 routes: routing.Routing, returning: Unit, actor: Actor, now: datetime,
                 calendar: WorkingCalendar) -> Dossier:
    application = reception.application
    return Dossier(
        code=code, secret=new_lookup_secret(), procedure_code=procedure.code,
        procedure_version_id=procedure.id or 0, status=DossierStatus.RECEIVED, channel=reception.channel,
        receiving_unit_id=centre.id, competent_unit_id=routes.competent.id, return_unit_id=returning.id,
        applicant_name=applicant_name(procedure, application), application=application, received_at=now,
        due_at=procedure.time_limit.due(calendar, now, application=application), workflow_state={},
        received_by=actor.user_id,
        idempotency_key=reception.idempotency_key, routes=routes.routes, return_method=reception.return_method,
        contact=reception.contact,
        exchange=Exchange(ExchangeRole.SENDER, routes.province, state=PackageKind.DOSSIER.value)
        if routes.remote else None,
        request_digest=reception.digest() if reception.idempotency_key else None,
        fee_vnd=fee_vnd(procedure.manifest["fees"], lambda pointer: resolve_pointer(application, pointer)))


def run_reception_step(procedure: ProcedureVersion, instance: WorkflowInstance, data: dict[str, Any],
                        now: datetime) -> Opening:
    """Complete the reception step in the workflow with the counter officer's form, and arm the timers
    reached, before anything is written."""
    ready = instance.ready_human_tasks()
    first = _reception_step(procedure, ready)
    procedure.check_form(first.properties.get("form") or "", data, prefix="/reception")
    step = instance.complete(first.id, data)
    instance.arm_timers(now)
    return Opening(ready, first, step, data)


def _with_documents_checked(procedure: ProcedureVersion, instance: WorkflowInstance,
                            reception: Reception) -> dict[str, Any]:
    """The reception form as sent, with `documents_checked` set from the documents brought when the form
    has that field: true when every required document of the procedure is among them."""
    brought, documents = reception.documents_brought, procedure.manifest["documents"]
    if brought is None:
        return reception.reception
    if unknown := [n for n, i in enumerate(brought) if not 0 <= i < len(documents)]:
        raise ValidationFailedError("the documents brought are not in the procedure's list", [
            FieldError(f"/documents_brought/{n}", f"must be a document position from 0 to {len(documents) - 1}")
            for n in unknown])
    form = procedure.forms.get(_reception_step(procedure, instance.ready_human_tasks()).properties.get("form") or "")
    if "documents_checked" not in (form or {}).get("properties", {}):
        return reception.reception
    required = {i for i, document in enumerate(documents) if document["required"]}
    return {**reception.reception, "documents_checked": required <= set(brought)}


def _check_idempotency_key(key: str | None) -> None:
    if key is not None and not (1 <= len(key) <= MAX_IDEMPOTENCY_KEY and key.isascii() and key.isprintable()):
        raise ValidationFailedError("the Idempotency-Key header is not usable", [FieldError(
            "/headers/Idempotency-Key", f"must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters")])


def _reception_step(procedure: ProcedureVersion, ready: list[HumanTask]) -> HumanTask:
    """The ready step in a lane bound to the reception role at the receiving centre: exactly one."""
    found = [human for human in ready if procedure.lane(human.lane).role == Role.RECEPTION.value
             and procedure.lane(human.lane).unit == "receiving_centre"]
    if len(found) != 1:
        raise ConflictError(f"procedure {procedure.code} does not start with one reception step")
    return found[0]


def _centre(uow: UnitOfWork, unit_id: str | None, pointer: str) -> Unit:
    unit = uow.units.get(unit_id) if unit_id else None
    if unit is None or not unit.has_centre:
        raise ValidationFailedError("no such one-stop centre", [FieldError(pointer, "is not a one-stop centre")])
    return unit


def applicant_name(procedure: ProcedureVersion, application: dict[str, Any]) -> str:
    pointer = procedure.manifest.get("applicant_name", "/applicant/full_name")
    return str(resolve_pointer(application, pointer) or "")


def detail(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, calendar: WorkingCalendar,
           clock: Callable[[], datetime], code: str) -> DossierDetail:
    with uow:
        dossier, now = readable_dossier(uow, actor, code), clock()
        assert dossier.id is not None
        procedure = catalogue.version(uow.procedures, dossier.procedure_version_id)
        tasks = name_holders(uow, uow.tasks.of_dossier(dossier.id))
        return DossierDetail(dossier, procedure, tasks, uow.history.of_dossier(dossier.id),
                             timeliness.of_dossier(dossier, now, calendar),
                             {t.id: timeliness.of_step(t, now, calendar) for t in tasks})
