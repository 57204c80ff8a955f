"""Every JSON column read back as raw text, for the check that finds values the JSON codec refuses (written
before it, by a fallback to the standard library). CAST to text keeps the driver and the column type from
parsing it, so one bad row cannot stop the scan; the checking itself is engine/services/integrity.py.

Plain text columns need no scan: both drivers refuse to write a string they cannot encode.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Select, Table, Text, cast, select
from sqlalchemy.orm import Session

from engine.adapters.records import Base, DossierRecord, ProcedureDraftRecord, ProcedureVersionRecord
from engine.domain.ports import StoredRow


class StoredJson:
    def __init__(self, session: Session):
        self._s = session

    @staticmethod
    def tables() -> list[str]:
        """The tables that have JSON columns, in a fixed order."""
        return sorted(t.name for t in Base.metadata.sorted_tables if _json_columns(t))

    def rows(self, table_name: str, *, after: int | str | None, limit: int,
             dossier_code: str | None = None) -> list[StoredRow]:
        """The next `limit` rows of `table_name` by key after `after` (None: from the first; a step's id and a
        draft's code are text); with `dossier_code`, only that dossier's (none from tables that belong to no
        dossier)."""
        table = Base.metadata.tables[table_name]
        columns = _json_columns(table)
        query = self._owned(table, dossier_code)
        if query is None:
            return []
        key = _key(table)
        query = query.add_columns(*(cast(c, Text).label(c.name) for c in columns)).order_by(key).limit(limit)
        if after is not None:
            query = query.where(key > after)
        return [StoredRow(table_name, row.id, row.owner or f"{table_name} row {row.id}",
                          {c.name: row._mapping[c.name] for c in columns}) for row in self._s.execute(query)]

    @staticmethod
    def _owned(table: Table, dossier_code: str | None) -> Select[tuple[int | str, str | None]] | None:
        dossiers, procedures = DossierRecord.__table__, ProcedureVersionRecord.__table__
        if table is dossiers:
            query = select(table.c.id, table.c.code.label("owner"))
            return query if dossier_code is None else query.where(table.c.code == dossier_code)
        if "dossier_id" in table.c:
            query = (select(table.c.id, dossiers.c.code.label("owner"))
                     .select_from(table.outerjoin(dossiers, dossiers.c.id == table.c.dossier_id)))
            return query if dossier_code is None else query.where(dossiers.c.code == dossier_code)
        if dossier_code is not None:
            return None
        if table is procedures:
            return select(table.c.id, ("procedure " + table.c.code + " version " + cast(table.c.version, Text))
                          .label("owner"))
        if table is ProcedureDraftRecord.__table__:
            return select(table.c.code.label("id"), ("draft of procedure " + table.c.code).label("owner"))
        return select(_key(table).label("id"), cast(None, Text).label("owner"))


def _key(table: Table) -> Column[Any]:
    """The table's one-column primary key (`id` on most tables, `code` on procedure drafts)."""
    [key] = table.primary_key.columns
    return key


def _json_columns(table: Table) -> list[Column[object]]:
    return [c for c in table.columns if isinstance(c.type, JSON)]
