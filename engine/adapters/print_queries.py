"""Read-only queries the printed slips and the tracking register need beyond the repositories: officers'
display names, a centre's dossiers for a period, their first hand-over, and register ordinals.

The unit of work carries them as `uow.printing`, so a slip reads in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from engine.adapters.dossiers import dossier_from_record
from engine.adapters.records import DossierRecord, HistoryEventRecord, UserRecord
from engine.domain.dossier import Dossier, EventKind


class PrintQueries:
    def __init__(self, session: Session):
        self._s = session

    def display_names(self, user_ids: Iterable[int | None]) -> dict[int, str]:
        """Display names of the given officers (unknown ids are left out)."""
        wanted = {i for i in user_ids if i is not None}
        if not wanted:
            return {}
        query = select(UserRecord.id, UserRecord.display_name).where(UserRecord.id.in_(wanted))
        return {row.id: row.display_name for row in self._s.execute(query)}

    def received_between(self, unit_id: str, start: datetime, end: datetime) -> list[Dossier]:
        """Dossiers the centre received in [start, end), in register order (time received, then id)."""
        query = (select(DossierRecord).where(_received_at(unit_id, start, end))
                 .order_by(DossierRecord.received_at, DossierRecord.id))
        return [dossier_from_record(r) for r in self._s.scalars(query)]

    def first_hand_overs(self, unit_id: str, start: datetime, end: datetime) -> dict[int, datetime]:
        """When each dossier the centre received in [start, end) was first handed over to another unit."""
        received = select(DossierRecord.id).where(_received_at(unit_id, start, end))
        query = (select(HistoryEventRecord.dossier_id, func.min(HistoryEventRecord.at).label("at"))
                 .where(HistoryEventRecord.kind == EventKind.HANDED_OVER.value,
                        HistoryEventRecord.dossier_id.in_(received))
                 .group_by(HistoryEventRecord.dossier_id))
        return {row.dossier_id: row.at for row in self._s.execute(query)}

    def count_received(self, unit_id: str, start: datetime, end: datetime) -> int:
        """How many dossiers the centre received in [start, end)."""
        query = select(func.count()).where(_received_at(unit_id, start, end))
        return int(self._s.scalar(query) or 0)

    def ordinal(self, dossier: Dossier, book_opened: datetime) -> int:
        """The dossier's place in its receiving centre's register book opened at `book_opened`."""
        earlier = or_(DossierRecord.received_at < dossier.received_at,
                      and_(DossierRecord.received_at == dossier.received_at, DossierRecord.id <= dossier.id))
        query = select(func.count()).where(DossierRecord.receiving_unit_id == dossier.receiving_unit_id,
                                           DossierRecord.received_at >= book_opened, earlier)
        return int(self._s.scalar(query) or 0)


def _received_at(unit_id: str, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(DossierRecord.receiving_unit_id == unit_id, DossierRecord.received_at >= start,
                DossierRecord.received_at < end)
