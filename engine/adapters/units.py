"""Units (provinces, communes, agencies) as stored; loaded from vietnam-provinces at set-up, their electronic
identifiers from a province's list (a CSV file, read here)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.adapters.records import UnitRecord
from engine.domain.unit import AgencyCodeRow, Unit, UnitKind

UNIT_CODE_COLUMNS = ("unit_id", "agency_code", "name", "source")
"""The header of a list of identifiers (processes/unit_codes/*.csv); lines starting with `#` are comments."""


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

    def agency_codes(self) -> dict[str, str | None]:
        """Every unit's id with its electronic identifier (None when it has none)."""
        return {unit_id: code for unit_id, code in self._s.execute(select(UnitRecord.id, UnitRecord.agency_code))}

    def set_agency_codes(self, codes: Mapping[str, str]) -> None:
        """Give these units these identifiers. They are taken from the units first, so that two units may
        swap theirs without the unique index seeing one identifier twice."""
        if codes:
            self._s.execute(update(UnitRecord).where(UnitRecord.id.in_(list(codes))).values(agency_code=None))
            for unit_id, code in codes.items():
                self._s.execute(update(UnitRecord).where(UnitRecord.id == unit_id).values(agency_code=code))

    def upsert(self, units: Iterable[Unit], *, batch: int = 1000) -> int:
        """Insert or update units in batches; parents must come before the units that name them. An
        identifier loaded before is kept (the map does not carry identifiers)."""
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
    return Unit(r.id, r.name, UnitKind(r.kind), r.province_id, r.division_type, r.agency, r.parent_id,
                r.agency_code)


def read_unit_codes(path: Path) -> list[AgencyCodeRow]:
    """The rows of a list of identifiers, each with its line number in the file (comments and blank lines
    skipped, spaces around values dropped). A file without the expected header is refused whole."""
    text = path.read_text(encoding="utf-8-sig")
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise ValueError(f"{path}: no header line {','.join(UNIT_CODE_COLUMNS)}")
    reader = csv.reader([line for _, line in numbered])
    header = [cell.strip() for cell in next(reader)]
    if header[:2] != list(UNIT_CODE_COLUMNS[:2]):
        raise ValueError(f"{path}: line {numbered[0][0]}: the header must start with unit_id,agency_code")
    rows = []
    for (number, _), cells in zip(numbered[1:], reader, strict=True):
        values = dict(zip(header, (c.strip() for c in cells), strict=False))
        rows.append(AgencyCodeRow(number, values.get("unit_id", ""), values.get("agency_code", ""),
                                  values.get("name", ""), values.get("source", "")))
    return rows
