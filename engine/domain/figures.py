"""The figures a province is judged on, for one group of dossiers (a centre, a unit, a procedure).

A group's dossiers are those received in the period, each as it stood at the period's end (or now, if
the period has not ended): resolved (result ready or returned) before time, on time or late; still in
process within or past the deadline; suspended (supplementation, payment, stopped); withdrawn.
Rates follow Decision 766 (DOMAIN.md §4.3, §6): a dossier is timely when it was finished by its deadline
or is still within it, and the on-time rate is timely ÷ received.

A centre's figures also count its intake (INTAKE): what was handed in online, guided to complete and refused
reception in the period, and what waited in its queue at the period's end. A refused dossier was never
received, so it is outside `received` and every rate (DOMAIN.md §12, the periodic report).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Generic, TypeVar

K = TypeVar("K")


@dataclass(frozen=True)
class Scope:
    """Which dossiers: received at one of `units` from `start` to `end` (excluded), or, with
    `either_side`, also handled by one of them; judged as they stood at `as_of`."""

    units: list[str]
    start: datetime
    end: datetime
    as_of: datetime
    procedure_code: str | None = None
    either_side: bool = False


@dataclass(frozen=True)
class Figures:
    received: int = 0
    resolved: int = 0
    resolved_before_time: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    in_process_on_time: int = 0
    in_process_overdue: int = 0
    suspended: int = 0
    withdrawn: int = 0
    timely: int = 0
    """Finished by the deadline, or still within it (whatever the status)."""
    online: int = 0
    """Received online (KenhThucHien 2)."""
    digitised: int = 0
    """Every required component digitised at receipt."""
    partly_digitised: int = 0
    returned: int = 0
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
    def resolution_rate(self) -> float | None:
        return _rate(self.resolved, self.received)

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.timely, self.received)

    @property
    def ratings(self) -> int:
        return self.very_satisfied + self.satisfied + self.dissatisfied

    @property
    def satisfaction_rate(self) -> float | None:
        """Ratings 'very satisfied' or 'satisfied' over all ratings."""
        return _rate(self.very_satisfied + self.satisfied, self.ratings)

    @property
    def active(self) -> bool:
        """Something was received, or happened at the intake, in the period."""
        return bool(self.received or any(getattr(self, name) for name in INTAKE))

    @property
    def late(self) -> int:
        """Finished late or still in process past the deadline (Gia Lai's late count)."""
        return self.received - self.timely


INTAKE = ("submitted_online", "guided", "refused", "waiting")
"""The figures counted from the submissions (per centre, engine/domain/ports.py's `intake_counts`), not from
the received dossiers' spans."""


def of_intake(counts: Mapping[str, int]) -> Figures:
    """A centre's intake figures from its submission counts (other counts, e.g. `accepted`, are left out:
    an accepted submission is a received dossier, counted from its spans)."""
    return Figures(**{name: counts.get(name, 0) for name in INTAKE})


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Group(Generic[K]):
    key: K
    figures: Figures
    rank: int | None = None
    """Place among the centres of the province; None when nothing was received there."""


def ranked(groups: list[Group[K]]) -> list[Group[K]]:
    """Best first: resolution rate, then on-time rate, then the number received; tied centres share a place.

    Centres that received nothing in the period come last, unranked.
    """
    def merit(g: Group[K]) -> tuple[float, float, int]:
        return (g.figures.resolution_rate or 0.0, g.figures.on_time_rate or 0.0, g.figures.received)

    active = sorted((g for g in groups if g.figures.received), key=merit, reverse=True)
    result: list[Group[K]] = []
    for position, group in enumerate(active, start=1):
        tied = result and merit(result[-1]) == merit(group)
        result.append(Group(group.key, group.figures, result[-1].rank if tied else position))
    return result + [g for g in groups if not g.figures.received]
