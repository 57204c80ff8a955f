"""What each printed slip of a dossier says (Mẫu 01–06), and of a submission that was never received (Mẫu 02
guidance, Mẫu 03 refusal of reception): gathered from the database into one plain `Slip` or `SubmissionSlip`,
for a template to lay out. Only officers of a unit the dossier involves, or who may read the submission, may
print its slips; slips carry personal data, so nothing here logs.

No templates and no rendering here (engine/adapters/printing.py does that).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from engine.domain.actor import Actor
from engine.domain.calendar import VN_TZ, WorkingCalendar
from engine.domain.dossier import Dossier, EventKind
from engine.domain.errors import FieldError, NotFoundError, ValidationFailedError
from engine.domain.exchange import ExchangeRole
from engine.domain.notice import Notice, NoticeKind
from engine.domain.ports import UnitOfWork
from engine.domain.slip import (
    DOCUMENT_FORM_LABELS,
    FORMS,
    SUBMISSION_SLIPS,
    Applicant,
    Issuer,
    Signature,
    SlipForm,
    SlipKind,
    StopGround,
    applicant,
    centre_name,
    issuer,
    signature,
    stop_ground,
)
from engine.domain.submission import Submission
from engine.domain.timeliness import of_dossier
from engine.domain.unit import Unit
from engine.services import intake
from engine.services.access import readable_dossier
from engine.services.catalogue import Catalogue
from engine.services.control_sheets import HandOver, hand_overs, result_label

# A dossier's refusal slip is for dossiers refused before issue 19, when a received dossier could still be
# refused; a refusal of reception now belongs to a submission, which never became a dossier.
DOSSIER_SLIPS = tuple(kind for kind in SlipKind if kind not in (SlipKind.REGISTER, SlipKind.GUIDANCE))

_MISSING = {
    NoticeKind.SUPPLEMENT_REQUEST: "no supplementation was requested for dossier {code}",
    NoticeKind.REFUSAL: "dossier {code} was not refused",
    NoticeKind.APOLOGY: "no apology with a new appointment was issued for dossier {code}",
    NoticeKind.STOP: "the handling of dossier {code} was not stopped, nor withdrawn",
}


@dataclass(frozen=True)
class DocumentRow:
    """A row of a slip's document table: the receipt's components, or an item to supplement."""

    name: str
    form: str
    form_label: str
    copies: int | None
    note: str = ""


@dataclass(frozen=True)
class Slip:
    kind: SlipKind
    form: SlipForm
    number: str | None
    """Số: … of the slip, e.g. 125/TNHS (the dossier's place in its centre's register book, then the suffix)."""
    issuer: Issuer
    issued_at: datetime
    dossier: Dossier
    procedure_name: str
    time_limit: str
    applicant: Applicant
    officer: str | None
    """The officer who received the dossier or wrote the notice (who signs is `signature`)."""
    signature: Signature
    """The signature block: the counter officer for a centre's slip, the head of the unit for its letter."""
    units: dict[str, str]
    """Names as slips print them: `receiving`, `competent`, `returning` (unit names), `receiving_centre`,
    `returning_centre` (their one-stop centres), `competent_body` (who handles it, as a sentence names it),
    `co_handling` (the other units its lanes route to, comma-separated) and, with a notice, `noticed_by` (the
    unit that wrote it, as a sentence names it)."""
    register_book: int
    register_ordinal: int
    appointment: datetime
    """The appointment the receipt gave (before any apology moved it)."""
    notice: Notice | None = None
    documents: list[DocumentRow] = field(default_factory=list)
    hand_overs: list[HandOver] = field(default_factory=list)
    timeliness: str | None = None
    issuing_unit: tuple[str, str] = ("", "")
    """The id and name of the unit that issues it: whose key signs its PDF when asked for a signed one."""
    stop_ground: StopGround | None = None
    """Mẫu 05: why handling stopped (the applicant's request, no supplement in time, ineligible)."""


def gather(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, calendar: WorkingCalendar,
           clock: Callable[[], datetime], code: str, kind: SlipKind, number: int | None = None) -> Slip:
    """The content of slip `kind` of dossier `code`, as of now.

    Args:
        uow: a unit of work with the print queries (`uow.printing`).
        actor: the officer printing; must work at a unit the dossier involves.
        catalogue: the procedure catalogue.
        calendar: the working calendar (for timeliness).
        clock: the current time.
        code: the dossier code.
        kind: which slip (any but the register, which belongs to a centre).
        number: which notice of the kind (the supplementation round); the latest when None.

    Raises:
        NotFoundError: unknown dossier, or the dossier never received the notice the slip prints.
        ForbiddenError: the actor's unit has nothing to do with the dossier.
    """
    form = FORMS[kind]
    with uow:
        dossier = readable_dossier(uow, actor, code)
        if kind == SlipKind.RECEIPT and dossier.exchange is not None and dossier.exchange.role == ExchangeRole.HANDLER:
            # Handled here for another province: its receipt, with the look-up secret the citizen holds, is the
            # receiving province's (this side's secret was never given to anyone).
            raise NotFoundError(f"dossier {code} was received in province {dossier.exchange.peer}, which printed "
                                "its receipt", code="receipt_elsewhere", dossier=code)
        notice = _notice(dossier, form.notice, number) if form.notice else None
        slip = _compose(uow, catalogue, dossier, kind, notice, clock())
        if kind == SlipKind.CONTROL_SHEET:
            return _with_control_rows(uow, slip, calendar)
        return slip


MAX_BATCH = 50
"""Receipts printed at once (a morning's queue), so one request cannot render a whole register's worth."""


def gather_receipts(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, calendar: WorkingCalendar,
                    clock: Callable[[], datetime], codes: list[str]) -> list[Slip]:
    """The receipts (Mẫu 01) of several dossiers, in the order given, to print together; each is gathered as
    `gather` does, so a dossier the officer may not read refuses the whole batch (nothing is printed)."""
    wanted = list(dict.fromkeys(codes))
    if not wanted or len(wanted) > MAX_BATCH:
        raise ValidationFailedError(f"choose between 1 and {MAX_BATCH} dossiers",
                                    [FieldError("/code", f"must name 1 to {MAX_BATCH} dossiers")])
    return [gather(uow, actor=actor, catalogue=catalogue, calendar=calendar, clock=clock, code=code,
                   kind=SlipKind.RECEIPT) for code in wanted]


@dataclass(frozen=True)
class SubmissionSlip:
    """A slip of a submission that was not received: the guidance to complete it (Mẫu 02) or the refusal of
    reception (Mẫu 03). There is no dossier, so no dossier code, receipt number or reception time to print;
    the submission time (NgayNopHoSo) is what it was handed in at."""

    kind: SlipKind
    form: SlipForm
    number: str | None
    """Left blank to write in (……/HDHS): a submission has no place in the centre's register."""
    issuer: Issuer
    issued_at: datetime
    submission: Submission
    procedure_name: str
    applicant: Applicant
    officer: str | None
    """The officer who guided or refused it, who signs."""
    signature: Signature
    notice: Notice
    documents: list[DocumentRow] = field(default_factory=list)
    """What to bring (guidance): name, form and copies of each item."""


def gather_submission(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, submission_id: int,
                      kind: SlipKind) -> SubmissionSlip:
    """The content of slip `kind` (guidance or refusal) of a submission, for an officer who may read it
    (engine/services/intake.py's rule: its centre's counter, the province's supervisors).

    Raises:
        NotFoundError: unknown submission, a kind a submission has no slip of, or a notice it never received.
        ForbiddenError: the actor may not read the submission.
    """
    if kind not in SUBMISSION_SLIPS:
        raise NotFoundError(f"there is no slip '{kind}' of a submission; its slips are: "
                            f"{', '.join(SUBMISSION_SLIPS)}")
    submission = intake.get(uow, actor=actor, submission_id=submission_id)
    notice = submission.guidance if kind == SlipKind.GUIDANCE else submission.refusal
    if notice is None:
        raise NotFoundError(f"submission {submission_id} was not "
                            f"{'guided to complete' if kind == SlipKind.GUIDANCE else 'refused reception'}")
    form = FORMS[kind]
    with uow:
        units = _Units(uow)
        centre = units.get(submission.centre_id)
        if centre is None:
            raise NotFoundError(f"unit {submission.centre_id} does not exist")
        procedure = catalogue.latest(uow.procedures, submission.procedure_code)
        officer = uow.printing.display_names([notice.officer_id]).get(notice.officer_id) if notice.officer_id else None
        return SubmissionSlip(
            kind=kind, form=form, number=_number(form, None, notice), issuer=units.issuer(_Issuing(centre, True)),
            issued_at=notice.issued_at, submission=submission, procedure_name=procedure.name_vi,
            applicant=applicant(submission.applicant_name, submission.application, units.name_or_none),
            officer=officer, signature=signature(kind, centre, as_centre=True, officer=officer, officer_role=None),
            notice=notice, documents=_documents(procedure.manifest, notice))


def _compose(uow: UnitOfWork, catalogue: Catalogue, dossier: Dossier, kind: SlipKind, notice: Notice | None,
             now: datetime) -> Slip:
    form, units = FORMS[kind], _Units(uow)
    procedure = catalogue.version(uow.procedures, dossier.procedure_version_id)
    book, ordinal = _register_place(uow, dossier)
    issuing = units.issuing(dossier.receiving_unit_id if form.by_centre or notice is None else notice.unit_id,
                            form.by_centre, dossier)
    own_number = ordinal if issuing.id == dossier.receiving_unit_id else None
    officer_id = notice.officer_id if notice else (dossier.received_by if kind == SlipKind.RECEIPT else None)
    issued_at = notice.issued_at if notice else (dossier.received_at if kind == SlipKind.RECEIPT else now)
    officer = uow.printing.display_names([officer_id]).get(officer_id) if officer_id else None
    # A centre's slip of a notice another unit wrote is signed by the centre's officer, not by its writer.
    signer = None if notice is not None and notice.unit_id != issuing.id else officer
    return Slip(
        kind=kind, form=form, number=_number(form, own_number, notice), issuer=units.issuer(issuing),
        issued_at=issued_at, dossier=dossier, procedure_name=procedure.name_vi,
        time_limit=str(procedure.manifest["time_limit"].get("description", {}).get("vi", "")),
        applicant=applicant(dossier.applicant_name, dossier.application, units.name_or_none),
        officer=officer, signature=units.signature(kind, issuing, signer, notice),
        units=units.of_dossier(dossier) | ({"noticed_by": units.title(notice.unit_id)} if notice else {}),
        register_book=book, register_ordinal=ordinal,
        appointment=_appointment(uow, dossier), notice=notice, documents=_documents(procedure.manifest, notice),
        issuing_unit=(issuing.id, issuing.unit.name),
        stop_ground=stop_ground(notice) if notice and kind == SlipKind.STOP_NOTICE else None)


def _notice(dossier: Dossier, kind: NoticeKind, number: int | None) -> Notice:
    notices = dossier.notices_of(kind)
    if kind == NoticeKind.STOP and not notices:
        notices = dossier.notices_of(NoticeKind.WITHDRAWAL)  # Mẫu 05 also answers the applicant's request
    if not notices:
        raise NotFoundError(_MISSING[kind].format(code=dossier.code))
    if number is None:
        return max(notices, key=lambda n: n.number)
    found = next((n for n in notices if n.number == number), None)
    if found is None:
        raise NotFoundError(f"dossier {dossier.code} has no {kind.value.replace('_', ' ')} number {number} "
                            f"(it has {len(notices)})")
    return found


def _register_place(uow: UnitOfWork, dossier: Dossier) -> tuple[int, int]:
    """The centre's register book (one per calendar year) and the dossier's ordinal in it."""
    year = dossier.received_at.astimezone(VN_TZ).year
    opened = datetime(year, 1, 1, tzinfo=VN_TZ)
    return year, uow.printing.ordinal(dossier, opened)


def _number(form: SlipForm, ordinal: int | None, notice: Notice | None) -> str | None:
    """The receiving centre numbers its slips by the dossier's place in its register (and the round of a
    supplementation request). Another unit's letter takes a number from that unit's own register of
    outgoing documents, which the engine does not keep: the number is left blank to write in."""
    if form.suffix is None:
        return None
    if ordinal is None:
        return f"……/{form.suffix}"
    if notice is not None and notice.kind == NoticeKind.SUPPLEMENT_REQUEST:
        return f"{ordinal}-{notice.number}/{form.suffix}"
    return f"{ordinal}/{form.suffix}"


def _appointment(uow: UnitOfWork, dossier: Dossier) -> datetime:
    """The appointment written on the receipt: the due time recorded when the dossier was received."""
    assert dossier.id is not None
    received = next((e for e in uow.history.of_dossier(dossier.id) if e.kind == EventKind.RECEIVED), None)
    if received is not None and received.data.get("due_at"):
        return datetime.fromisoformat(received.data["due_at"])
    return dossier.due_at


def _documents(manifest: dict[str, Any], notice: Notice | None) -> list[DocumentRow]:
    """The items a supplementation notice asks for; otherwise the procedure's dossier components, where an
    optional one has its count left blank for the officer to fill in."""
    if notice is not None:
        return [DocumentRow(i.name, i.form, DOCUMENT_FORM_LABELS.get(i.form, i.form), i.copies) for i in notice.items]
    rows = []
    for document in manifest.get("documents", []):
        form = str(document.get("form", "original"))
        note = str(document.get("note", {}).get("vi", ""))
        rows.append(DocumentRow(str(document["name"]["vi"]), form, DOCUMENT_FORM_LABELS.get(form, form),
                                int(document["copies"]) if document.get("required") else None,
                                note if document.get("required") else (note or "Nếu có")))
    return rows


def _with_control_rows(uow: UnitOfWork, slip: Slip, calendar: WorkingCalendar) -> Slip:
    """The control sheet adds its hand-over rows and the dossier's timeliness as of printing."""
    dossier, now = slip.dossier, slip.issued_at
    assert dossier.id is not None
    tasks, history = uow.tasks.of_dossier(dossier.id), uow.history.of_dossier(dossier.id)
    names = uow.printing.display_names([t.completed_by for t in tasks] + [e.actor_id for e in history])
    rows = hand_overs(dossier, tasks, history, unit_name=_Units(uow).name,
                      officer=lambda i: names.get(i) if i else None, now=now, calendar=calendar)
    return replace(slip, hand_overs=rows, timeliness=result_label(of_dossier(dossier, now, calendar)),
                   documents=[])


@dataclass(frozen=True)
class _Issuing:
    unit: Unit
    as_centre: bool

    @property
    def id(self) -> str:
        return self.unit.id


class _Units:
    """Unit names and issuers, each unit read once per slip."""

    def __init__(self, uow: UnitOfWork):
        self._uow = uow
        self._cache: dict[str, Unit | None] = {}

    def get(self, unit_id: str) -> Unit | None:
        if unit_id not in self._cache:
            self._cache[unit_id] = self._uow.units.get(unit_id)
        return self._cache[unit_id]

    def name_or_none(self, unit_id: str) -> str | None:
        unit = self.get(unit_id)
        return unit.name if unit else None

    def name(self, unit_id: str) -> str:
        return self.name_or_none(unit_id) or unit_id

    def issuing(self, unit_id: str, by_centre: bool, dossier: Dossier) -> _Issuing:
        """The unit that issues the slip: a centre's form (receipt, supplementation request) goes out from the
        dossier's receiving centre, which informs the applicant of what the handling unit asked (Decree 118);
        a unit's own letter (apology, stop notice) from that unit, on its own letterhead: an agency (police,
        social insurance) prints its parent body and its name, never the receiving centre's."""
        unit = self.get(unit_id)
        if unit is None:
            raise NotFoundError(f"unit {unit_id} does not exist")
        return _Issuing(unit, as_centre=by_centre and unit.has_centre)

    def signature(self, kind: SlipKind, issuing: _Issuing, officer: str | None, notice: Notice | None) -> Signature:
        unit = issuing.unit
        return signature(kind, unit, as_centre=issuing.as_centre, officer=officer,
                         officer_role=notice.officer_role if notice else None,
                         deputy=notice.officer_deputy if notice else False,
                         parent=self.get(unit.parent_id) if unit.parent_id else None)

    def issuer(self, issuing: _Issuing) -> Issuer:
        unit = issuing.unit
        parent = self.get(unit.parent_id) if unit.parent_id else None
        province = self.get(unit.province_id) if unit.province_id else None
        return issuer(unit, as_centre=issuing.as_centre, parent=parent, province=province)

    def title(self, unit_id: str) -> str:
        """The unit as a sentence names it ("Ủy ban nhân dân phường Vỹ Dạ", "Công an phường Vỹ Dạ")."""
        unit = self.get(unit_id)
        return self.issuer(_Issuing(unit, False)).title if unit else unit_id

    def of_dossier(self, dossier: Dossier) -> dict[str, str]:
        own = {"receiving": dossier.receiving_unit_id, "competent": dossier.competent_unit_id,
               "returning": dossier.return_unit_id}
        names = {role: self.name(unit_id) for role, unit_id in own.items()}
        for role in ("receiving", "returning"):
            unit = self.get(own[role])
            names[f"{role}_centre"] = centre_name(unit) if unit else names[role]
        names["competent_body"] = self.title(dossier.competent_unit_id)
        others = sorted(set(dossier.routes.values()) - set(own.values()))
        names["co_handling"] = ", ".join(self.name(unit_id) for unit_id in others)
        return names
