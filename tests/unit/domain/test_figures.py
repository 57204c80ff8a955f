"""The statistics' pure parts: folding history events into spans, ranking centres, the rates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.domain.dossier import EventKind, HistoryEvent
from engine.domain.figures import Figures, Group, ranked
from engine.domain.stat_spans import spans_of
from engine.domain.status import DossierStatus
from engine.domain.timeliness import Timeliness

T0 = datetime(2025, 7, 14, 2, 0, tzinfo=UTC)  # 09:00 in Huế
DUE = T0 + timedelta(hours=8)


def event(kind: EventKind, at: datetime, **data: str) -> HistoryEvent:
    return HistoryEvent(kind, at, None, "19768", data, dossier_id=1)


def received() -> HistoryEvent:
    return event(EventKind.RECEIVED, T0, procedure="1.001193", competent_unit="19777", due_at=DUE.isoformat())


def test_events_at_the_same_instant_make_one_span() -> None:
    spans = spans_of([received(), event(EventKind.STATUS_CHANGED, T0, status="processing"),
                      event(EventKind.TASK_COMPLETED, T0, step="receive")])
    assert len(spans) == 1 and spans[0].snapshot.status == DossierStatus.PROCESSING and spans[0].until is None


def test_a_dossier_ended_while_waiting_ends_when_its_clock_stopped() -> None:
    paused = T0 + timedelta(hours=1)
    refused = DUE + timedelta(days=10)  # long after the deadline, but the wait was the applicant's
    spans = spans_of([received(), event(EventKind.NOTICE_ISSUED, paused, notice="supplement_request"),
                      event(EventKind.CLOCK_PAUSED, paused, reason="supplementation"),
                      event(EventKind.STATUS_CHANGED, refused, status="refused", finished_at=paused.isoformat())])
    assert [s.until for s in spans] == [paused, refused, None]
    last = spans[-1].snapshot
    assert (last.finished_at, last.outcome, last.paused_at) == (paused, Timeliness.ON_TIME, None)


def test_a_restarted_clock_moves_the_deadline_and_an_apology_does_not() -> None:
    later = DUE + timedelta(days=2)
    spans = spans_of([received(),
                      event(EventKind.CLOCK_PAUSED, T0 + timedelta(hours=1), reason="financial_obligation"),
                      event(EventKind.CLOCK_RESUMED, T0 + timedelta(days=1), due_at=later.isoformat(),
                            deadline_at=later.isoformat()),
                      event(EventKind.DEADLINE_EXTENDED, T0 + timedelta(days=1, hours=1), reason="apology",
                            due_at=(later + timedelta(days=3)).isoformat())])
    assert spans[-1].snapshot.deadline_at == later and spans[-1].snapshot.paused_at is None
    assert not spans[-1].snapshot.overdue_at(later) and spans[-1].snapshot.overdue_at(later + timedelta(seconds=1))


def test_a_second_supplementation_round_is_late_whatever_the_times() -> None:
    rounds = [event(EventKind.NOTICE_ISSUED, T0 + timedelta(minutes=n), notice="supplement_request") for n in (1, 2)]
    spans = spans_of([received(), *rounds, event(EventKind.STATUS_CHANGED, T0 + timedelta(minutes=3),
                                                 status="result_ready")])
    assert spans[-1].snapshot.outcome == Timeliness.LATE


def group(key: str, received: int, resolved: int, timely: int, carried_over: int = 0) -> Group[str]:
    return Group(key, Figures(carried_over=carried_over, received=received, resolved=resolved, timely=timely))


def test_ranking_shares_a_place_between_tied_centres_and_leaves_small_ones_unranked() -> None:
    order = ranked([group("a", 20, 10, 20), group("idle", 0, 0, 0), group("b", 40, 40, 40), group("c", 10, 5, 10),
                    group("d", 16, 16, 16), group("tiny", 1, 1, 1), group("few", 5, 5, 5)])
    assert [(g.key, g.rank) for g in order] == [("b", 1), ("d", 2), ("a", 3), ("c", 4), ("few", None),
                                               ("tiny", None), ("idle", None)]
    tied = ranked([group("x", 40, 20, 40), group("y", 40, 20, 40)])
    assert [g.rank for g in tied] == [1, 1]


def test_dossiers_carried_over_count_towards_the_ranking_threshold_and_the_rates() -> None:
    [only] = ranked([group("busy", 4, 9, 10, carried_over=6)])
    assert (only.rank, only.figures.total, only.figures.resolution_rate) == (1, 10, 0.9)


def test_rates_and_sums() -> None:
    total = Figures(received=4, resolved=3, timely=2, very_satisfied=1, dissatisfied=1) + Figures(carried_over=1)
    assert (total.total, total.resolution_rate, total.on_time_rate, total.late) == (5, 0.6, 0.4, 3)
    assert total.satisfaction_rate == 0.5 and Figures().resolution_rate is None
