"""A fake repository of file rows (engine/adapters/files.py)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from engine.domain.files import FileSource, StoredFile
from tests.fakes.store import Database, as_stored


class FakeFileRepository:
    def __init__(self, db: Database):
        self._db = db

    def add(self, stored: StoredFile) -> None:
        stored.id = self._db.next_id("files")
        self._db.tables.files[stored.id] = as_stored(stored)

    def get(self, file_id: int, *, lock: bool = False) -> StoredFile | None:
        stored = self._db.tables.files.get(file_id)
        return as_stored(stored) if stored else None

    def update(self, stored: StoredFile) -> None:
        assert stored.id in self._db.tables.files
        self._db.tables.files[stored.id] = as_stored(stored)

    def of_dossier(self, dossier_id: int) -> list[StoredFile]:
        return [as_stored(f) for f in self._rows() if f.dossier_id == dossier_id]

    def of_submission(self, submission_id: int) -> list[StoredFile]:
        return [as_stored(f) for f in self._rows() if f.submission_id == submission_id]

    def results_of_subject(self, subject_id: str) -> list[StoredFile]:
        found = [f for f in self._rows() if f.subject_id == subject_id and f.source == FileSource.RESULT]
        return [as_stored(f) for f in sorted(found, key=lambda f: (f.attached_at, f.id), reverse=True)]

    def referenced(self, digests: Collection[str]) -> set[str]:
        return {f.blob.digest for f in self._rows()} & set(digests)

    def delete_staged(self, before: datetime, limit: int) -> int:
        ids = [i for i, f in self._db.tables.files.items() if f.staged and f.uploaded_at < before][:limit]
        for i in ids:
            del self._db.tables.files[i]
        return len(ids)

    def bytes_of_dossier(self, dossier_id: int) -> int:
        return sum(f.blob.size for f in self._rows() if f.dossier_id == dossier_id)

    def _rows(self) -> list[StoredFile]:
        return sorted(self._db.tables.files.values(), key=lambda f: f.id or 0)
