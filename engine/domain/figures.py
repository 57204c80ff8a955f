"""The figures a province is judged on, for one group of dossiers (a centre, a unit, a procedure) and a period.

They follow the periodic report every centre sends upward (DOMAIN.md §4.3 and §12): the dossiers to handle
in the period (*tổng số*) are those carried over from before it (received earlier and not finished when it
began) and those newly received in it, by channel; each of them, as it stood at the period's end, was
resolved in the period (before time, on time or late), withdrawn, stopped, or is still pending (within or
past its deadline: the closing balance, carried over to the next period). Whatever its receipt date, a
dossier finished in the period counts in it, and in no later period.

Rates follow Decision 766 (DOMAIN.md §4.3, §6): a dossier is timely when it was finished by its deadline or
is still within it; the on-time rate is timely ÷ the dossiers to handle.

A centre's figures also count its intake (INTAKE): what was handed in online, guided to complete and refused
reception in the period, and what waited in its queue at the period's end. A refused dossier was never
received, so it is outside every count of dossiers and every rate (DOMAIN.md §12).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Generic, TypeVar

K = TypeVar("K")


@dataclass(frozen=True)
class Scope:
    """Which dossiers: received at one of `units` (or, with `either_side`, handled by one of them) before
    `end` and not finished before `start`, judged as they stood just before `as_of` (the period's end, or
    now): what happens at `end` itself belongs to the next period."""

    units: list[str]
    start: datetime
    end: datetime
    as_of: datetime
    procedure_code: str | None = None
    either_side: bool = False


@dataclass(frozen=True)
class Figures:
    carried_over: int = 0
    """Received before the period and not finished when it began (số kỳ trước chuyển qua)."""
    received: int = 0
    """Received in the period (số mới tiếp nhận), split by channel below."""
    received_online: int = 0
    """Received online (KenhThucHien 2)."""
    received_in_person: int = 0
    received_by_post: int = 0
    """Received through the public postal service (bưu chính công ích)."""
    outside_area: int = 0
    """Received in the period at a centre other than the one of the commune it belongs to (phi địa giới)."""
    resolved: int = 0
    """Finished in the period with a result: before time, on time or late."""
    resolved_before_time: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    withdrawn: int = 0
    """Withdrawn at the applicant's request in the period (công dân rút hồ sơ)."""
    stopped: int = 0
    """Stopped in the period (trả lại / dừng giải quyết)."""
    in_process_on_time: int = 0
    """Not finished at the period's end and within the deadline (or stopped on the applicant before it)."""
    in_process_overdue: int = 0
    suspended: int = 0
    """Of the unfinished: waiting for the applicant's supplement or payment at the period's end."""
    timely: int = 0
    """Finished by the deadline, or still within it."""
    digitised: int = 0
    """Of those received in the period: every required component digitised at receipt."""
    partly_digitised: int = 0
    returned: int = 0
    """Of those finished in the period: the result handed to the applicant by the period's end."""
    electronic_results: int = 0
    """Returned with a signed electronic result file."""
    very_satisfied: int = 0
    """The citizens' ratings given by the period's end, by level."""
    satisfied: int = 0
    dissatisfied: int = 0
    submitted_online: int = 0
    """Intake: handed in online in the period (status 1); once accepted, in `received` too."""
    guided: int = 0
    """Intake: guided to complete in the period (Mẫu 02), online or at the counter: not received then."""
    refused: int = 0
    """Intake: refused reception in the period (Mẫu 03, status 3), online or at the counter: never received."""
    waiting: int = 0
    """Intake: handed in (or resubmitted) and waiting for the counter's decision at the period's end."""

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @property
    def total(self) -> int:
        """The dossiers to handle in the period (tổng số): carried over and newly received."""
        return self.carried_over + self.received

    @property
    def pending(self) -> int:
        """Not finished at the period's end (tồn cuối kỳ): the next period's `carried_over`."""
        return self.in_process_on_time + self.in_process_overdue

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.resolved, self.total)

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.timely, self.total)

    @property
    def ratings(self) -> int:
        return self.very_satisfied + self.satisfied + self.dissatisfied

    @property
    def satisfaction_rate(self) -> float | None:
        """Ratings 'very satisfied' or 'satisfied' over all ratings."""
        return _rate(self.very_satisfied + self.satisfied, self.ratings)

    @property
    def active(self) -> bool:
        """There were dossiers to handle, or something happened at the intake, in the period."""
        return bool(self.total or any(getattr(self, name) for name in INTAKE))

    @property
    def late(self) -> int:
        """Finished late or still in process past the deadline (Gia Lai's late count)."""
        return self.total - self.timely


INTAKE = ("submitted_online", "guided", "refused", "waiting")
"""The figures counted from the submissions (per centre, engine/domain/ports.py's `intake_counts`), not from
the received dossiers' spans."""


SPAN_FIGURES = tuple(name for name in Figures.__dataclass_fields__ if name not in INTAKE)
"""The figures counted from the dossiers' spans."""

DOSSIER_FIGURES = ("total", "pending", *SPAN_FIGURES)
"""The figures behind which there is a list of dossiers (stats.dossiers_behind)."""


def of_intake(counts: Mapping[str, int]) -> Figures:
    """A centre's intake figures from its submission counts (other counts, e.g. `accepted`, are left out:
    an accepted submission is a received dossier, counted from its spans)."""
    return Figures(**{name: counts.get(name, 0) for name in INTAKE})


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


MIN_TO_RANK = 10
"""Fewer dossiers to handle than this and a centre is listed unranked: a rate over three dossiers says little,
and ranking by it put the quietest centres first."""


@dataclass(frozen=True)
class Group(Generic[K]):
    key: K
    figures: Figures
    rank: int | None = None
    """Place among the centres of the province; None when it had fewer than MIN_TO_RANK dossiers to handle."""


def ranked(groups: list[Group[K]]) -> list[Group[K]]:
    """Best first: resolution rate, then on-time rate, then the number to handle; tied centres share a place.

    Centres with fewer than MIN_TO_RANK dossiers to handle follow, unranked, busiest first.
    """
    def merit(g: Group[K]) -> tuple[float, float, int]:
        return (g.figures.resolution_rate or 0.0, g.figures.on_time_rate or 0.0, g.figures.total)

    rankable = sorted((g for g in groups if g.figures.total >= MIN_TO_RANK), key=merit, reverse=True)
    result: list[Group[K]] = []
    for position, group in enumerate(rankable, start=1):
        tied = result and merit(result[-1]) == merit(group)
        result.append(Group(group.key, group.figures, result[-1].rank if tied else position))
    return result + sorted((g for g in groups if g.figures.total < MIN_TO_RANK), key=lambda g: -g.figures.total)
