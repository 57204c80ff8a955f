"""The citizen rates the service once the result is returned: one rating per dossier, opened with the
receipt's code and secret like the look-up. The history records the level only, never the comment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from engine.domain.dossier import EventKind
from engine.domain.errors import ConflictError
from engine.domain.ports import UnitOfWork
from engine.domain.rating import ALREADY_RATED, Criterion, Rating, SatisfactionLevel, check_can_rate
from engine.services.public import citizen_dossier, counting_failures


def rate(uow: UnitOfWork, *, code: str, secret: str, level: SatisfactionLevel, comment: str | None = None,
         criteria: dict[Criterion, SatisfactionLevel] | None = None, clock: Callable[[], datetime]) -> Rating:
    """Record the rating: 404 as the look-up for a wrong code or secret, 409 before the return or
    once rated (also for the loser of two concurrent ratings, through the unique dossier_id)."""
    now = clock()
    with counting_failures(uow, code, now), uow:
        dossier = citizen_dossier(uow, code, secret, now)
        assert dossier.id is not None
        check_can_rate(dossier.status, uow.ratings.get_for_dossier(dossier.id))
        rating = Rating(level, now, comment, dict(criteria or {}), dossier_id=dossier.id)
        try:
            uow.ratings.add(rating)
        except ConflictError as error:
            raise ConflictError(ALREADY_RATED, status=dossier.status.value, code="already_rated") from error
        # No actor or unit: the citizen has no account, and the rating is of the whole service.
        dossier.record(EventKind.RATED, rating.rated_at, None, None, level=rating.level.value)
        uow.commit()
        return rating
