"""Units (provinces, communes, agencies) as stored; loaded from vietnam-provinces at set-up."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.adapters.records import UnitRecord
from engine.domain.unit import Unit, UnitKind


class UnitRepository:
    def __init__(self, session: Session):
        self._s = session

    def get(self, unit_id: str) -> Unit | None:
        record = self._s.get(UnitRecord, unit_id)
        return _unit(record) if record else None

    def list(self, *, province_id: str | None = None, kind: str | None = None,
             agency: str | None = None) -> list[Unit]:
        query = select(UnitRecord).order_by(UnitRecord.id)
        if agency is not None:
            query = query.where(UnitRecord.agency == agency)
        if province_id is not None:
            query = query.where((UnitRecord.province_id == province_id) | (UnitRecord.id == province_id))
        if kind is not None:
            query = query.where(UnitRecord.kind == kind)
        return [_unit(r) for r in self._s.scalars(query)]

    def upsert(self, units: Iterable[Unit], *, batch: int = 1000) -> int:
        """Insert or update units in batches; parents must come before the units that name them."""
        rows = [{"id": u.id, "name": u.name, "kind": u.kind.value, "province_id": u.province_id,
                 "division_type": u.division_type, "agency": u.agency, "parent_id": u.parent_id} for u in units]
        insert = postgresql.insert if self._s.get_bind().dialect.name == "postgresql" else sqlite.insert
        for start in range(0, len(rows), batch):
            statement = insert(UnitRecord).values(rows[start:start + batch])
            columns = ("name", "kind", "province_id", "division_type", "agency", "parent_id")
            self._s.execute(statement.on_conflict_do_update(
                index_elements=["id"], set_={c: getattr(statement.excluded, c) for c in columns}))
        return len(rows)


def _unit(r: UnitRecord) -> Unit:
    return Unit(r.id, r.name, UnitKind(r.kind), r.province_id, r.division_type, r.agency, r.parent_id)
