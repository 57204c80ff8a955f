"""The ratings table: each returned dossier's one rating from the citizen.

The comment stays on this row; nothing here copies it into the history or a public answer.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.adapters.records import RatingRecord
from engine.domain.errors import ConflictError
from engine.domain.rating import Criterion, Rating, SatisfactionLevel


class RatingRepository:
    def __init__(self, session: Session):
        self._s = session

    def add(self, rating: Rating) -> None:
        """Store the dossier's one rating; one stored meanwhile by a concurrent request is a ConflictError."""
        record = RatingRecord(dossier_id=rating.dossier_id, level=rating.level.value, comment=rating.comment,
                              criteria={c.value: v.value for c, v in rating.criteria.items()}, rated_at=rating.rated_at)
        self._s.add(record)
        try:
            self._s.flush()
        except IntegrityError as error:
            raise ConflictError("this dossier has been rated already") from error
        rating.id = record.id

    def get_for_dossier(self, dossier_id: int) -> Rating | None:
        r = self._s.scalar(select(RatingRecord).where(RatingRecord.dossier_id == dossier_id))
        if r is None:
            return None
        criteria = {Criterion(c): SatisfactionLevel(v) for c, v in r.criteria.items()}
        return Rating(SatisfactionLevel(r.level), r.rated_at, r.comment, criteria, r.dossier_id, r.id)
