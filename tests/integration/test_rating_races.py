"""Citizens rating one returned dossier at once (real threads, SQLite file and PostgreSQL): exactly one
rating is stored and logged; every other request is a ConflictError (409) naming the status, never a
500 from the one-rating-per-dossier constraint."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from api.wiring import Wiring
from engine.adapters.ratings import RatingRepository
from engine.domain.dossier import Dossier, EventKind
from engine.domain.errors import ConflictError
from engine.domain.rating import Rating, SatisfactionLevel
from engine.domain.status import DossierStatus
from engine.services import ratings
from tests.conftest import PHU_XUAN
from tests.integration._support import Actors, drive_to_end, history_of, receive, run_together

THREADS = 4
ROUNDS = 2


def _returned(wiring: Wiring, actors: Actors) -> Dossier:
    dossier = drive_to_end(wiring, actors, receive(wiring, actors(f"reception.{PHU_XUAN}")))
    assert dossier.status == DossierStatus.RETURNED
    return dossier


def _race(wiring: Wiring, dossier: Dossier) -> list[tuple[str, Any]]:
    levels = list(SatisfactionLevel)
    return run_together([
        partial(ratings.rate, wiring.uow(), code=dossier.code, secret=dossier.secret,
                level=levels[i % len(levels)], comment=f"Ý kiến {i}", clock=wiring.clock)
        for i in range(THREADS)])


def _exactly_one_rating(wiring: Wiring, dossier: Dossier, outcomes: list[tuple[str, Any]]) -> None:
    winners = [value for kind, value in outcomes if kind == "ok"]
    losers = [value for kind, value in outcomes if kind == "error"]
    assert len(winners) == 1 and len(losers) == THREADS - 1, outcomes
    assert all(isinstance(e, ConflictError) and e.status == "returned" for e in losers), losers
    assert dossier.id is not None
    with wiring.uow() as uow:
        stored = uow.ratings.get_for_dossier(dossier.id)
    assert isinstance(winners[0], Rating) and stored is not None
    assert (stored.level, stored.comment) == (winners[0].level, winners[0].comment)
    rated = [e for e in history_of(wiring, dossier) if e.kind == EventKind.RATED]
    assert [e.data for e in rated] == [{"level": stored.level.value}]


def test_concurrent_ratings_exactly_one_wins(wiring: Wiring) -> None:
    actors = Actors(wiring)
    for _ in range(ROUNDS):
        dossier = _returned(wiring, actors)
        _exactly_one_rating(wiring, dossier, _race(wiring, dossier))


def test_concurrent_ratings_overlapping_inside_the_transaction(wiring: Wiring, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each rating is slowed down after its insert, so the others surely arrive before it commits: on
    PostgreSQL they all saw no rating and block on the unique index, on SQLite on the write lock."""
    actors = Actors(wiring)
    dossier = _returned(wiring, actors)
    real = Dossier.record

    def slow_record(self: Dossier, *args: Any, **kwargs: Any) -> None:
        time.sleep(0.15)  # the rating's history line is recorded after its insert
        real(self, *args, **kwargs)

    monkeypatch.setattr(Dossier, "record", slow_record)
    _exactly_one_rating(wiring, dossier, _race(wiring, dossier))


def test_concurrent_ratings_past_the_check_meet_the_unique_constraint(
        wiring: Wiring, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the 'already rated' check blinded, only the unique dossier_id stands between two ratings:
    its IntegrityError must still come out as a ConflictError."""
    monkeypatch.setattr(RatingRepository, "get_for_dossier", lambda self, dossier_id: None)
    actors = Actors(wiring)
    dossier = _returned(wiring, actors)
    outcomes = _race(wiring, dossier)
    monkeypatch.undo()
    _exactly_one_rating(wiring, dossier, outcomes)
    losers = [value for kind, value in outcomes if kind == "error"]
    assert all(isinstance(e.__cause__ and e.__cause__.__cause__, IntegrityError) for e in losers), losers
