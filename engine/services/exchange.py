"""Dossiers across provinces (engine/domain/exchange.py): a package that reached this deployment, verified and
applied once.

The codec verifies the package (signature, sender, receiver, freshness, schema, file hashes); its files are
checked by content and written to the file store before the transaction that references them, as every file is
(engine/services/files.py). Then one transaction records the nonce (a replay is refused), answers a package
applied before with its first acknowledgement, or applies it and records its receipt. Two deliveries of one
package at the same moment: one applies, the other clashes on the receipt's (or the new dossier's) unique key
and gets the first's acknowledgement, so a package never has two effects.

What a package does is what the same action does here, through the same dossier methods and workflow code:
- at the handler (sender's kinds): `dossier` creates the dossier under the sender's code, its reception step
  completed with the sender's counter data and the sender's clock; `supplemented` restarts the clock with the
  files brought; `returned` completes the return step with the sender's data; `withdrawn` ends it;
- at the sender (handler's kinds): `accepted` starts processing; `supplement_requested` stops the clock at the
  instant the handler stopped its own; `result_ready` keeps the signed result and finishes; `stopped` ends it.
Every status package carries the sender's clock after it, which the receiver takes as is. Who acted is the
peer's machine account (`exchange.<province>`, no roles, disabled: it never signs in), created on first use.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime
from typing import Any

from engine.domain.actor import Account, Actor, Role
from engine.domain.calendar import WorkingCalendar
from engine.domain.dossier import Channel, Dossier, EventKind, ReturnMethod
from engine.domain.dossier_code import new_lookup_secret
from engine.domain.errors import (
    AuthenticationError,
    ConflictError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    ValidationFailedError,
)
from engine.domain.exchange import (
    SENDER_KINDS,
    Acknowledgement,
    Exchange,
    ExchangeRole,
    Package,
    PackageKind,
)
from engine.domain.fees import fee_vnd
from engine.domain.files import Blob, Component, FileSource, StoredFile, clean_filename
from engine.domain.forms import resolve_pointer
from engine.domain.lifecycle import Action, next_status
from engine.domain.notice import MissingItem
from engine.domain.ports import FileStore, PackageCodec, UnitOfWork
from engine.domain.procedure import ProcedureVersion
from engine.domain.status import DossierStatus
from engine.domain.task import Task
from engine.domain.unit import Unit
from engine.services import dossiers, files, routing, tasks
from engine.services.catalogue import Catalogue
from engine.services.deadlines import watch_deadline
from engine.services.lifecycle import clock_restarted
from engine.services.progress import Opening, record_opening
from engine.workflow import WorkflowInstance

MACHINE_ACCOUNT = "exchange.{province}"
"""The account a peer's packages act as here: no roles, disabled (nobody signs in with it)."""


def receive_package(uow: UnitOfWork, *, codec: PackageCodec, store: FileStore, catalogue: Catalogue,
                    calendar: WorkingCalendar, clock: Callable[[], datetime], province: str, peers: Collection[str],
                    raw: bytes, client_certificate: bytes | None) -> Acknowledgement:
    """Open `raw` (codec.open verifies it), refuse a replay, and apply it once, in one transaction with its
    receipt; a repeat of a package applied before answers its first acknowledgement (`duplicate`).

    Raises the codec's DomainErrors, ConflictError `package_replayed` / `package_conflict` / the dossier's status,
    NotFoundError `dossier_not_found`, ValidationFailedError `procedure_not_exchangeable`."""
    package = codec.open(raw, client_certificate=client_certificate, now=clock())
    if package.sender not in peers or package.sender == province:
        raise AuthenticationError(f"province {package.sender} is not registered for the exchange",
                                  code="unknown_sender", province=package.sender)
    try:
        blobs = _store_files(store, package)
        machine = _machine_account(uow, package.sender, clock())
        # A new dossier's workflow runs before the transaction, unless it was applied before (then the
        # transaction only answers the repeat, whatever the procedure has become here since).
        prepared = (_prepare_dossier(uow, package, catalogue)
                    if package.kind == PackageKind.DOSSIER and not _applied_before(uow, package) else None)
        return _apply(uow, package, blobs, machine, prepared, catalogue=catalogue, calendar=calendar,
                      now=clock(), province=province)
    except (KeyError, TypeError, ValueError) as error:
        # The codec checked the manifest against its schema; a body this engine cannot read is still the
        # package's fault, never a half-applied command (the transaction rolled back).
        raise ValidationFailedError("the package's body cannot be applied", [FieldError(
            "/body", f"is not what a {package.kind.value} package carries")], code="package_malformed") from error
    except ConflictError as clash:
        if clash.code in ("package_replayed", "package_conflict"):
            raise
        # A clash on a unique key (the receipt, the new dossier's code): another delivery of the same package
        # applied it meanwhile, and its answer is ours; anything else is the clash it was.
        with uow:
            earlier = uow.exchange_receipts.applied(package.sender, package.package_id)
        if earlier is None or earlier[0] != package.digest:
            raise
        return replace(earlier[1], duplicate=True)


def _apply(uow: UnitOfWork, package: Package, blobs: dict[str, Blob], machine: Account,
           prepared: _Prepared | None, *, catalogue: Catalogue, calendar: WorkingCalendar, now: datetime,
           province: str) -> Acknowledgement:
    sender = package.sender
    with uow:
        if uow.exchange_receipts.seen_nonce(sender, package.nonce, now):
            raise ConflictError(f"package {package.package_id} was received before with this nonce: a replay",
                                code="package_replayed", package=package.package_id)
        if (earlier := uow.exchange_receipts.applied(sender, package.package_id)) is not None:
            digest, acknowledgement = earlier
            if digest != package.digest:
                raise ConflictError(f"package {package.package_id} was applied before with other content",
                                    code="package_conflict", package=package.package_id)
            uow.commit()  # the nonce, so the same delivery is refused as a replay
            return replace(acknowledgement, duplicate=True)
        if package.kind == PackageKind.DOSSIER and prepared is None:  # its receipt cannot vanish: never here
            raise ConflictError(f"package {package.package_id} changed meanwhile; send it again",
                                code="changed_meanwhile")
        applying = _Applying(uow, package, blobs, machine, catalogue, calendar, now)
        dossier = applying.create(prepared, province) if prepared is not None else applying.status_package()
        assert dossier.exchange is not None
        dossier.exchange.applied(package)
        dossier.record(EventKind.RECEIVED_FROM_PROVINCE, now, machine.user_id, None, province=sender,
                       package=package.kind.value, package_id=package.package_id)
        acknowledgement = Acknowledgement(package.package_id, dossier.code, dossier.status.value)
        uow.exchange_receipts.record(sender, package, acknowledgement, dossier.id, now)
        uow.dossiers.update(dossier)
        uow.commit()
        return acknowledgement


def _applied_before(uow: UnitOfWork, package: Package) -> bool:
    with uow:
        return uow.exchange_receipts.applied(package.sender, package.package_id) is not None


class _Prepared:
    """A `dossier` package's workflow run before the transaction (as a reception runs it): the application
    checked, the reception step completed with the sender's counter data at the sender's reception time."""

    def __init__(self, procedure: ProcedureVersion, instance: WorkflowInstance, opening: Opening, decided: Any):
        self.procedure, self.instance, self.opening, self.decided = procedure, instance, opening, decided


def _prepare_dossier(uow: UnitOfWork, package: Package, catalogue: Catalogue) -> _Prepared:
    body = package.manifest["body"]
    with uow:
        procedure = _exchangeable(uow, catalogue, str(body["procedure"]["code"]))
    application = body["application"]
    procedure.check_form(procedure.application_form, application, prefix="/body/application")
    instance = WorkflowInstance.start(catalogue.spec(procedure), {"application": application})
    decided = instance.data.get(procedure.competence_rule.get("variable", ""))
    opening = dossiers.run_reception_step(procedure, instance, dict(body.get("reception") or {}),
                                          _moment(body["received_at"], "/body/received_at"))
    return _Prepared(procedure, instance, opening, decided)


def _exchangeable(uow: UnitOfWork, catalogue: Catalogue, code: str) -> ProcedureVersion:
    """The procedure's latest version here, which must be handled across provinces."""
    try:
        procedure = catalogue.latest(uow.procedures, code)
    except NotFoundError:
        procedure = None
    if procedure is None or not procedure.cross_province:
        raise ValidationFailedError(f"procedure {code} is not handled across provinces here",
                                    [FieldError("/body/procedure/code", "is not handled across provinces here")],
                                    code="procedure_not_exchangeable", procedure=code)
    return procedure


class _Applying:
    """One package applied in the open transaction."""

    def __init__(self, uow: UnitOfWork, package: Package, blobs: dict[str, Blob], machine: Account,
                 catalogue: Catalogue, calendar: WorkingCalendar, now: datetime):
        self.uow, self.package, self.blobs, self.catalogue, self.calendar, self.now = (
            uow, package, blobs, catalogue, calendar, now)
        assert machine.user_id is not None
        self.machine, self.by = machine, machine.user_id
        self.manifest: dict[str, Any] = package.manifest
        self.body: dict[str, Any] = package.manifest["body"]
        self.at = _moment(self.manifest["at"], "/at")

    # -- the handler: a dossier another province received ---------------------------------------------------

    def create(self, prepared: _Prepared, province: str) -> Dossier:
        uow, body, procedure = self.uow, self.body, prepared.procedure
        code, sender = str(self.manifest["dossier_code"]), self.package.sender
        if uow.dossiers.get(code) is not None:
            raise ConflictError(f"dossier {code} exists here already", code="dossier_exists", dossier=code)
        receiving = self._sender_unit(body["receiving_unit"]["id"], "/body/receiving_unit/id")
        returning = self._sender_unit(body["return_unit"]["id"], "/body/return_unit/id")
        application = body["application"]
        routes = routing.route_handled(uow, procedure, application, province, receiving, prepared.decided,
                                       pointer="/body/application")
        received_at = _moment(body["received_at"], "/body/received_at")
        clock = self.manifest["clock"]
        dossier = Dossier(
            code=code, secret=new_lookup_secret(), procedure_code=procedure.code,
            procedure_version_id=procedure.id or 0, status=DossierStatus.RECEIVED, channel=Channel(body["channel"]),
            receiving_unit_id=receiving.id, competent_unit_id=routes.competent.id, return_unit_id=returning.id,
            applicant_name=dossiers.applicant_name(procedure, application), application=application,
            received_at=received_at, due_at=_moment(clock["due_at"], "/clock/due_at"),
            deadline_at=_moment(clock["deadline_at"], "/clock/deadline_at"), workflow_state={},
            received_by=self.by, routes=routes.routes,
            return_method=ReturnMethod(body["return_method"]) if body.get("return_method") else None,
            submitted_at=_moment(body.get("submitted_at") or body["received_at"], "/body/submitted_at"),
            fee_vnd=fee_vnd(procedure.manifest["fees"], lambda pointer: resolve_pointer(application, pointer)),
            exchange=Exchange(ExchangeRole.HANDLER, sender, state=PackageKind.DOSSIER.value))
        documents = procedure.manifest["documents"]
        dossier.components = [Component(str(c.get("name") or _document_name(documents, c.get("document"))),
                                        str(c.get("form") or "original"), int(c.get("copies") or 1),
                                        c.get("document")) for c in body["components"] if c.get("name")
                              or c.get("document") is not None]
        uow.dossiers.add(dossier)
        attached = [self._attach(dossier, path, c.get("document"), receiving.id, event=False)
                    for c in body["components"] for path in c.get("files", [])]
        digitised, reused = files.digitisation_of(attached, documents)
        dossier.record(EventKind.RECEIVED, received_at, self.by, receiving.id, procedure=procedure.code,
                       competent_unit=routes.competent.id, due_at=dossier.due_at.isoformat(),
                       calendar=self.calendar.version, deadline_at=(dossier.deadline_at or dossier.due_at).isoformat(),
                       channel=dossier.channel.value, digitised=digitised, **({"reused": True} if reused else {}),
                       outside_area=True, from_province=sender)
        record_opening(uow, dossier, prepared.instance, procedure, prepared.opening, actor_id=self.by,
                       now=received_at, calendar=self.calendar)
        self._take_clock(dossier)
        watch_deadline(uow, dossier, self.calendar)
        return dossier

    def status_package(self) -> Dossier:
        """A package about a dossier both sides hold: this side's role must be the one its kind is for."""
        kind = self.package.kind
        code = str(self.manifest["dossier_code"])
        dossier = self.uow.dossiers.get(code, lock=True)
        if dossier is None:
            raise NotFoundError(f"dossier {code} does not exist here", code="dossier_not_found", dossier=code)
        role = ExchangeRole.HANDLER if kind in SENDER_KINDS else ExchangeRole.SENDER
        if dossier.exchange is None or dossier.exchange.role != role or dossier.exchange.peer != self.package.sender:
            raise ForbiddenError(f"dossier {code} is not exchanged with province {self.package.sender}",
                                 code="dossier_not_exchanged", dossier=code)
        {PackageKind.ACCEPTED: self._accepted, PackageKind.SUPPLEMENT_REQUESTED: self._supplement_requested,
         PackageKind.RESULT_READY: self._result_ready, PackageKind.STOPPED: self._stopped,
         PackageKind.SUPPLEMENTED: self._supplemented, PackageKind.RETURNED: self._returned,
         PackageKind.WITHDRAWN: self._withdrawn}[kind](dossier)
        self._take_clock(dossier)
        return dossier

    def _supplemented(self, dossier: Dossier) -> None:
        moved = dossier.supplement(self.at, self.by, dossier.receiving_unit_id, str(self.body.get("note") or ""),
                                   self.calendar, self._steps(dossier))
        clock_restarted(self.uow, dossier, moved, self.calendar)
        for component in self.body.get("components", []):
            for path in component.get("files", []):
                self._attach(dossier, path, component.get("document"), dossier.receiving_unit_id, event=True)

    def _returned(self, dossier: Dossier) -> None:
        next_status(Action.RETURN, dossier.status)
        step = tasks.returning_step(self.uow, self.catalogue, dossier)
        dossier.return_method = ReturnMethod(self.body["method"]) if self.body.get("method") else None
        # The sender's return centre acts through its package: its counter's role at that centre, for this step.
        acting = Actor(self.by, self.machine.username, dossier.return_unit_id, frozenset({Role.RECEPTION.value}))
        tasks.complete_locked(self.uow, dossier, step, actor=acting, catalogue=self.catalogue,
                              calendar=self.calendar, now=self.at, data=dict(self.body.get("data") or {}))

    def _withdrawn(self, dossier: Dossier) -> None:
        self._end(dossier, Action.WITHDRAW, dossier.receiving_unit_id)

    # -- the sender: a dossier another province handles ---------------------------------------------------

    def _accepted(self, dossier: Dossier) -> None:
        if dossier.status == DossierStatus.RECEIVED:
            dossier.take(Action.START_PROCESSING, self.at, self.by, self.body["unit"]["id"])

    def _supplement_requested(self, dossier: Dossier) -> None:
        # No expiry job here: the handler stops the dossier when the time is up, and says so.
        items = [MissingItem(str(i["name"]), str(i.get("form") or "original"), int(i.get("copies") or 1))
                 for i in self.body["items"]]
        reply_by = _moment(self.body["reply_by"], "/body/reply_by") if self.body.get("reply_by") else None
        dossier.request_supplement(self.at, self.by, self.body["unit"]["id"], str(self.body["reasons"]), items,
                                   reply_by)

    def _result_ready(self, dossier: Dossier) -> None:
        unit_id = self.body["unit"]["id"]
        if (result := self.body.get("result")) and dossier.result_file_id is None:
            blob = self._blob(result["path"])
            assert dossier.id is not None
            stored = StoredFile(blob, _filename(result.get("name"), blob), self.by, self.now, unit_id,
                                FileSource.RESULT, subject_id=files.subject_of(dossier.application))
            stored.attach_to_dossier(dossier.id, None, self.at)
            self.uow.files.add(stored)
            assert stored.id is not None
            dossier.issue_result(stored.id, self.at, self.by, unit_id)
        dossier.take(Action.FINISH, self.at, self.by, unit_id)

    def _stopped(self, dossier: Dossier) -> None:
        self._end(dossier, Action.STOP, self.body["unit"]["id"])

    # -- shared ---------------------------------------------------------------------------------------------

    def _end(self, dossier: Dossier, action: Action, unit_id: str) -> None:
        for step in dossier.end(action, self.at, self.by, unit_id, str(self.body.get("reasons") or ""),
                                self._steps(dossier)):
            self.uow.tasks.update(step)

    def _take_clock(self, dossier: Dossier) -> None:
        """The sender's clock after what the package reports: both sides keep the same appointment."""
        clock = self.manifest["clock"]
        dossier.due_at = _moment(clock["due_at"], "/clock/due_at")
        dossier.deadline_at = _moment(clock["deadline_at"], "/clock/deadline_at")
        dossier.paused_at = _moment(clock["paused_at"], "/clock/paused_at") if clock.get("paused_at") else None

    def _steps(self, dossier: Dossier) -> list[Task]:
        assert dossier.id is not None
        return self.uow.tasks.of_dossier(dossier.id)

    def _attach(self, dossier: Dossier, path: str, document: int | None, unit_id: str, *, event: bool) -> StoredFile:
        assert dossier.id is not None
        blob = self._blob(path)
        stored = StoredFile(blob, _filename(None, blob), self.by, self.now, unit_id, FileSource.EXCHANGE)
        stored.attach_to_dossier(dossier.id, document, self.at)
        self.uow.files.add(stored)
        if event:
            dossier.record(EventKind.FILE_ATTACHED, self.at, self.by, unit_id, file=stored.id, document=document,
                           source=FileSource.EXCHANGE.value, media_type=blob.media_type.value, size=blob.size)
        return stored

    def _blob(self, path: str) -> Blob:
        if path not in self.blobs:
            raise ValidationFailedError(f"the package lists no file {path}", [FieldError("/files", f"has no {path}")],
                                        code="file_missing")
        return self.blobs[path]

    def _sender_unit(self, unit_id: str, pointer: str) -> Unit:
        """A unit of the sender's province (every deployment holds the national map)."""
        unit = self.uow.units.get(str(unit_id))
        if unit is None or routing.province_of(unit) != self.package.sender:
            raise ValidationFailedError(f"unit {unit_id} is not a unit of province {self.package.sender}",
                                        [FieldError(pointer, f"is not a unit of province {self.package.sender}")],
                                        code="package_malformed")
        return unit


def _store_files(store: FileStore, package: Package) -> dict[str, Blob]:
    """Every file of the package checked by its content and written to the store (idempotent: the store is
    content-addressed), before the transaction that references them."""
    blobs: dict[str, Blob] = {}
    for path, content in package.files.items():
        with files.receiving(store, io.BytesIO(content), None, pointer=f"/{path}") as incoming:
            blobs[path] = incoming.blob
    return blobs


def _machine_account(uow: UnitOfWork, sender: str, now: datetime) -> Account:
    """The account the peer's packages act as here, created on first use (two first packages at once: one
    creates it, the other reads it)."""
    username = MACHINE_ACCOUNT.format(province=sender)
    for _attempt in range(2):
        with uow:
            account = uow.users.account(username)
            if account is not None:
                return account
            unit = uow.units.get(sender)
            uow.users.add(username=username, password_hash="!", unit_id=sender, roles=[],
                          display_name=f"Liên thông — {unit.name if unit else sender}")
            try:
                uow.flush()
                uow.users.set_disabled(username, now)  # it never signs in: it acts only through verified packages
                uow.commit()
            except ConflictError:  # created by another package meanwhile
                continue
    with uow:
        account = uow.users.account(username)
    assert account is not None
    return account


def _moment(value: Any, pointer: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationFailedError("a time in the package is not usable", [FieldError(
            pointer, "must be an RFC 3339 time with its offset")], code="package_malformed")
    return moment


def _filename(name: str | None, blob: Blob) -> str:
    return clean_filename(name or f"tep-{blob.digest[:12]}", blob.media_type)


def _document_name(documents: list[dict[str, Any]], document: Any) -> str:
    if isinstance(document, int) and 0 <= document < len(documents):
        return str(documents[document]["name"]["vi"])
    return "Thành phần hồ sơ"

