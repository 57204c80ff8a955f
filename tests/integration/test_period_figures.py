"""Period figures across a month boundary and the 2026 New Year swap, on SQLite and PostgreSQL.

Birth registrations (same-day: due 17:00, or 17:00 the next working day when received after 15:00) at
Phú Xuân for families of Vỹ Dạ, which handles them. Official Letter 12729/VPCP-KGVX made Friday 2 January
2026 a day off and Saturday 10 January a working day, so a dossier received on 31 December at 15:30 is
due on Monday 5 January, and one received on Friday 9 January at 15:30 on Saturday 10 January.

    A  Fri 28/11 09:00, due that day, resolved 02/12: carried into December, resolved late in it
    Z  Thu 20/11 09:00, resolved 21/11: finished before December, in none of its figures
    E  Mon 15/12 15:30, due 16/12, resolved 15/12 16:00 and handed over 16/12: before time, returned
    F  Wed 10/12 09:00, withdrawn 10/12 11:00: withdrawn, on time
    J  Mon 22/12 09:00, stopped by Vỹ Dạ 22/12 10:00: stopped
    H  Mon 29/12 09:00, supplement asked 29/12 10:00, brought 06/01 10:00, resolved 06/01 11:00:
       pending at December's end (waiting, on time), resolved on time in January
    C  Tue 30/12 09:00, never resolved: overdue at December's end and still in January
    B  Wed 31/12 15:30, due Mon 05/01, resolved 05/01 10:00: pending in December, on time in January
    K  Fri 09/01 15:30, due Sat 10/01 (worked), resolved 10/01 10:00: new in January, on time
    D  Mon 05/01 09:00 at Vỹ Dạ itself, resolved 10:00: Vỹ Dạ's own

`test_the_sums_equal_their_recomputation_from_the_history` then holds the database's sums to the rule
written in Python (engine/domain/stat_spans.py `figures_of`) over the raw history, for every grouping and
many periods, including periods that end at the very minute something happened.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from api.wiring import Wiring
from engine.adapters.stat_spans import tracked_histories
from engine.domain.dossier import EventKind, HistoryEvent
from engine.domain.figures import Figures, Scope
from engine.domain.notice import MissingItem
from engine.domain.stat_spans import figures_of, held_at, origin_of, spans_of
from engine.services import registers, stats
from engine.services.stats import CentreReport
from tests.api.helpers import API, sign_in
from tests.conftest import PHU_XUAN, VY_DA, Clock
from tests.integration._support import Story

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DECEMBER = stats.report_period("month", 2025, 12)
JANUARY = stats.report_period("month", 2026, 1)
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=VN)


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026 if month == 1 else 2025, month, day, hour, minute, tzinfo=VN)


@pytest.fixture
def codes(wiring: Wiring, clock: Clock) -> dict[str, str]:
    s = Story(wiring, clock)
    px, specialist = f"reception.{PHU_XUAN}", f"specialist.{VY_DA}"
    z = s.receive(at(20, 11, 9))
    s.resolve(z, at(21, 11, 9))
    a = s.receive(at(28, 11, 9))
    s.resolve(a, at(2, 12, 9))
    f = s.receive(at(10, 12, 9))
    s.act("withdraw", f, at(10, 12, 11), px, reasons="Người nộp rút hồ sơ")
    e = s.receive(at(15, 12, 15, 30))
    s.resolve(e, at(15, 12, 16))
    s.hand_over(e, at(16, 12, 9))
    j = s.receive(at(22, 12, 9))
    s.act("stop", j, at(22, 12, 10), specialist, reasons="Không đủ điều kiện")
    h = s.receive(at(29, 12, 9))
    s.act("request_supplement", h, at(29, 12, 10), specialist, reasons="Thiếu giấy chứng sinh",
          items=[MissingItem("Giấy chứng sinh")])
    c = s.receive(at(30, 12, 9))
    b = s.receive(at(31, 12, 15, 30))
    d = s.receive(at(5, 1, 9), centre=VY_DA)
    s.resolve(b, at(5, 1, 10))
    s.resolve(d, at(5, 1, 10))
    s.act("supplement", h, at(6, 1, 10), px)
    s.resolve(h, at(6, 1, 11))
    k = s.receive(at(9, 1, 15, 30))
    s.resolve(k, at(10, 1, 10))
    clock.now = NOW
    return {name: dossier.code for name, dossier in zip("ZAFEJHCBDK", (z, a, f, e, j, h, c, b, d, k), strict=True)}


def test_the_new_year_swap_moves_the_due_times(codes: dict[str, str], wiring: Wiring) -> None:
    with wiring.uow() as uow:
        due = {name: uow.dossiers.get(codes[name]).due_at for name in "BK"}  # type: ignore[union-attr]
    assert due == {"B": at(5, 1, 17), "K": at(10, 1, 17)}


def report(wiring: Wiring, clock: Clock, period: tuple[datetime, datetime], **kwargs: object) -> CentreReport:
    actor = Story(wiring, clock).actors("supervisor.46")
    return stats.centres(wiring.uow(), actor=actor, catalogue=wiring.catalogue, clock=clock, start=period[0],
                         end=period[1], **kwargs)  # type: ignore[arg-type]


def centre(r: CentreReport, unit_id: str) -> Figures:
    return next(g.figures for g in r.centres if g.key.id == unit_id)


def test_december_counts_what_it_carried_over_and_what_it_left_open(codes: dict[str, str], wiring: Wiring,
                                                                     clock: Clock) -> None:
    december = report(wiring, clock, DECEMBER)
    assert december.as_of == DECEMBER[1]
    assert centre(december, PHU_XUAN) == Figures(
        carried_over=1, received=6, received_in_person=6, outside_area=6, resolved=2, resolved_before_time=1,
        resolved_late=1, withdrawn=1, stopped=1, in_process_on_time=2, in_process_overdue=1, suspended=1,
        timely=5, returned=1)
    assert december.totals.total == 7 and december.totals.pending == 3
    assert centre(december, VY_DA) == Figures()


def test_january_carries_over_exactly_what_december_left_open(codes: dict[str, str], wiring: Wiring,
                                                              clock: Clock) -> None:
    january = report(wiring, clock, JANUARY)
    assert january.as_of == NOW  # not ended yet: judged now
    assert centre(january, PHU_XUAN) == Figures(
        carried_over=3, received=1, received_in_person=1, outside_area=1, resolved=3, resolved_on_time=3,
        in_process_overdue=1, timely=3)
    assert centre(january, VY_DA) == Figures(received=1, received_in_person=1, resolved=1, resolved_on_time=1,
                                             timely=1)
    assert centre(january, PHU_XUAN).carried_over == centre(report(wiring, clock, DECEMBER), PHU_XUAN).pending


def test_the_lists_behind_the_figures_are_the_hand_counted_dossiers(codes: dict[str, str], wiring: Wiring,
                                                                    clock: Clock) -> None:
    actor = Story(wiring, clock).actors("supervisor.46")

    def behind(figure: str, period: tuple[datetime, datetime]) -> set[str]:
        found, total = stats.dossiers_behind(wiring.uow(), actor=actor, clock=clock, start=period[0],
                                             end=period[1], figure=figure, group=("centre", PHU_XUAN))
        assert total == len(found)
        return {next(name for name, code in codes.items() if code == d.code) for d in found}

    assert behind("carried_over", DECEMBER) == {"A"}
    assert behind("received", DECEMBER) == set("FEJHCB")
    assert behind("in_process_overdue", DECEMBER) == {"C"}
    assert behind("in_process_on_time", DECEMBER) == {"H", "B"}
    assert behind("carried_over", JANUARY) == {"H", "C", "B"}
    assert behind("resolved_on_time", JANUARY) == {"H", "B", "K"}


def test_the_register_lists_the_dossiers_received_in_the_month(codes: dict[str, str], wiring: Wiring,
                                                               clock: Clock) -> None:
    actor = Story(wiring, clock).actors(f"reception.{PHU_XUAN}")
    register = registers.read(wiring.uow(), actor=actor, catalogue=wiring.catalogue, calendar=wiring.calendar,
                              clock=clock, unit_id=PHU_XUAN, start=date(2025, 12, 1), end=date(2025, 12, 31))
    assert [row.code for row in register.rows] == [codes[name] for name in "FEJHCB"]
    assert len(register.rows) == centre(report(wiring, clock, DECEMBER), PHU_XUAN).received


def test_the_periodic_report_prints_the_hand_counts(codes: dict[str, str], client: Any) -> None:
    """The official report's rows for Phú Xuân, December then January, in its column order (CSV for Excel)."""
    headers = sign_in(client, "supervisor.46")
    rows = {}
    for number, year in ((12, 2025), (1, 2026)):
        response = client.get(f"{API}/stats/report", headers=headers, query_string={
            "period": "month", "year": year, "number": number, "format": "csv"})
        assert response.status_code == 200
        table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""), delimiter=";"))
        rows[number] = next(row[2:] for row in table if len(row) > 2 and row[1] == "Phường Phú Xuân")
    # Tổng, kỳ trước, mới (tổng, trực tuyến, trực tiếp, BCCI, phi địa giới), đã giải quyết (tổng, trước hạn,
    # đúng hạn, quá hạn), đang giải quyết (tổng, trong hạn, quá hạn), rút, trả lại, tồn cuối kỳ, % đúng hạn.
    assert rows[12] == ["7", "1", "6", "0", "6", "0", "6", "2", "1", "0", "1", "3", "2", "1", "1", "1", "3", "71,4"]
    assert rows[1] == ["4", "3", "1", "0", "1", "0", "1", "3", "0", "3", "0", "1", "0", "1", "0", "0", "1", "75,0"]


def test_each_period_opens_with_what_the_one_before_left_open(codes: dict[str, str], wiring: Wiring,
                                                              clock: Clock) -> None:
    weeks = [datetime(2025, 11, 17, tzinfo=VN) + timedelta(weeks=n) for n in range(9)]
    reports = [report(wiring, clock, period) for period in pairwise(weeks)]
    for before, after in pairwise(reports):
        for unit in (PHU_XUAN, VY_DA):
            assert centre(after, unit).carried_over == centre(before, unit).pending
    for r in reports:
        t = r.totals
        assert t.total == t.resolved + t.withdrawn + t.stopped + t.pending
    assert sum(r.totals.resolved for r in reports) == 7  # each resolved dossier in exactly one week


def test_the_sums_equal_their_recomputation_from_the_history(codes: dict[str, str], wiring: Wiring,
                                                             clock: Clock) -> None:
    with wiring.engine.connect() as connection:
        histories = list(tracked_histories(connection))
    moments = sorted({e.at for _, events in histories for e in events if e.kind in (
        EventKind.RECEIVED, EventKind.STATUS_CHANGED, EventKind.CLOCK_PAUSED, EventKind.CLOCK_RESUMED)})
    starts = [DECEMBER[0], JANUARY[0], datetime(2025, 11, 28, 9, tzinfo=VN), *moments[::3]]
    periods = [(start, start + length) for start in starts for length in (timedelta(hours=1), timedelta(days=1),
                                                                           timedelta(days=31))]
    periods += [(DECEMBER[0], moment) for moment in moments if moment > DECEMBER[0]]  # ending as it happens
    with wiring.uow() as uow:
        centres = [u.id for u in uow.units.list(province_id="46") if u.has_centre]
    for start, end in periods:
        for scope in (Scope(centres, start, end, min(end, NOW)),
                      Scope([VY_DA], start, end, min(end, NOW), either_side=True)):
            with wiring.uow() as uow:
                stored = uow.stats.figures(scope)
            assert stored == _recomputed(histories, scope), (start, end, scope.either_side)


def _recomputed(histories: list[tuple[int, list[HistoryEvent]]], scope: Scope) -> dict[str, list[tuple[str, Figures]]]:
    groups: dict[str, dict[str, Figures]] = defaultdict(lambda: defaultdict(Figures))
    for _, events in histories:
        received = next(e for e in events if e.kind == EventKind.RECEIVED)
        origin = origin_of(received)
        units = {origin.receiving_unit_id} | ({origin.competent_unit_id} if scope.either_side else set())
        if not units & set(scope.units):
            continue
        figures = figures_of(origin, held_at(spans_of(events), scope.as_of), scope)
        if figures == Figures():
            continue
        keys = {"centre": origin.receiving_unit_id, "competent_unit": origin.competent_unit_id,
                "procedure": origin.procedure_code, "day": origin.received_at.astimezone(VN).date().isoformat()}
        for grouping, key in keys.items():
            groups[grouping][key] += figures
    return {name: sorted(groups[name].items()) for name in ("centre", "competent_unit", "procedure", "day")}
