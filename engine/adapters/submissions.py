"""Submissions waiting for, or past, the acceptance decision: the intake queue and the optimistic update.

They never commit; the unit of work does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.adapters import session_hooks
from engine.adapters.records import SubmissionRecord
from engine.domain.contact import Contact
from engine.domain.dossier import Channel, ReturnMethod
from engine.domain.errors import ConflictError
from engine.domain.files import Component
from engine.domain.notice import Notice
from engine.domain.submission import IntakeStage, Submission

INTAKE_COUNTS = ("submitted_online", "guided", "accepted", "refused", "waiting")
_FIELDS = [c.key for c in SubmissionRecord.__table__.columns if c.key not in ("id", "version", "guided_at")]


class SubmissionRepository:
    def __init__(self, session: Session):
        self._s = session
        self._decided: list[Submission] = []
        session_hooks.on(session, "after_soft_rollback", lambda _session: self._decided.clear())

    def add(self, submission: Submission) -> None:
        record = SubmissionRecord(**_values(submission), version=1)
        self._s.add(record)
        try:
            self._s.flush()
        except IntegrityError as error:
            raise ConflictError(f"submission {submission.reference} exists already") from error
        submission.id, submission.version = record.id, 1

    def get(self, submission_id: int, *, lock: bool = False) -> Submission | None:
        query = (select(SubmissionRecord).where(SubmissionRecord.id == submission_id)
                 .execution_options(populate_existing=True))
        return _loaded(self._s.scalar(query.with_for_update() if lock else query))

    def by_reference(self, reference: str) -> Submission | None:
        return _loaded(self._s.scalar(select(SubmissionRecord).where(SubmissionRecord.reference == reference)))

    def update(self, submission: Submission) -> None:
        """Write it if nobody changed it since it was read (optimistic lock on `version`)."""
        result: CursorResult[Any] = self._s.execute(  # type: ignore[assignment]
            update(SubmissionRecord)
            .where(SubmissionRecord.id == submission.id, SubmissionRecord.version == submission.version)
            .values(**_values(submission), version=submission.version + 1)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise ConflictError(f"submission {submission.reference} was decided or changed by someone else; "
                                "reload it", code="submission_changed_meanwhile")
        submission.version += 1
        if submission.decided_at is not None:
            self._decided.append(submission)

    def take_decided(self) -> list[Submission]:
        """The submissions this unit of work decided since the last call (the outbox's input at commit)."""
        decided, self._decided = self._decided, []
        return decided

    def queue(self, *, centre_ids: Sequence[str], stages: Sequence[IntakeStage], limit: int,
              offset: int) -> tuple[list[Submission], int]:
        """The centres' submissions at these stages, longest waiting first (since it was handed in, or
        resubmitted after a guidance), with the total count."""
        r = SubmissionRecord
        final = (r.stage.in_([IntakeStage.ACCEPTED.value, IntakeStage.REFUSED.value]))
        # A guided one waits for the applicant unless it was guided at the counter (then it is decided).
        query = select(r).where(r.centre_id.in_(centre_ids), r.stage.in_([s.value for s in stages]),
                                final | r.decided_at.is_(None))
        total = self._s.scalar(select(func.count()).select_from(query.subquery())) or 0
        waiting_since = func.coalesce(SubmissionRecord.resubmitted_at, SubmissionRecord.submitted_at)
        page = self._s.scalars(query.order_by(waiting_since, SubmissionRecord.id)
                               .limit(limit).offset(offset))
        return [_from_record(r) for r in page], total

    def intake_counts(self, centre_ids: Sequence[str], start: datetime, end: datetime,
                      procedure_code: str | None = None) -> dict[str, dict[str, int]]:
        """Per centre, the intake side of a period's figures (engine/domain/figures.py's INTAKE): handed in
        online during [start, end), guided, accepted and refused in it, and waiting for the counter's
        decision at `end` (handed in, or resubmitted after a guidance, and not decided by then; a guided one
        waits for the applicant, not for the counter). Accepted ones are counted as received by the dossiers'
        figures; refused ones never are. For a period not ended yet, what waits at `end` is what waits now."""
        r = SubmissionRecord

        def within(column: Any) -> Any:
            return (column >= start) & (column < end)

        decided = within(r.decided_at)
        undecided_at_end = (r.submitted_at < end) & (r.decided_at.is_(None) | (r.decided_at >= end))
        queued_at_end = undecided_at_end & (r.guided_at.is_(None) | (r.guided_at >= end)
                                            | (r.resubmitted_at.is_not(None) & (r.resubmitted_at < end)))
        # Every row a count takes was handed in before `end` and not decided before `start` (a guidance or a
        # decision comes after the hand-in): two ranges of ix_submissions_decided, so that the years of
        # submissions decided before the period are never read.
        scope = [r.centre_id.in_(centre_ids), r.submitted_at < end, r.decided_at.is_(None) | (r.decided_at >= start)]
        if procedure_code is not None:
            scope.append(r.procedure_code == procedure_code)
        rows = self._s.execute(
            select(r.centre_id,
                   func.count().filter(within(r.submitted_at) & (r.channel == Channel.ONLINE.value))
                   .label("submitted_online"),
                   func.count().filter(within(r.guided_at)).label("guided"),
                   func.count().filter(decided & (r.stage == IntakeStage.ACCEPTED.value)).label("accepted"),
                   func.count().filter(decided & (r.stage == IntakeStage.REFUSED.value)).label("refused"),
                   func.count().filter(queued_at_end).label("waiting"))
            .where(*scope).group_by(r.centre_id))
        return {row.centre_id: {k: int(getattr(row, k)) for k in INTAKE_COUNTS} for row in rows}


def _loaded(record: SubmissionRecord | None) -> Submission | None:
    return None if record is None else _from_record(record)


def _values(s: Submission) -> dict[str, object]:
    values = {key: getattr(s, key) for key in _FIELDS}
    values["channel"], values["stage"], values["return_method"] = s.channel.value, s.stage.value, s.return_method.value
    values["components"] = [c.to_json() for c in s.components]
    values["notices"] = [n.to_json() for n in s.notices]
    values["guided_at"] = s.guidance.issued_at if s.guidance else None  # kept apart for the figures
    values["contact"] = s.contact.to_json() if s.contact else None
    return values


def _from_record(r: SubmissionRecord) -> Submission:
    values = {key: getattr(r, key) for key in _FIELDS}
    values["channel"], values["stage"] = Channel(r.channel), IntakeStage(r.stage)
    values["return_method"] = ReturnMethod(r.return_method)
    values["components"] = [Component(**c) for c in r.components]
    values["notices"] = [Notice.from_json(n) for n in r.notices]
    values["contact"] = Contact.from_json(r.contact)
    return Submission(**values, id=r.id, version=r.version)
