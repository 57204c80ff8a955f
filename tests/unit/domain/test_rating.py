"""The citizen's rating: levels, the comment's limits, and when a dossier may be rated (the words are the
pages', tests/api/test_citizen_words.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.domain.errors import ConflictError, ValidationFailedError
from engine.domain.rating import (
    COMMENT_MAX,
    Criterion,
    Rating,
    SatisfactionLevel,
    can_rate,
    check_can_rate,
)
from engine.domain.status import DossierStatus as S

NOW = datetime(2025, 7, 14, 8, 0, tzinfo=UTC)


def test_only_dissatisfied_is_a_dislike_for_indicator_5_4() -> None:
    assert [level for level in SatisfactionLevel if level.is_dislike] == [SatisfactionLevel.DISSATISFIED]
    assert Rating(SatisfactionLevel.DISSATISFIED, NOW).is_dislike
    assert not Rating(SatisfactionLevel.SATISFIED, NOW).is_dislike


@pytest.mark.parametrize(("given", "stored"), [
    (None, None), ("", None), ("   \n", None), ("  Cán bộ tận tình.  ", "Cán bộ tận tình."),
    ("x" * COMMENT_MAX, "x" * COMMENT_MAX), (" " + "x" * COMMENT_MAX + " ", "x" * COMMENT_MAX),
])
def test_the_comment_is_trimmed_and_blank_is_none(given: str | None, stored: str | None) -> None:
    assert Rating(SatisfactionLevel.SATISFIED, NOW, given).comment == stored


def test_a_comment_over_the_limit_is_a_field_error() -> None:
    with pytest.raises(ValidationFailedError) as caught:
        Rating(SatisfactionLevel.SATISFIED, NOW, "x" * (COMMENT_MAX + 1))
    assert [e.pointer for e in caught.value.errors] == ["/comment"]


def test_the_time_must_be_aware() -> None:
    with pytest.raises(ValueError, match="time zone"):
        Rating(SatisfactionLevel.SATISFIED, datetime(2025, 7, 14, 8, 0))


def test_criteria_are_optional_and_kept() -> None:
    criteria = {Criterion.CONVENIENCE: SatisfactionLevel.VERY_SATISFIED}
    assert Rating(SatisfactionLevel.SATISFIED, NOW).criteria == {}
    assert Rating(SatisfactionLevel.SATISFIED, NOW, criteria=criteria).criteria == criteria


def test_a_returned_dossier_not_yet_rated_can_be_rated() -> None:
    assert can_rate(S.RETURNED, None)
    check_can_rate(S.RETURNED, None)


@pytest.mark.parametrize("status", [s for s in S if s != S.RETURNED])
def test_before_the_return_or_after_ending_otherwise_it_is_a_conflict_naming_the_status(status: S) -> None:
    assert not can_rate(status, None)
    with pytest.raises(ConflictError) as caught:
        check_can_rate(status, None)
    assert caught.value.status == status.value


def test_a_second_rating_is_a_conflict() -> None:
    first = Rating(SatisfactionLevel.SATISFIED, NOW)
    assert not can_rate(S.RETURNED, first)
    with pytest.raises(ConflictError) as caught:
        check_can_rate(S.RETURNED, first)
    assert caught.value.status == "returned"
