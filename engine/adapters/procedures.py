"""Published procedure versions: stored once each, never changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.adapters.records import ProcedureVersionRecord
from engine.domain.errors import ConflictError
from engine.domain.procedure import ProcedureVersion

# Asked by every reception: built once.
_LATEST_ID = (select(ProcedureVersionRecord.id).where(ProcedureVersionRecord.code == bindparam("code"))
              .order_by(ProcedureVersionRecord.version.desc()).limit(1))


class ProcedureRepository:
    def __init__(self, session: Session):
        self._s = session

    def get(self, version_id: int) -> ProcedureVersion | None:
        record = self._s.get(ProcedureVersionRecord, version_id)
        return _procedure(record) if record else None

    def latest_id(self, code: str) -> int | None:
        return self._s.scalar(_LATEST_ID, {"code": code})

    def latest_ids(self) -> list[int]:
        newest = (select(ProcedureVersionRecord.code, func.max(ProcedureVersionRecord.version).label("v"))
                  .group_by(ProcedureVersionRecord.code).subquery())
        query = (select(ProcedureVersionRecord.id)
                 .join(newest, (ProcedureVersionRecord.code == newest.c.code)
                       & (ProcedureVersionRecord.version == newest.c.v))
                 .order_by(ProcedureVersionRecord.code))
        return list(self._s.scalars(query))

    def versions(self, code: str | None = None) -> list[tuple[int, str, int, datetime, str]]:
        """(id, code, version, published_at, checksum) of each stored version, by code and version, without
        the content; of one procedure when `code` is given."""
        r = ProcedureVersionRecord
        query = select(r.id, r.code, r.version, r.published_at, r.checksum).order_by(r.code, r.version)
        if code is not None:
            query = query.where(r.code == code)
        return [(row.id, row.code, row.version, row.published_at, row.checksum) for row in self._s.execute(query)]

    def add(self, procedure: ProcedureVersion, *, published_at: datetime) -> int:
        """Store a new version; ConflictError when its number was taken by a concurrent publication."""
        record = ProcedureVersionRecord(code=procedure.code, version=procedure.version,
                                        checksum=procedure.checksum, manifest=procedure.manifest,
                                        bpmn=procedure.bpmn, forms=procedure.forms,
                                        decisions=procedure.decisions, published_at=published_at)
        self._s.add(record)
        try:
            self._s.flush()
        except IntegrityError as error:
            raise ConflictError(f"version {procedure.version} of procedure {procedure.code} was published by "
                                "someone else meanwhile; reload it and try again") from error
        return record.id


def _procedure(r: ProcedureVersionRecord) -> ProcedureVersion:
    return ProcedureVersion(code=r.code, version=r.version, manifest=r.manifest, bpmn=r.bpmn,
                            forms=r.forms, decisions=r.decisions, id=r.id, checksum=r.checksum)
