"""The citizen's rating of the service once the result is returned: one per dossier, pure Python.

Three satisfaction levels, as the national and provincial portals ask them ("Rất hài lòng / Hài lòng /
Không hài lòng"); "dissatisfied" is the "dislike" that indicator 5.4 of Decision 766 subtracts. Codes only:
the words are the pages' and the API's (gettext catalogues).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from engine.domain.errors import ConflictError, FieldError, ValidationFailedError
from engine.domain.status import DossierStatus

COMMENT_MAX = 1000
ALREADY_RATED = "this dossier has been rated already; a rating cannot be changed"


class SatisfactionLevel(StrEnum):
    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    DISSATISFIED = "dissatisfied"

    @property
    def is_dislike(self) -> bool:
        """Counts against indicator 5.4 (satisfaction in receiving and handling procedures)."""
        return self == SatisfactionLevel.DISSATISFIED


class Criterion(StrEnum):
    """The satisfaction criteria provincial portals publish (DOMAIN.md §2.6) that take a level; the
    counts there (contacts, agencies) and feedback handling are not asked of one dossier."""

    CONVENIENCE = "convenience"
    TIMELINESS = "timeliness"
    STAFF_ATTITUDE = "staff_attitude"
    PROCESSING_TIME = "processing_time"
    ORGANISATION = "organisation"
    PUBLICITY = "publicity"


@dataclass
class Rating:
    """The overall level, optional levels per criterion, and an optional comment. The comment may name
    people, so it stays on this row: never in the history log, never in a public answer."""

    level: SatisfactionLevel
    rated_at: datetime
    comment: str | None = None
    criteria: dict[Criterion, SatisfactionLevel] = field(default_factory=dict)
    dossier_id: int | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if self.rated_at.tzinfo is None:
            raise ValueError("a rating's time must carry a time zone")
        self.comment = (self.comment or "").strip() or None
        if self.comment is not None and len(self.comment) > COMMENT_MAX:
            raise ValidationFailedError("the comment is too long",
                                        [FieldError("/comment", f"must be at most {COMMENT_MAX} characters")],
                                        code="comment_too_long", max=COMMENT_MAX)

    @property
    def is_dislike(self) -> bool:
        return self.level.is_dislike


def can_rate(status: DossierStatus, existing: Rating | None) -> bool:
    return status == DossierStatus.RETURNED and existing is None


def check_can_rate(status: DossierStatus, existing: Rating | None) -> None:
    """Raise ConflictError (409 with the current status) unless the dossier may be rated now."""
    if status != DossierStatus.RETURNED:
        raise ConflictError("the service can be rated once the result has been returned", status=status.value,
                            code="rating_before_return")
    if existing is not None:
        raise ConflictError(ALREADY_RATED, status=status.value, code="already_rated")
