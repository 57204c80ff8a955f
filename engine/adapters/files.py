"""The rows of the files staged or attached to dossiers and submissions (their bytes are in the file store).

They never commit; the unit of work does.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.adapters.records import FileRecord
from engine.domain.files import Blob, FileSource, MediaType, StoredFile

_FIELDS = [c.key for c in FileRecord.__table__.columns if c.key not in ("id", "digest", "size", "media_type")]


class FileRepository:
    def __init__(self, session: Session):
        self._s = session

    def add(self, stored: StoredFile) -> None:
        record = FileRecord(**_values(stored))
        self._s.add(record)
        self._s.flush()
        stored.id = record.id

    def get(self, file_id: int, *, lock: bool = False) -> StoredFile | None:
        query = select(FileRecord).where(FileRecord.id == file_id).execution_options(populate_existing=True)
        record = self._s.scalar(query.with_for_update() if lock else query)
        return _from_record(record) if record else None

    def update(self, stored: StoredFile) -> None:
        record = self._s.get(FileRecord, stored.id)
        assert record is not None
        for key, value in _values(stored).items():
            setattr(record, key, value)
        self._s.flush()

    def of_dossier(self, dossier_id: int) -> list[StoredFile]:
        query = select(FileRecord).where(FileRecord.dossier_id == dossier_id).order_by(FileRecord.id)
        return [_from_record(r) for r in self._s.scalars(query)]

    def of_submission(self, submission_id: int) -> list[StoredFile]:
        query = select(FileRecord).where(FileRecord.submission_id == submission_id).order_by(FileRecord.id)
        return [_from_record(r) for r in self._s.scalars(query)]

    def results_of_subject(self, subject_id: str) -> list[StoredFile]:
        query = (select(FileRecord).where(FileRecord.subject_id == subject_id,
                                          FileRecord.source == FileSource.RESULT.value)
                 .order_by(FileRecord.attached_at.desc(), FileRecord.id.desc()).limit(100))
        return [_from_record(r) for r in self._s.scalars(query)]

    def referenced(self, digests: Collection[str]) -> set[str]:
        if not digests:
            return set()
        return set(self._s.scalars(select(FileRecord.digest).where(FileRecord.digest.in_(list(digests))).distinct()))

    def delete_staged(self, before: datetime, limit: int) -> int:
        still_staged = (FileRecord.dossier_id.is_(None), FileRecord.submission_id.is_(None),
                        FileRecord.uploaded_at < before)
        ids = list(self._s.scalars(select(FileRecord.id).where(*still_staged).limit(limit)))
        if not ids:
            return 0
        # The conditions again in the DELETE: a command may have attached one of these files (its row locked)
        # since they were read; the DELETE waits for it and must then leave the attached row alone.
        result = self._s.execute(delete(FileRecord).where(FileRecord.id.in_(ids), *still_staged)
                                 .execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0)

    def bytes_of_dossier(self, dossier_id: int) -> int:
        return int(self._s.scalar(select(func.coalesce(func.sum(FileRecord.size), 0))
                                  .where(FileRecord.dossier_id == dossier_id)) or 0)


def _values(f: StoredFile) -> dict[str, Any]:
    values = {key: getattr(f, key) for key in _FIELDS}
    values["source"] = f.source.value
    return {**values, "digest": f.blob.digest, "size": f.blob.size, "media_type": f.blob.media_type.value}


def _from_record(r: FileRecord) -> StoredFile:
    values = {key: getattr(r, key) for key in _FIELDS}
    values["source"] = FileSource(r.source)
    return StoredFile(blob=Blob(r.digest, r.size, MediaType(r.media_type)), **values, id=r.id)
