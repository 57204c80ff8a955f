"""In memory, the saved_filters table (engine/adapters/saved_filters.py): unique per officer, list and name."""

from __future__ import annotations

from engine.domain.errors import ConflictError
from engine.domain.saved_filter import SavedFilter
from tests.fakes.store import Database, as_stored


class FakeSavedFilterRepository:
    def __init__(self, db: Database):
        self._db = db

    def of_user(self, user_id: int, page: str | None = None) -> list[SavedFilter]:
        found = [f for f in self._db.tables.saved_filters.values()
                 if f.user_id == user_id and (page is None or f.page == page)]
        return [as_stored(f) for f in sorted(found, key=lambda f: (f.page, f.name, f.id or 0))]

    def get(self, filter_id: int) -> SavedFilter | None:
        found = self._db.tables.saved_filters.get(filter_id)
        return as_stored(found) if found is not None else None

    def add(self, saved: SavedFilter) -> None:
        if any((f.user_id, f.page, f.name) == (saved.user_id, saved.page, saved.name)
               for f in self._db.tables.saved_filters.values()):
            raise ConflictError("a filter of that name was saved at the same time; try again")
        saved.id = self._db.next_id("saved_filters")
        self._db.tables.saved_filters[saved.id] = as_stored(saved)

    def update(self, saved: SavedFilter) -> None:
        assert saved.id is not None
        stored = self._db.tables.saved_filters[saved.id]
        stored.query, stored.created_at = saved.query, saved.created_at

    def delete(self, filter_id: int) -> None:
        self._db.tables.saved_filters.pop(filter_id, None)
