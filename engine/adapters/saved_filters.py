"""The saved_filters table: officers' named filters of their lists (engine/domain/saved_filter.py)."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.adapters.records import SavedFilterRecord
from engine.domain.errors import ConflictError
from engine.domain.saved_filter import FilteredList, SavedFilter


class SavedFilterRepository:
    def __init__(self, session: Session):
        self._s = session

    def of_user(self, user_id: int, page: str | None = None) -> list[SavedFilter]:
        query = select(SavedFilterRecord).where(SavedFilterRecord.user_id == user_id)
        if page is not None:
            query = query.where(SavedFilterRecord.page == page)
        return [_saved(r) for r in self._s.scalars(query.order_by(SavedFilterRecord.page, SavedFilterRecord.name,
                                                                  SavedFilterRecord.id))]

    def get(self, filter_id: int) -> SavedFilter | None:
        record = self._s.get(SavedFilterRecord, filter_id)
        return _saved(record) if record is not None else None

    def add(self, saved: SavedFilter) -> None:
        """Insert the row; the same name saved meanwhile by a concurrent request is a ConflictError."""
        record = SavedFilterRecord(user_id=saved.user_id, page=saved.page.value, name=saved.name, query=saved.query,
                                   created_at=saved.created_at)
        self._s.add(record)
        try:
            self._s.flush()
        except IntegrityError as error:
            raise ConflictError("a filter of that name was saved at the same time; try again") from error
        saved.id = record.id

    def update(self, saved: SavedFilter) -> None:
        self._s.execute(update(SavedFilterRecord).where(SavedFilterRecord.id == saved.id)
                        .values(query=saved.query, created_at=saved.created_at)
                        .execution_options(synchronize_session=False))

    def delete(self, filter_id: int) -> None:
        self._s.execute(delete(SavedFilterRecord).where(SavedFilterRecord.id == filter_id)
                        .execution_options(synchronize_session=False))


def _saved(r: SavedFilterRecord) -> SavedFilter:
    return SavedFilter(r.user_id, FilteredList(r.page), r.name, r.query, r.created_at, r.id)
