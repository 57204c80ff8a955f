"""Admins' procedure drafts: one row per code, saved under its revision so that two admins (or two tabs)
never overwrite each other's changes unseen."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.adapters.records import ProcedureDraftRecord
from engine.domain.errors import ConflictError
from engine.domain.procedure_draft import ProcedureDraft


class ProcedureDraftRepository:
    def __init__(self, session: Session):
        self._s = session

    def get(self, code: str) -> ProcedureDraft | None:
        record = self._s.get(ProcedureDraftRecord, code)
        return _draft(record) if record else None

    def save(self, draft: ProcedureDraft) -> None:
        """Store `draft` over the row at the revision before it (or as a new row at revision 1).

        Raises:
            ConflictError: Someone saved the draft, published or discarded it since it was read.
        """
        values = {"base_version": draft.base_version, "revision": draft.revision, "manifest": draft.manifest,
                  "bpmn": draft.bpmn, "forms": draft.forms, "decisions": draft.decisions,
                  "updated_at": draft.updated_at, "updated_by": draft.updated_by}
        if draft.revision == 1:
            self._s.add(ProcedureDraftRecord(code=draft.code, **values))
            try:
                self._s.flush()
            except IntegrityError as error:
                raise _stale(draft) from error
            return
        r = ProcedureDraftRecord
        done = self._s.execute(update(r).where(r.code == draft.code, r.revision == draft.revision - 1)
                               .values(**values).execution_options(synchronize_session=False))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise _stale(draft)

    def delete(self, code: str, *, revision: int) -> bool:
        """Remove the draft if it is still at `revision`; False when it was not (or was not there)."""
        r = ProcedureDraftRecord
        done = self._s.execute(delete(r).where(r.code == code, r.revision == revision)
                               .execution_options(synchronize_session=False))
        return done.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    def codes(self) -> list[str]:
        """The codes that have a draft, in order."""
        return list(self._s.scalars(select(ProcedureDraftRecord.code).order_by(ProcedureDraftRecord.code)))


def _stale(draft: ProcedureDraft) -> ConflictError:
    return ConflictError(f"the draft of {draft.code} was changed by someone else since you opened it (your "
                         f"revision {draft.revision - 1}); reload it and make your changes again")


def _draft(r: ProcedureDraftRecord) -> ProcedureDraft:
    return ProcedureDraft(code=r.code, base_version=r.base_version, revision=r.revision, manifest=r.manifest,
                          bpmn=r.bpmn, forms=r.forms, decisions=r.decisions, updated_at=r.updated_at,
                          updated_by=r.updated_by)
