"""What the statistics need to know of a dossier at any moment, folded from its history.

Figures for a period are the state of its dossiers as of the period's end (DOMAIN.md §4.3,
engine/domain/figures.py): the status then, the deadline in force then, whether the clock was stopped,
how many supplementation rounds there had been, and, once processing had ended, how it ended against its
deadline. `advance` folds one history event into that snapshot; the `stat_spans` table keeps each snapshot
with the time it held, so the figures as of any minute are one indexed read, and `spans_of` recomputes
the same rows from raw events. `figures_of` is what one dossier adds to a period's figures: the rule the
database's sums follow (engine/adapters/stat_queries.py), written once more in Python so the sums can be
checked against the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from engine.domain.dossier import Channel, EventKind, HistoryEvent
from engine.domain.figures import Figures, Scope
from engine.domain.lifecycle import PROCESSING_ENDS
from engine.domain.rating import SatisfactionLevel
from engine.domain.status import DossierStatus
from engine.domain.timeliness import Timeliness, classify_finished

# The only events that change a snapshot; the others never touch the table.
TRACKED = frozenset({EventKind.RECEIVED, EventKind.STATUS_CHANGED, EventKind.CLOCK_PAUSED,
                     EventKind.CLOCK_RESUMED, EventKind.DEADLINE_EXTENDED, EventKind.NOTICE_ISSUED,
                     EventKind.RATED})


class Digitisation(StrEnum):
    """Components digitised at receipt (Circular 01/2023; Decision 766 indicator 4.2)."""

    ALL = "all"      # every required component (an online dossier arrives digitised)
    SOME = "some"
    NONE = "none"


@dataclass(frozen=True)
class Origin:
    """What the receipt fixes for good: how the figures are grouped."""

    receiving_unit_id: str
    competent_unit_id: str
    procedure_code: str
    channel: str
    received_at: datetime
    digitisation: Digitisation
    outside_area: bool = False
    """Received at a centre other than the one of the commune it belongs to (phi địa giới hành chính);
    not known for dossiers received before issue 21, which count as inside."""


@dataclass(frozen=True)
class Snapshot:
    status: DossierStatus
    deadline_at: datetime
    paused_at: datetime | None = None
    supplement_rounds: int = 0
    finished_at: datetime | None = None
    outcome: Timeliness | None = None
    """Before time, on time or late, fixed when processing ends (Decision 766)."""
    electronic_result: bool = False
    """The result was returned online (Decision 766 indicator 4.1)."""
    rating: str | None = None
    """The citizen's satisfaction level, once rated (after the return)."""

    def overdue_at(self, moment: datetime) -> bool:
        """Still in process at `moment` and past the deadline (a stopped clock judged when it stopped)."""
        if self.outcome is not None:
            return False
        return self.supplement_rounds > 1 or min(moment, self.paused_at or moment) > self.deadline_at


@dataclass(frozen=True)
class Span:
    since: datetime
    until: datetime | None
    snapshot: Snapshot


def origin_of(received: HistoryEvent) -> Origin:
    data = received.data
    return Origin(receiving_unit_id=received.unit_id or "", competent_unit_id=data["competent_unit"],
                  procedure_code=data["procedure"], channel=data.get("channel", "in_person"),
                  received_at=received.at, digitisation=Digitisation(data.get("digitised", Digitisation.NONE)),
                  outside_area=data.get("outside_area") is True)


def advance(current: Snapshot | None, event: HistoryEvent) -> Snapshot | None:
    """The snapshot after `event`, or None when the event changes nothing the figures use."""
    data, kind = event.data, event.kind
    if kind == EventKind.RECEIVED:
        return Snapshot(DossierStatus.RECEIVED, _deadline(data))
    if kind == EventKind.RATED and current is not None:
        return replace(current, rating=data["level"])
    if current is None or (current.outcome is not None and kind != EventKind.STATUS_CHANGED):
        return None  # after processing ended only the status and the rating still move
    if kind == EventKind.STATUS_CHANGED:
        return _status_changed(current, event)
    if kind == EventKind.CLOCK_PAUSED:
        return replace(current, paused_at=current.paused_at or event.at)
    if kind == EventKind.CLOCK_RESUMED:
        return replace(current, paused_at=None, deadline_at=_deadline(data))
    if kind == EventKind.DEADLINE_EXTENDED and "deadline_at" in data:
        return replace(current, deadline_at=datetime.fromisoformat(data["deadline_at"]))
    if kind == EventKind.NOTICE_ISSUED and data.get("notice") == "supplement_request":
        return replace(current, supplement_rounds=current.supplement_rounds + 1)
    return None  # an apology moves the appointment, never the deadline judged against


def _status_changed(current: Snapshot, event: HistoryEvent) -> Snapshot:
    status = DossierStatus(event.data["status"])
    if status == DossierStatus.REFUSED:
        # Only before issue 19 was a received dossier refused; the rules now in force say it was stopped
        # (migration 0009 moved those dossiers and their spans the same way).
        status = DossierStatus.STOPPED
    # Returned with a signed result file; before files were kept (no such fact), returned online.
    electronic = current.electronic_result or (status == DossierStatus.RETURNED and event.data.get(
        "electronic_result", event.data.get("method") == "online") is True)
    if current.outcome is not None or status not in PROCESSING_ENDS:
        return replace(current, status=status, electronic_result=electronic)
    # Ended while waiting for the applicant: the wait is not the agency's time, so it ended when it stopped.
    finished = datetime.fromisoformat(event.data["finished_at"]) if "finished_at" in event.data else event.at
    outcome = (Timeliness.LATE if current.supplement_rounds > 1
               else classify_finished(finished, current.deadline_at))
    return replace(current, status=status, paused_at=None, finished_at=finished, outcome=outcome,
                   electronic_result=electronic)


def _deadline(data: dict[str, str]) -> datetime:
    return datetime.fromisoformat(data.get("deadline_at") or data["due_at"])


def spans_of(events: Iterable[HistoryEvent]) -> list[Span]:
    """Every snapshot of one dossier with the time it held, recomputed from its events in order.

    Events at the same instant (a receipt that starts processing at once) make one span, not an empty one.
    """
    spans: list[Span] = []
    for event in events:
        current = spans[-1].snapshot if spans else None
        following = advance(current, event)
        if following is None:
            continue
        if spans and spans[-1].since == event.at:
            spans[-1] = Span(event.at, None, following)
            continue
        if spans:
            spans[-1] = replace(spans[-1], until=event.at)
        spans.append(Span(event.at, None, following))
    return spans


def held_at(spans: Iterable[Span], moment: datetime) -> Span | None:
    """The span that held just before `moment`: what changed at `moment` itself is not in it."""
    return next((s for s in spans if s.since < moment and (s.until is None or s.until >= moment)), None)


_RESOLVED = frozenset({DossierStatus.RESULT_READY, DossierStatus.RETURNED})
_WAITING = frozenset({DossierStatus.SUPPLEMENT_REQUESTED, DossierStatus.AWAITING_PAYMENT})


def figures_of(origin: Origin, span: Span | None, scope: Scope) -> Figures:
    """What one dossier adds to the figures of `scope`'s period, from the span that held at `scope.as_of`
    (`held_at`): nothing when it was received after the period or had finished before it began."""
    s = span.snapshot if span is not None else None
    if s is None or origin.received_at >= scope.end or (s.finished_at is not None and s.finished_at < scope.start):
        return Figures()
    new = origin.received_at >= scope.start
    ended = s.outcome is not None
    overdue = s.overdue_at(scope.as_of)
    counts = {
        "carried_over": not new, "received": new,
        "received_online": new and origin.channel == Channel.ONLINE,
        "received_in_person": new and origin.channel == Channel.IN_PERSON,
        "received_by_post": new and origin.channel == Channel.POST,
        "outside_area": new and origin.outside_area,
        "digitised": new and origin.digitisation == Digitisation.ALL,
        "partly_digitised": new and origin.digitisation == Digitisation.SOME,
        "resolved_before_time": s.status in _RESOLVED and s.outcome == Timeliness.BEFORE_TIME,
        "resolved_on_time": s.status in _RESOLVED and s.outcome == Timeliness.ON_TIME,
        "resolved_late": s.status in _RESOLVED and s.outcome == Timeliness.LATE,
        "withdrawn": s.status == DossierStatus.WITHDRAWN,
        "stopped": s.status == DossierStatus.STOPPED,
        "in_process_on_time": not ended and not overdue,
        "in_process_overdue": not ended and overdue,
        "suspended": not ended and s.status in _WAITING,
        "timely": s.outcome in (Timeliness.BEFORE_TIME, Timeliness.ON_TIME) or (not ended and not overdue),
        "returned": s.status == DossierStatus.RETURNED,
        "electronic_results": s.electronic_result,
        **{level.value: s.rating == level.value for level in SatisfactionLevel},
    }
    resolved = s.status in _RESOLVED
    return Figures(resolved=int(resolved), **{name: int(flag) for name, flag in counts.items()})
