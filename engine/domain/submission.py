"""A submission (hồ sơ chờ tiếp nhận): a dossier handed in but not yet received.

Online dossiers arrive from the national portal as submissions (status 1 `submitted`) and wait in the
centre's intake queue; the counter checks each one and decides once (DOMAIN.md §2.2, step 1):

- accept: it is received, and becomes a dossier with a code, a lookup secret, a receipt (Mẫu 01), a
  register line and a running clock (engine/services/intake.py hands it to engine/services/dossiers.py);
- guide to complete (Mẫu 02): one written, complete list of what is missing; it stays unreceived, and the
  applicant's resubmission continues the same submission, back in the queue;
- refuse reception (Mẫu 03, status 3 `refused`): never received, no code from the received sequence.

At the counter the same decisions are taken on a dossier handed in in person, recorded as a submission
decided at once (guided or refused); an accepted one is simply received. The submission keeps the time it
was handed in (NgayNopHoSo), the dossier the time it was received (NgayTiepNhan).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from engine.domain import json_codec
from engine.domain.contact import Contact
from engine.domain.dossier import Channel, ReturnMethod
from engine.domain.errors import ConflictError, FieldError, ValidationFailedError
from engine.domain.files import Component
from engine.domain.lifecycle import Action, next_status
from engine.domain.notice import MissingItem, Notice, NoticeKind
from engine.domain.status import DossierStatus

MAX_REFERENCE = 64  # the column's width


class IntakeStage(StrEnum):
    WAITING = "waiting"    # in the centre's intake queue, waiting for a decision
    GUIDED = "guided"      # guided to complete (Mẫu 02): waiting for the applicant to resubmit
    ACCEPTED = "accepted"  # received: a dossier exists with its code
    REFUSED = "refused"    # reception refused (Mẫu 03): never received


@dataclass
class Submission:
    reference: str
    """The sender's own id of the submission: the portal's (online), or the counter's."""
    centre_id: str
    procedure_code: str
    channel: Channel
    application: dict[str, Any]
    applicant_name: str
    components: list[Component]
    submitted_at: datetime
    submitted_by: int
    """The account that handed it in: the portal's machine client, or the counter officer."""
    request_digest: str
    """SHA-256 of what was submitted: the same reference sent again must carry the same submission."""
    return_method: ReturnMethod = ReturnMethod.COUNTER
    """How the applicant asked to get the result."""
    stage: IntakeStage = IntakeStage.WAITING
    notices: list[Notice] = field(default_factory=list)
    """Its guidance (Mẫu 02) and its refusal (Mẫu 03); reasons may name people, so never in a log."""
    resubmitted_at: datetime | None = None
    decided_at: datetime | None = None
    """When it was accepted or refused, or guided at the counter (nothing more happens to it then)."""
    decided_by: int | None = None
    dossier_code: str | None = None
    """The code of the dossier it became once accepted."""
    contact: Contact | None = None
    """Where the citizen wants notices, given with the submission (engine/domain/contact.py)."""
    id: int | None = None
    version: int = 0

    @property
    def status(self) -> DossierStatus:
        """The national status (DOMAIN.md §4.1): 1 until received (2) or refused (3)."""
        return {IntakeStage.ACCEPTED: DossierStatus.RECEIVED,
                IntakeStage.REFUSED: DossierStatus.REFUSED}.get(self.stage, DossierStatus.SUBMITTED)

    @property
    def guidance(self) -> Notice | None:
        return next((n for n in self.notices if n.kind == NoticeKind.GUIDANCE), None)

    @property
    def refusal(self) -> Notice | None:
        return next((n for n in self.notices if n.kind == NoticeKind.REFUSAL), None)

    @property
    def documents_brought(self) -> list[int]:
        """The procedure documents among the components handed in."""
        return sorted({c.document for c in self.components if c.document is not None})

    def check_acceptable(self) -> None:
        """409 unless it waits in the queue for a decision."""
        self._require_waiting(Action.ACCEPT)

    def accept(self, now: datetime, by: int, dossier_code: str) -> None:
        self._require_waiting(Action.ACCEPT)
        self.stage, self.decided_at, self.decided_by, self.dossier_code = IntakeStage.ACCEPTED, now, by, dossier_code

    def guide(self, now: datetime, by: int, unit_id: str, reasons: str, items: list[MissingItem]) -> Notice:
        """One written guidance listing every missing component (Decree 118: once and completely)."""
        self._require_waiting(Action.GUIDE)
        if self.guidance is not None:
            raise ConflictError(f"submission {self.reference} was guided once already; the guidance is "
                                "given once and completely, so accept or refuse it now", status=self.status.value,
                                code="submission_already_guided")
        if not items:
            raise ValidationFailedError("list every missing component", [FieldError("/items", "must not be empty")],
                                        code="guidance_items_missing")
        notice = self._issue(NoticeKind.GUIDANCE, now, by, unit_id, reasons, items=list(items))
        self.stage = IntakeStage.GUIDED
        if self.channel == Channel.IN_PERSON:
            # Handed in at the counter: the applicant leaves with the guidance and comes back with a new
            # hand-in, so nothing waits on this one.
            self.decided_at, self.decided_by = now, by
        return notice

    def resubmit(self, now: datetime, application: dict[str, Any], applicant_name: str,
                 components: list[Component]) -> None:
        """The applicant completed a guided submission: it is back in the queue, with what they sent now."""
        self.check_resubmittable()
        self.application, self.applicant_name, self.components = application, applicant_name, components
        self.stage, self.resubmitted_at = IntakeStage.WAITING, now

    def check_resubmittable(self) -> None:
        """409 unless it was guided online and waits for the applicant to complete it."""
        next_status(Action.RESUBMIT, self.status)
        if self.stage != IntakeStage.GUIDED or self.decided_at is not None:
            raise ConflictError(f"submission {self.reference} is {self.stage.value}; only a submission guided "
                                "to complete online is resubmitted", status=self.status.value,
                                code="submission_not_guided_online")

    def refuse(self, now: datetime, by: int, unit_id: str, reasons: str) -> Notice:
        """Refuse reception, with written reasons: the dossier is never received."""
        next_status(Action.REFUSE, self.status)
        if self.decided_at is not None:
            raise ConflictError(f"submission {self.reference} was guided at the counter: a new hand-in follows",
                                status=self.status.value, code="submission_guided_at_counter")
        notice = self._issue(NoticeKind.REFUSAL, now, by, unit_id, reasons)
        self.stage, self.decided_at, self.decided_by = IntakeStage.REFUSED, now, by
        return notice

    def _require_waiting(self, action: Action) -> None:
        next_status(action, self.status)
        if self.stage != IntakeStage.WAITING:
            raise ConflictError(f"submission {self.reference} is {self.stage.value}: it waits for the applicant "
                                "to complete it", status=self.status.value, code="submission_waits_for_applicant")

    def _issue(self, kind: NoticeKind, now: datetime, by: int, unit_id: str, reasons: str,
               **details: Any) -> Notice:
        if not reasons.strip():
            raise ValidationFailedError("write the reasons", [FieldError("/reasons", "must not be empty")],
                                        code="reasons_missing")
        notice = Notice(kind, 1, now, unit_id, by, reasons.strip(), **details)
        self.notices.append(notice)
        return notice


def missing_documents(documents: list[dict[str, Any]], brought: list[int]) -> list[MissingItem]:
    """The required documents of a procedure's list (its manifest's `documents`) not among those brought,
    as a guidance lists them."""
    return [MissingItem(document_name(d), d.get("form", "original"), int(d.get("copies", 1)))
            for i, d in enumerate(documents) if d["required"] and i not in brought]


def components_of(documents: list[dict[str, Any]], positions: list[int]) -> list[Component]:
    """The documents of a procedure's list at these positions, as components handed in (the counter's
    checklist)."""
    return [Component(document_name(documents[i]), str(documents[i].get("form", "original")),
                      int(documents[i].get("copies", 1)), i) for i in sorted(positions) if 0 <= i < len(documents)]


def check_acceptable(documents: list[dict[str, Any]], brought: list[int] | None, pointer: str) -> None:
    """A dossier is accepted only with every required document; else the applicant is guided to complete
    it (Mẫu 02). `brought` None: the sender did not say (the reception form's own check stands)."""
    if brought is not None and (missing := missing_documents(documents, brought)):
        raise ValidationFailedError(
            "a required document is missing: guide the applicant to complete the dossier instead", [
                FieldError(pointer, f"misses the required document '{item.name}'") for item in missing],
            code="required_document_missing", count=len(missing))


def document_name(document: dict[str, Any]) -> str:
    """A document of a procedure's list by its Vietnamese name, as the slips print it."""
    name = document.get("name")
    return str(name.get("vi", "")) if isinstance(name, dict) else str(name)


def submission_digest(content: dict[str, Any]) -> str:
    """SHA-256 of a submission's content as canonical JSON, whatever the order of keys and spacing."""
    return hashlib.sha256(json_codec.canonical(content)).hexdigest()


def check_reference(reference: str, pointer: str = "/reference") -> str:
    if not (1 <= len(reference) <= MAX_REFERENCE and reference.isascii() and reference.isprintable()
            and reference.strip() == reference):
        raise ValidationFailedError("the submission id is not usable", [FieldError(
            pointer, f"must be 1 to {MAX_REFERENCE} printable ASCII characters without surrounding spaces")])
    return reference
