"""The citizen's look-up by dossier code and the secret printed on the receipt, and the check both the
look-up and the rating make. Returns the procedure, status, times, a timeline of stages, the rating's
level, the financial-obligation notice (its number, amounts, total and deadline: only the fields the
procedure's manifest names), while it waits for a supplement what to bring and by when, and whether a signed
electronic result exists; never a name, ID number, phone, address, the supplementation's reasons, the rating's
comment, nor any file of the dossier's components. Stages and levels are codes: the API and pages word them.

Before reception there is no code yet: a submission is looked up by the portal's reference
(`look_up_submission`), with as little: where it waits, what the counter decided, what to bring.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.domain.dossier import Dossier, EventKind, HistoryEvent
from engine.domain.dossier_code import typed_secret
from engine.domain.errors import NotFoundError
from engine.domain.exchange import ExchangeRole
from engine.domain.lookup_lock import check_not_locked
from engine.domain.notice import MissingItem
from engine.domain.ports import UnitOfWork
from engine.domain.rating import SatisfactionLevel, can_rate
from engine.domain.status import DossierStatus
from engine.domain.step_outputs import FinancialNotice, financial_notice
from engine.domain.submission import MAX_REFERENCE, IntakeStage
from engine.services.catalogue import Catalogue


@dataclass(frozen=True)
class Stage:
    """One stage of the citizen's timeline, in codes that the API and the pages put in words
    (api/pages/citizen_words.py): `kind` is the history event's (`guided` and `resubmitted` before reception);
    `detail` the kind of pause, extension or notice, the channel it was handed in by, the status reached or the
    rating's level; `name` a completed step's name or the unit the dossier was handed over to."""

    at: datetime
    kind: str
    unit_name: str | None
    detail: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class PublicSupplement:
    """The open supplementation request as the applicant needs it: what to bring (each item's name, form and
    copies; never the reasons, which may name people), when it was asked, and `reply_by`, the end of the days
    the procedure gives to bring it, after which handling stops (the supplement-expiry job runs then; None when
    the procedure sets no limit)."""

    issued_at: datetime
    items: list[MissingItem]
    reply_by: datetime | None


@dataclass(frozen=True)
class PublicDossier:
    code: str
    procedure_code: str
    procedure_name: str
    status: DossierStatus
    received_at: datetime
    due_at: datetime
    returned_at: datetime | None
    timeline: list[Stage]
    can_rate: bool
    rating: SatisfactionLevel | None
    """Only the level: the comment may name people."""
    financial_notice: FinancialNotice | None = None
    """The notice the citizen pays by, once the step that records it is completed."""
    has_result: bool = False
    """A signed electronic result was issued (downloaded with the code and secret once returned)."""
    supplement: PublicSupplement | None = None
    """While the dossier waits for the applicant's supplement: what to bring and by when."""
    clock_stopped: bool = False
    """The clock is stopped while the applicant supplements or pays: `due_at`, the appointment in force, moves
    later by the office hours they take once the clock restarts."""
    handled_in: HandledElsewhere | None = None
    """Received here, handled by a unit of another province (engine/domain/exchange.py): which, and where."""


@dataclass(frozen=True)
class HandledElsewhere:
    """The unit of another province that handles a dossier received here, by name (public facts)."""

    unit_name: str
    province_name: str


@dataclass(frozen=True)
class PublicGuidance:
    issued_at: datetime
    items: list[str]
    """The names of the components to bring; not the reasons, which may name people."""


@dataclass(frozen=True)
class PublicSubmission:
    """A submission as anyone with its reference sees it: nothing personal, no look-up secret."""

    reference: str
    procedure_code: str
    procedure_name: str
    centre_name: str
    stage: IntakeStage
    status: DossierStatus
    """1 submitted until the counter decides: 2 received or 3 refused."""
    submitted_at: datetime
    resubmitted_at: datetime | None
    guidance: PublicGuidance | None
    decided_at: datetime | None
    dossier_code: str | None
    """Once received; its secret is on the receipt only."""


MAX_CODE = 48
"""The longest dossier code (the column's width): a longer one matches nothing and is not counted."""


def citizen_dossier(uow: UnitOfWork, code: str, secret: str, now: datetime) -> Dossier:
    """The dossier the receipt's code and secret open, inside the caller's unit of work (run it inside
    `counting_failures`); LookupLockedError while the code is locked."""
    check_not_locked(uow.lookup_failures.get(code), now)
    dossier: Dossier | None = uow.dossiers.get(code)
    # One answer for an unknown code and a wrong secret, so codes cannot be probed. A dossier handled here for
    # another province is that province's to show: its citizen looks it up where it was received.
    if (dossier is None or _handled_for_another_province(dossier)
            or not hmac.compare_digest(dossier.secret.encode(), typed_secret(secret).encode())):
        raise NotFoundError("no dossier matches this code and secret", code="lookup_no_match")
    return dossier


def _handled_for_another_province(dossier: Dossier) -> bool:
    return dossier.exchange is not None and dossier.exchange.role == ExchangeRole.HANDLER


@contextmanager
def counting_failures(uow: UnitOfWork, code: str, now: datetime) -> Iterator[None]:
    """Around a look-up's unit of work: a wrong secret is counted against the code in a transaction of its
    own, once the look-up's is rolled back."""
    try:
        yield
    except NotFoundError:
        if len(code) <= MAX_CODE:
            with uow:
                uow.lookup_failures.count_failure(code, now)
                uow.commit()
        raise


def look_up(uow: UnitOfWork, *, catalogue: Catalogue, code: str, secret: str,
            clock: Callable[[], datetime]) -> PublicDossier:
    now = clock()
    with counting_failures(uow, code, now), uow:
        dossier = citizen_dossier(uow, code, secret, now)
        assert dossier.id is not None
        procedure = catalogue.version(uow.procedures, dossier.procedure_version_id)
        names: dict[str, str | None] = {}

        def unit_name(unit_id: str | None) -> str | None:
            if unit_id and unit_id not in names:
                unit = uow.units.get(unit_id)
                names[unit_id] = unit.name if unit else None
            return names.get(unit_id) if unit_id else None

        timeline = _timeline(uow.history.of_dossier(dossier.id), unit_name)
        rating = uow.ratings.get_for_dossier(dossier.id)
        # Only procedures with a notice read the steps (the manifest names the step and its fields).
        notice = (financial_notice(procedure.manifest, uow.tasks.of_dossier(dossier.id), procedure.forms)
                  if procedure.manifest.get("financial_notice") else None)
        pending = dossier.pending_supplement
        supplement = PublicSupplement(pending.issued_at, list(pending.items), pending.reply_by) if pending else None
        # `due_at` is the appointment in force; `deadline_at`, which an apology leaves where it was, is for timeliness.
        return PublicDossier(dossier.code, procedure.code, procedure.name_vi, dossier.status, dossier.received_at,
                             dossier.due_at, dossier.returned_at, timeline, can_rate(dossier.status, rating),
                             rating.level if rating else None, notice, dossier.result_file_id is not None,
                             supplement, dossier.paused_at is not None, _handled_in(dossier, unit_name))


def _handled_in(dossier: Dossier, unit_name: Callable[[str | None], str | None]) -> HandledElsewhere | None:
    if dossier.exchange is None or dossier.exchange.role != ExchangeRole.SENDER:
        return None
    return HandledElsewhere(unit_name(dossier.competent_unit_id) or dossier.competent_unit_id,
                            unit_name(dossier.exchange.peer) or dossier.exchange.peer)


def look_up_submission(uow: UnitOfWork, *, catalogue: Catalogue, reference: str) -> PublicSubmission:
    """A submission by the reference the portal gave the applicant (the citizen's page before reception):
    its stage and national status, where it waits, the guidance's list of what to bring, and once received
    the dossier's code. NotFoundError for an unknown reference.

    No secret guards it, so it carries nothing personal: no applicant, application, reasons or secret."""
    with uow:
        submission = uow.submissions.by_reference(reference) if len(reference) <= MAX_REFERENCE else None
        if submission is None:
            raise NotFoundError("no submission has this reference", code="submission_not_found")
        procedure = catalogue.latest(uow.procedures, submission.procedure_code)
        centre = uow.units.get(submission.centre_id)
        guidance = submission.guidance
        return PublicSubmission(
            submission.reference, procedure.code, procedure.name_vi, centre.name if centre else submission.centre_id,
            submission.stage, submission.status, submission.submitted_at, submission.resubmitted_at,
            PublicGuidance(guidance.issued_at, [item.name for item in guidance.items]) if guidance else None,
            submission.decided_at, submission.dossier_code)


# Stages told by the kind of event and its reason or notice kind (never by its text, which may name people); the
# internal bookkeeping of `_HIDDEN` shows only with one of these details.
_DETAILED = {
    (EventKind.CLOCK_PAUSED, "financial_obligation"), (EventKind.CLOCK_PAUSED, "supplementation"),
    (EventKind.CLOCK_RESUMED, "financial_obligation"), (EventKind.DEADLINE_EXTENDED, "verification"),
    (EventKind.DEADLINE_EXTENDED, "apology"), (EventKind.NOTICE_ISSUED, "supplement_request"),
    (EventKind.NOTICE_ISSUED, "refusal"), (EventKind.NOTICE_ISSUED, "stop"), (EventKind.NOTICE_ISSUED, "withdrawal"),
    (EventKind.NOTICE_ISSUED, "apology"),
}
_HIDDEN = {EventKind.NEAR_DUE, EventKind.OVERDUE, EventKind.CLOCK_RESUMED, EventKind.TIMER_FIRED,
           EventKind.FILE_ATTACHED, EventKind.MIGRATED, EventKind.RECEIVED_FROM_PROVINCE}
# Of the packages the other province sent back, the citizen sees its acceptance (where handling begins); what the
# others bring (a supplement asked, the result, a stop) shows as the status or notice it leads to.
_SHOWN_PACKAGES = {(EventKind.RECEIVED_FROM_PROVINCE, "accepted")}
# A dossier that waited in the intake queue: when it was guided and completed before reception.
_BEFORE_RECEPTION = (("guided_at", "guided"), ("resubmitted_at", "resubmitted"))


def _timeline(events: list[HistoryEvent], unit_name: Any) -> list[Stage]:
    stages: list[Stage] = []
    for event in events:
        if event.kind == EventKind.SUBMITTED:
            stages += _submitted(event, unit_name)
        elif (event.kind not in _HIDDEN or (event.kind, event.data.get("reason")) in _DETAILED
              or (event.kind, event.data.get("package")) in _SHOWN_PACKAGES):
            stages.append(_stage(event, unit_name))
    return stages


def _submitted(event: HistoryEvent, unit_name: Any) -> list[Stage]:
    """One event holds the submission's time and channel and, in its data, when it was guided and completed."""
    unit = unit_name(event.unit_id)
    stages = [Stage(event.at, event.kind.value, unit, event.data.get("channel"))]
    return stages + [Stage(datetime.fromisoformat(event.data[key]), kind, unit)
                     for key, kind in _BEFORE_RECEPTION if key in event.data]


def _stage(event: HistoryEvent, unit_name: Any) -> Stage:
    data = event.data
    detail, name = data.get("reason", data.get("notice")), None
    if event.kind == EventKind.TASK_COMPLETED:
        name = str(data.get("name", data.get("step", "")))
    elif event.kind == EventKind.RATED:
        detail = str(data["level"])
    elif event.kind == EventKind.HANDED_OVER:
        name = unit_name(data.get("to_unit")) or data.get("to_unit")
    elif event.kind in (EventKind.SENT_TO_PROVINCE, EventKind.RECEIVED_FROM_PROVINCE):
        detail, name = str(data.get("package")), unit_name(data.get("province")) or data.get("province")
    elif (event.kind, detail) not in _DETAILED and "status" in data:
        detail = str(data["status"])
    return Stage(event.at, event.kind.value, unit_name(event.unit_id), detail, name)
