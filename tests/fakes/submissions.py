"""A fake repository of submissions (engine/adapters/submissions.py): the intake queue, the reference unique,
the optimistic version check, and the intake side of a period's figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engine.domain.dossier import Channel
from engine.domain.errors import ConflictError
from engine.domain.submission import IntakeStage, Submission
from tests.fakes.store import Database, as_stored

COUNTS = ("submitted_online", "guided", "accepted", "refused", "waiting")  # as engine/adapters/submissions.py


class FakeSubmissionRepository:
    def __init__(self, db: Database):
        self._db = db

    def add(self, submission: Submission) -> None:
        if self.by_reference(submission.reference) is not None:
            raise ConflictError(f"submission {submission.reference} exists already")
        submission.id, submission.version = self._db.next_id("submissions"), 1
        self._db.tables.submissions[submission.id] = as_stored(submission)

    def get(self, submission_id: int, *, lock: bool = False) -> Submission | None:
        stored = self._db.tables.submissions.get(submission_id)
        return as_stored(stored) if stored else None

    def by_reference(self, reference: str) -> Submission | None:
        return next((as_stored(s) for s in self._db.tables.submissions.values() if s.reference == reference), None)

    def update(self, submission: Submission) -> None:
        """Write it if nobody changed it since it was read, as the SQL update's version check."""
        stored = self._db.tables.submissions.get(submission.id or 0)
        if stored is None or stored.version != submission.version:
            raise ConflictError(f"submission {submission.reference} was decided or changed by someone else; "
                                "reload it")
        submission.version += 1
        self._db.tables.submissions[submission.id or 0] = as_stored(submission)

    def queue(self, *, centre_ids: Sequence[str], stages: Sequence[IntakeStage], limit: int,
              offset: int) -> tuple[list[Submission], int]:
        final = (IntakeStage.ACCEPTED, IntakeStage.REFUSED)  # else still waiting, unless guided at the counter
        found = sorted((s for s in self._db.tables.submissions.values() if s.centre_id in centre_ids
                        and s.stage in stages and (s.stage in final or s.decided_at is None)),
                       key=lambda s: (s.resubmitted_at or s.submitted_at, s.id or 0))
        return [as_stored(s) for s in found[offset:offset + limit]], len(found)

    def intake_counts(self, centre_ids: Sequence[str], start: datetime, end: datetime,
                      procedure_code: str | None = None) -> dict[str, dict[str, int]]:
        """As the SQL query counts them: per centre with a submission handed in, guided or decided in
        [start, end), or undecided at `end`."""
        def within(at: datetime | None) -> bool:
            return at is not None and start <= at < end

        def by_end(at: datetime | None) -> bool:
            return at is not None and at < end

        counts: dict[str, dict[str, int]] = {}
        for s in self._db.tables.submissions.values():
            guided_at = s.guidance.issued_at if s.guidance else None
            undecided = s.submitted_at < end and not by_end(s.decided_at)
            if (s.centre_id not in centre_ids or procedure_code not in (None, s.procedure_code)
                    or not (within(s.submitted_at) or within(guided_at) or within(s.decided_at) or undecided)):
                continue
            row = counts.setdefault(s.centre_id, dict.fromkeys(COUNTS, 0))
            row["submitted_online"] += within(s.submitted_at) and s.channel == Channel.ONLINE
            row["guided"] += within(guided_at)
            row["accepted"] += within(s.decided_at) and s.stage == IntakeStage.ACCEPTED
            row["refused"] += within(s.decided_at) and s.stage == IntakeStage.REFUSED
            row["waiting"] += undecided and (not by_end(guided_at) or by_end(s.resubmitted_at))
        return counts
