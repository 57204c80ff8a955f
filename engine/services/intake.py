"""Intake: dossiers handed in and not yet received, and the counter's decision on each.

The national portal's machine client (role `portal`, an account at its province) submits online
dossiers for a centre of that province; each waits in the centre's intake queue as `submitted` (1). A
counter officer of that centre accepts it (engine/services/dossiers.py receives it: code, secret, receipt,
register and clock start then), guides it to complete once (Mẫu 02; the resubmission continues it), or
refuses reception (Mẫu 03; never received). At the counter the officer takes the same decisions on a
dossier handed in in person: guiding or refusing records a submission decided at once.

A submission is idempotent by the sender's own id (`reference`): the same id with the same content
answers the first submission; with other content it is a 409 and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from engine.domain.actor import Actor, Role
from engine.domain.calendar import WorkingCalendar
from engine.domain.contact import Contact, checked_contact
from engine.domain.dossier import Channel, Dossier, ReturnMethod
from engine.domain.errors import ConflictError, FieldError, ForbiddenError, NotFoundError, ValidationFailedError
from engine.domain.files import Component, StoredFile
from engine.domain.forms import resolve_pointer
from engine.domain.notice import MissingItem
from engine.domain.ports import UnitOfWork
from engine.domain.procedure import ProcedureVersion
from engine.domain.slip import DOCUMENT_FORM_LABELS
from engine.domain.submission import (
    IntakeStage,
    Submission,
    check_reference,
    submission_digest,
)
from engine.domain.unit import Unit
from engine.services import dossiers, files, routing
from engine.services.access import supervised_centres
from engine.services.catalogue import Catalogue
from engine.services.dossiers import Reception
from engine.services.files import FileRequest

CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a portal's submission time may be (its clock is not ours)."""
OPEN_STAGES = (IntakeStage.WAITING, IntakeStage.GUIDED)
MAX_COMPONENTS, MAX_NAME = 100, 300


class ReferenceReusedError(ConflictError):
    """A submission id sent again with other content (409): nothing changes."""

    code = "submission_reference_reused"


@dataclass(frozen=True)
class Handing:
    """What is handed in: for which centre and procedure, the application and the components."""

    centre_id: str
    procedure_code: str
    application: dict[str, Any]
    channel: Channel = Channel.ONLINE
    components: list[Component] = field(default_factory=list)
    reference: str | None = None
    """The sender's own id of the submission (the portal's); the counter makes one from its form's key."""
    submitted_at: datetime | None = None
    """When the applicant handed it in (NgayNopHoSo) by the portal's clock; None: now."""
    return_method: ReturnMethod = ReturnMethod.COUNTER
    files: list[FileRequest] = field(default_factory=list)
    """Files the portal uploaded (staged) for the components, attached with the submission."""
    contact: Contact | None = None
    """Where the applicant wants notices and whether they agreed to: carried to the dossier on acceptance."""

    def content(self) -> dict[str, Any]:
        return {"centre_id": self.centre_id, "procedure_code": self.procedure_code, "application": self.application,
                "channel": self.channel.value, "components": [c.to_json() for c in self.components],
                # by content: a portal resending the submission uploads its files again, as new staged files
                **({"files": sorted([f.content or str(f.file_id), f.document] for f in self.files)}
                   if self.files else {}),
                "submitted_at": self.submitted_at.astimezone(UTC).isoformat() if self.submitted_at else None,
                "return_method": self.return_method.value,
                **({"contact": self.contact.to_json()} if self.contact else {})}


@dataclass(frozen=True)
class Acceptance:
    """The counter officer's acceptance of a submission: the reception step's form, the documents found
    (by default the components the sender matched to the procedure's list), where the result goes."""

    reception: dict[str, Any] = field(default_factory=dict)
    documents_brought: list[int] | None = None
    return_unit_id: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class SubmissionDetail:
    submission: Submission
    dossier: Dossier | None
    """The dossier it became, once accepted."""


def submit(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, clock: Callable[[], datetime],
           handing: Handing, exchange_peers: Collection[str] = ()) -> tuple[Submission, bool]:
    """The portal hands in an online (or postal) dossier for a centre of its province: it waits in the
    centre's queue. Returns the submission and whether it was created now."""
    if Role.PORTAL.value not in actor.roles:
        raise ForbiddenError("online submissions come from the portal's client account (role 'portal')")
    if handing.channel == Channel.IN_PERSON:
        raise ValidationFailedError("the portal hands in online or postal dossiers", [
            FieldError("/channel", "must be online or post; in-person dossiers are received at the counter")])
    reference = check_reference(handing.reference or "", "/reference")
    handing = replace(handing, contact=checked_contact(handing.contact))
    now = clock()
    if handing.submitted_at is not None and handing.submitted_at > now + CLOCK_SKEW:
        raise ValidationFailedError("the submission time is in the future", [
            FieldError("/submitted_at", "must not be later than now")])
    with uow:
        centre = _centre(uow, handing.centre_id)
        if routing.province_of(centre) != actor.unit_id:
            raise ForbiddenError(f"centre {centre.id} is not in your province {actor.unit_id}")
        handing = replace(handing, files=files.with_contents(uow, handing.files))
        digest = submission_digest(handing.content())
        if earlier := _earlier(uow, reference, digest):
            return earlier, False
        procedure = catalogue.latest(uow.procedures, handing.procedure_code)
        submission = _new(uow, procedure, centre, handing, reference, digest, by=actor.user_id,
                          at=handing.submitted_at or now, exchange_peers=exchange_peers)
        documents = procedure.manifest["documents"]
    return _added(uow, submission, actor, handing.files, documents), True


def _added(uow: UnitOfWork, submission: Submission, actor: Actor, requests: list[FileRequest],
           documents: list[dict[str, Any]]) -> Submission:
    """Store a new submission with its files; the same one sent twice at the same moment is stored once, and
    the second gets the first (its reference is unique)."""
    try:
        with uow:
            uow.submissions.add(submission)
            _attach(uow, submission, files.adopt(uow, actor, requests, documents, "/files"), submission.submitted_at)
            uow.commit()
            return submission
    except ConflictError:
        with uow:
            if earlier := _earlier(uow, submission.reference, submission.request_digest):
                return earlier
        raise


def _attach(uow: UnitOfWork, submission: Submission, adopted: list[StoredFile], now: datetime) -> None:
    assert submission.id is not None
    for stored in adopted:
        stored.submission_id, stored.attached_at = submission.id, now
        uow.files.update(stored)


def resubmit(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, clock: Callable[[], datetime],
             submission_id: int, application: dict[str, Any], components: list[Component],
             file_requests: Sequence[FileRequest] = (), exchange_peers: Collection[str] = ()) -> Submission:
    """The applicant completed a guided submission: what they send now replaces what they sent, and it is
    back in the queue (the same submission, its first submission time kept)."""
    with uow:
        submission = _readable(uow, actor, submission_id, lock=True)
        if Role.PORTAL.value not in actor.roles:
            raise ForbiddenError("a guided online submission is completed through the portal")
        same = (submission.application, submission.components) == (application, components)
        if submission.stage == IntakeStage.WAITING and submission.resubmitted_at is not None and same:
            return submission  # the same resubmission sent again
        submission.check_resubmittable()  # before the application is checked: a 409 says more than a 422
        procedure = catalogue.latest(uow.procedures, submission.procedure_code)
        centre = _centre(uow, submission.centre_id)
        checked = _new(uow, procedure, centre, Handing(centre.id, procedure.code, application, submission.channel,
                                                       components),
                       submission.reference, submission.request_digest, by=actor.user_id, at=submission.submitted_at,
                       exchange_peers=exchange_peers)
        now = clock()
        submission.resubmit(now, checked.application, checked.applicant_name, checked.components)
        _attach(uow, submission, files.adopt(uow, actor, list(file_requests), procedure.manifest["documents"],
                                             "/files"), now)
        return _save(uow, submission)


def accept(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, calendar: WorkingCalendar,
           clock: Callable[[], datetime], submission_id: int, acceptance: Acceptance,
           exchange_peers: Collection[str] = ()) -> Dossier:
    """Accept the submission: it is received now (code, secret, receipt, register, clock), with the
    application and return method the applicant sent, and the time they handed it in."""
    with uow:
        submission = _found(uow, submission_id, lock=False)
    actor.require(Role.RECEPTION.value, submission.centre_id)
    if not (acceptance.idempotency_key and submission.stage == IntakeStage.ACCEPTED):
        submission.check_acceptable()  # else a retry: receive answers the key's dossier, or a 409
    brought = submission.documents_brought if acceptance.documents_brought is None else acceptance.documents_brought
    reception = Reception(
        procedure_code=submission.procedure_code, application=submission.application,
        return_unit_id=acceptance.return_unit_id, channel=submission.channel,
        return_method=submission.return_method, idempotency_key=acceptance.idempotency_key,
        reception=acceptance.reception, documents_brought=brought, contact=submission.contact)
    dossier, _ = dossiers.receive(uow, actor=actor, catalogue=catalogue, calendar=calendar, clock=clock,
                                  reception=reception, submission=submission, exchange_peers=exchange_peers)
    return dossier


def guide(uow: UnitOfWork, *, actor: Actor, clock: Callable[[], datetime], submission_id: int, reasons: str,
          items: list[MissingItem]) -> Submission:
    """Guide the applicant to complete the submission (Mẫu 02): once, listing everything missing."""
    with uow:
        submission = _deciding(uow, actor, submission_id)
        submission.guide(clock(), actor.user_id, actor.unit_id, reasons, items)
        return _save(uow, submission)


def refuse(uow: UnitOfWork, *, actor: Actor, clock: Callable[[], datetime], submission_id: int,
           reasons: str) -> Submission:
    """Refuse reception with written reasons (Mẫu 03): the dossier is never received."""
    with uow:
        submission = _deciding(uow, actor, submission_id)
        submission.refuse(clock(), actor.user_id, actor.unit_id, reasons)
        return _save(uow, submission)


def decide_at_counter(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, clock: Callable[[], datetime],
                      handing: Handing, key: str, reasons: str, items: list[MissingItem] | None) -> Submission:
    """The counter guides (`items` given) or refuses (`items` None) a dossier handed in in person: recorded
    as a submission decided at once. `key` is the counter form's own id, so the same form sent twice decides
    once, and the key sent with another form or decision is a 409. The application is kept as the officer
    typed it, unchecked: an incomplete or ineligible dossier is what is guided or refused."""
    actor.require(Role.RECEPTION.value, actor.unit_id)
    reference = check_reference(f"counter-{key}", "/idempotency_key")
    handing = Handing(actor.unit_id, handing.procedure_code, handing.application, Channel.IN_PERSON,
                      handing.components, reference)
    decision = {"reasons": reasons, "items": [vars(item) for item in items] if items is not None else None}
    digest = submission_digest(handing.content() | {"decision": decision})
    now = clock()
    with uow:
        centre = _centre(uow, actor.unit_id)
        if earlier := _earlier(uow, reference, digest):
            return earlier
        procedure = catalogue.latest(uow.procedures, handing.procedure_code)
        submission = _new(uow, procedure, centre, handing, reference, digest, by=actor.user_id, at=now,
                          checked=False)
        if items is None:
            submission.refuse(now, actor.user_id, actor.unit_id, reasons)
        else:
            submission.guide(now, actor.user_id, actor.unit_id, reasons, items)
    return _added(uow, submission, actor, [], [])


def queue(uow: UnitOfWork, *, actor: Actor, stages: tuple[IntakeStage, ...] = OPEN_STAGES, limit: int,
          offset: int) -> tuple[list[Submission], int]:
    """The submissions the actor sees, longest waiting first: a counter officer their centre's, a
    supervisor and the portal's client those of the province."""
    with uow:
        return uow.submissions.queue(centre_ids=_visible_centres(uow, actor), stages=stages, limit=limit,
                                     offset=offset)


def get(uow: UnitOfWork, *, actor: Actor, submission_id: int) -> Submission:
    with uow:
        return _readable(uow, actor, submission_id)


def detail(uow: UnitOfWork, *, actor: Actor, submission_id: int) -> SubmissionDetail:
    """The submission as `get` gives it, with the dossier it became once accepted (its receipt's code and
    secret: the portal passes them on to the applicant)."""
    with uow:
        submission = _readable(uow, actor, submission_id)
        dossier = uow.dossiers.get(submission.dossier_code) if submission.dossier_code else None
        return SubmissionDetail(submission, dossier)


def _deciding(uow: UnitOfWork, actor: Actor, submission_id: int) -> Submission:
    """The submission, locked, if the actor is a counter officer of its centre."""
    submission = _found(uow, submission_id, lock=True)
    actor.require(Role.RECEPTION.value, submission.centre_id)
    return submission


def _readable(uow: UnitOfWork, actor: Actor, submission_id: int, *, lock: bool = False) -> Submission:
    submission = _found(uow, submission_id, lock=lock)
    if submission.centre_id not in _visible_centres(uow, actor):
        raise ForbiddenError(f"submission {submission_id} is not for your centre or province",
                             code="submission_not_yours")
    return submission


def _found(uow: UnitOfWork, submission_id: int, *, lock: bool) -> Submission:
    submission = uow.submissions.get(submission_id, lock=lock)
    if submission is None:
        raise NotFoundError(f"submission {submission_id} does not exist", code="submission_not_found")
    return submission


def _visible_centres(uow: UnitOfWork, actor: Actor) -> list[str]:
    if Role.PORTAL.value in actor.roles:
        return [u.id for u in uow.units.list(province_id=actor.unit_id) if u.has_centre]
    if (supervised := supervised_centres(uow, actor)) is not None:
        return supervised
    return [actor.unit_id] if Role.RECEPTION.value in actor.roles else []


def _earlier(uow: UnitOfWork, reference: str, digest: str) -> Submission | None:
    earlier = uow.submissions.by_reference(reference)
    if earlier is not None and earlier.request_digest != digest:
        raise ReferenceReusedError(f"submission {reference} was sent before with other content; send it "
                                   "with its own id", status=earlier.status.value)
    return earlier


def _new(uow: UnitOfWork, procedure: ProcedureVersion, centre: Unit, handing: Handing, reference: str, digest: str,
         *, by: int, at: datetime, checked: bool = True, exchange_peers: Collection[str] = ()) -> Submission:
    """A submission of `handing`, its components checked against the procedure's document list and, when
    `checked`, checked as the reception will check it: the application against its form, the centre
    allowed to receive the procedure."""
    if checked:
        procedure.check_form(procedure.application_form, handing.application, prefix="/application")
        if not routing.decided_in_workflow(procedure):
            # 422 if this centre may not receive it (nor send it to the province handling it)
            routing.route(uow, procedure, handing.application, centre, exchange_peers=exchange_peers)
    components = _checked_components(procedure, handing.components)
    return Submission(
        reference=reference, centre_id=centre.id, procedure_code=procedure.code, channel=handing.channel,
        application=handing.application, applicant_name=_applicant_name(procedure, handing.application),
        components=components, submitted_at=at, submitted_by=by, return_method=handing.return_method,
        request_digest=digest, contact=handing.contact)


def _checked_components(procedure: ProcedureVersion, components: list[Component]) -> list[Component]:
    documents, problems = procedure.manifest["documents"], []
    if len(components) > MAX_COMPONENTS:
        raise ValidationFailedError("too many components", [
            FieldError("/components", f"must list at most {MAX_COMPONENTS} components")])
    for n, component in enumerate(components):
        if component.document is not None and not 0 <= component.document < len(documents):
            problems.append(FieldError(f"/components/{n}/document",
                                       f"must be a document position from 0 to {len(documents) - 1}"))
        if component.form not in DOCUMENT_FORM_LABELS:
            problems.append(FieldError(f"/components/{n}/form", f"must be one of {', '.join(DOCUMENT_FORM_LABELS)}"))
        if not component.name.strip() or len(component.name) > MAX_NAME or not 1 <= component.copies <= 99:
            problems.append(FieldError(f"/components/{n}", f"needs a name of 1 to {MAX_NAME} characters and 1 to 99 "
                                                           "copies"))
    if problems:
        raise ValidationFailedError("the components are not usable", problems)
    return components


def _applicant_name(procedure: ProcedureVersion, application: dict[str, Any]) -> str:
    pointer = procedure.manifest.get("applicant_name", "/applicant/full_name")
    return str(resolve_pointer(application, pointer) or "")[:100]


def _centre(uow: UnitOfWork, unit_id: str) -> Unit:
    unit = uow.units.get(unit_id) if unit_id else None
    if unit is None or not unit.has_centre:
        raise ValidationFailedError("no such one-stop centre", [FieldError("/centre_id", "is not a one-stop centre")])
    return unit


def _save(uow: UnitOfWork, submission: Submission) -> Submission:
    uow.submissions.update(submission)
    uow.commit()
    return submission
