"""The per-centre figures against cases computed by hand, on SQLite and PostgreSQL.

Twelve birth registrations (same-day procedure: due 17:00, or 17:00 the next working day when received
after 15:00) between Monday 25 August and Friday 5 September 2025, around the National Day holiday
(Saturday 30 August to Tuesday 2 September off). Most are received at Phú Xuân for families living in
Vỹ Dạ, so Vỹ Dạ handles them; one is refused reception at Phú Xuân's counter, so never received. The period
is 25 August 00:00 to 8 September 00:00, local time.

The intake figures (handed in online, guided, refused reception, waiting) against an online day of their own:
`test_the_intake_counts_beside_what_was_received`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from api.wiring import Wiring
from engine.adapters.records import StatSpanRecord
from engine.adapters.stat_spans import rebuild, recomputed_rows, snapshot_of, stored_rows
from engine.domain.figures import Figures
from engine.domain.files import Component
from engine.domain.notice import MissingItem
from engine.domain.rating import SatisfactionLevel
from engine.domain.timeliness import Timeliness, of_dossier
from engine.services import intake, registers, stats
from engine.services.intake import Acceptance, Handing
from engine.services.stats import CentreReport
from tests.conftest import PHU_XUAN, VY_DA, Clock, birth_application
from tests.integration._support import BIRTH, Actors, Story, deps, receive

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START, END = datetime(2025, 8, 25, tzinfo=VN), datetime(2025, 9, 8, tzinfo=VN)


def at(day: int, hour: int, minute: int = 0, month: int = 8) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=VN)


@pytest.fixture
def story(wiring: Wiring, clock: Clock) -> Story:
    s = Story(wiring, clock)
    px = f"reception.{PHU_XUAN}"
    holiday = s.receive(at(29, 15, 30))            # after 15:00 on the Friday before the holiday: due Wed 3 Sep
    s.resolve(holiday, at(3, 10, month=9))          # on time, thanks to the holiday
    s.hand_over(holiday, at(4, 8, month=9))
    late = s.receive(at(25, 9))                     # due 25 Aug 17:00
    s.resolve(late, at(26, 9))                      # late
    paused = s.receive(at(26, 9))                   # due 26 Aug 17:00
    s.act("request_supplement", paused, at(26, 10), f"specialist.{VY_DA}", reasons="Thiếu giấy chứng sinh",
          items=[MissingItem("Giấy chứng sinh")])
    s.act("supplement", paused, at(28, 10), px)     # two working days stopped: due 28 Aug 17:00
    s.resolve(paused, at(28, 16))                   # on time, thanks to the pause
    early = s.receive(at(25, 15, 30))               # due Tue 26 Aug 17:00
    s.resolve(early, at(25, 16, 30))                # before time
    s.receive(at(27, 9), residence=PHU_XUAN)        # handled at Phú Xuân itself, never done: overdue
    after_end = s.receive(at(5, 9, month=9))        # due 5 Sep 17:00, done after the period: overdue then
    s.resolve(after_end, at(8, 9, month=9))
    s.refuse_reception(at(4, 9, 10, month=9))       # refused at the counter: never received
    withdrawn = s.receive(at(4, 10, month=9))
    s.act("withdraw", withdrawn, at(4, 11, month=9), px, reasons="Người nộp rút hồ sơ")
    s.receive(at(5, 15, 30, month=9))               # due Mon 8 Sep 17:00: in process, on time
    waiting = s.receive(at(4, 9, 30, month=9))      # still waiting for the supplement: suspended, timely
    s.act("request_supplement", waiting, at(4, 10, month=9), f"specialist.{VY_DA}", reasons="Thiếu tờ khai",
          items=[MissingItem("Tờ khai")])
    own = s.receive(at(4, 9, month=9), centre=VY_DA)  # Vỹ Dạ's own: on time, returned
    s.resolve(own, at(4, 10, month=9))
    s.hand_over(own, at(4, 11, month=9))
    s.receive(at(22, 9))                            # before the period, never done: carried over, overdue
    s.rate(holiday, at(5, 9, month=9), SatisfactionLevel.DISSATISFIED)
    s.rate(own, at(9, 9, month=9), SatisfactionLevel.VERY_SATISFIED)  # after the period's end
    s.clock.now = at(10, 9, month=9)
    return s


def report(s: Story, user: str = "supervisor.46", **kwargs: object) -> CentreReport:
    return stats.centres(s.wiring.uow(), actor=s.actors(user), catalogue=s.wiring.catalogue, clock=s.clock,
                         start=kwargs.pop("start", START), end=kwargs.pop("end", END), **kwargs)  # type: ignore[arg-type]


def test_each_centre_matches_the_hand_count(story: Story) -> None:
    r = report(story)
    centres = {g.key.id: g for g in r.centres}
    # The dossier refused reception was never received: counted as refused, outside `received` and the rates.
    # The one received on 22 August is carried over, still overdue; eight of the nine new were received
    # at Phú Xuân for Vỹ Dạ's families (outside their commune). The one waiting for its supplement is in
    # process on time, and counted apart as suspended.
    assert centres[PHU_XUAN].figures == Figures(
        carried_over=1, received=9, received_in_person=9, outside_area=8, resolved=4, resolved_before_time=1,
        resolved_on_time=2, resolved_late=1, in_process_on_time=2, in_process_overdue=3, suspended=1, refused=1,
        withdrawn=1, timely=6, returned=1, dissatisfied=1)
    assert centres[VY_DA].figures == Figures(received=1, received_in_person=1, resolved=1, resolved_on_time=1,
                                             timely=1, returned=1)
    px = centres[PHU_XUAN].figures
    assert (px.total, px.pending) == (10, 5) and px.total == px.resolved + px.withdrawn + px.stopped + px.pending
    assert px.resolution_rate == pytest.approx(4 / 10) and px.on_time_rate == pytest.approx(6 / 10)
    # Vỹ Dạ resolved all it had, but one dossier is too few to rank.
    assert [(g.key.id, g.rank) for g in r.centres[:2]] == [(PHU_XUAN, 1), (VY_DA, None)]
    assert all(g.rank is None and g.figures == Figures() for g in r.centres[2:])
    assert len(r.centres) == 41  # every centre of Huế (40 communes and the province's), idle ones included
    t = r.totals
    assert (t.total, t.received, t.resolved, t.timely, t.refused) == (11, 10, 5, 7, 1)
    assert r.totals == sum((g.figures for g in r.centres), Figures())
    assert (r.totals.ratings, r.totals.satisfaction_rate) == (1, 0.0)  # Vỹ Dạ's came after the period
    indicators = {i.id: i for i in r.indicators}
    assert (indicators["5.4"].numerator, indicators["5.4"].denominator) == (11 - 4 - 1, 11)
    assert r.as_of == END


def test_grouped_by_competent_unit_and_procedure(story: Story) -> None:
    r = report(story)
    competent = {g.key.id: g.figures.received for g in r.competent_units}
    assert competent == {VY_DA: 9, PHU_XUAN: 1}
    assert [(g.key.id, g.key.name, g.figures.received) for g in r.procedures] == [
        ("1.001193", "Đăng ký khai sinh", 10)]
    assert all(g.figures.refused == 0 for g in r.competent_units + r.procedures)  # the intake is the centres'


def test_a_unit_sees_what_it_received_and_what_it_handled(story: Story) -> None:
    r = report(story, user=f"leader.{VY_DA}")
    assert r.scope.id == VY_DA
    assert r.totals.received == 9 and r.totals.refused == 0  # eight handled for Phú Xuân and its own one
    assert r.totals.carried_over == 1  # and the one from 22 August, handled for Phú Xuân too
    assert {g.key.id for g in r.centres} == {PHU_XUAN, VY_DA}


def test_the_period_end_is_the_moment_judged(story: Story) -> None:
    # Judged now (10 September) instead, the dossier finished on 8 September is resolved late, and the
    # one due on 8 September at 17:00 has become overdue; the one waiting for its supplement is not.
    r = report(story, end=at(10, 9, month=9))
    px = next(g for g in r.centres if g.key.id == PHU_XUAN).figures
    assert (px.resolved, px.resolved_late, px.in_process_overdue, px.in_process_on_time) == (5, 2, 3, 1)
    assert r.totals.ratings == 2
    # A period that has not ended yet is judged now.
    assert report(story, end=at(30, 0, month=9)).as_of == story.clock.now


def test_by_day_follows_the_local_day_of_receipt(story: Story) -> None:
    days = {g.key.isoformat(): g.figures.received for g in report(story).days}
    assert days == {"2025-08-25": 2, "2025-08-26": 1, "2025-08-27": 1, "2025-08-29": 1, "2025-09-04": 3,
                    "2025-09-05": 2}


def test_the_figures_agree_with_each_dossier_page(story: Story, wiring: Wiring) -> None:
    """The open span of every dossier is the dossier as its page shows it now."""
    with wiring.uow() as uow:
        session = uow._session
        assert session is not None
        spans = session.scalars(select(StatSpanRecord).where(StatSpanRecord.until.is_(None))).all()
        for span in spans:
            dossier = uow.dossiers.get_by_id(span.dossier_id)
            assert dossier is not None
            assert (span.status, span.deadline_at, span.finished_at, span.supplement_rounds) == (
                dossier.status.value, dossier.deadline_at, dossier.finished_at, dossier.supplement_rounds)
            shown = of_dossier(dossier, story.clock.now, wiring.calendar)
            if span.outcome:
                assert span.outcome == shown.value
            else:  # the rule the figures' SQL counts by, stated once in the domain, agrees with the page
                assert snapshot_of(span).overdue_at(story.clock.now) == (shown == Timeliness.OVERDUE)
    assert len(spans) == 11


def test_the_table_equals_its_recomputation_from_raw_events(story: Story, wiring: Wiring) -> None:
    with wiring.engine.connect() as connection:
        stored = stored_rows(connection)
        recomputed = sorted(recomputed_rows(connection), key=lambda r: (r["dossier_id"], r["since"]))
    assert stored == recomputed
    assert len(stored) > 11  # more than one span per dossier: the history is really folded
    with wiring.engine.begin() as connection:
        assert rebuild(connection) == len(stored)
    with wiring.engine.connect() as connection:
        assert stored_rows(connection) == stored


def test_readers_are_limited_to_their_unit_or_province(story: Story) -> None:
    from engine.domain.errors import ForbiddenError, NotFoundError, ValidationFailedError
    with pytest.raises(ForbiddenError):
        report(story, user=f"leader.{VY_DA}", unit_id=PHU_XUAN)
    with pytest.raises(ForbiddenError):
        report(story, user=f"reception.{PHU_XUAN}", unit_id="46")
    with pytest.raises(NotFoundError):
        report(story, unit_id="nowhere")
    with pytest.raises(ValidationFailedError):
        report(story, end=START - timedelta(minutes=1))
    assert report(story, unit_id=PHU_XUAN).totals.received == 9  # a supervisor reads any unit of the province


def test_the_intake_counts_beside_what_was_received(wiring: Wiring, clock: Clock) -> None:
    """Monday 15 September at Phú Xuân: four dossiers handed in online (one accepted; one guided, completed
    and accepted; one refused reception; one still waiting at the day's end, accepted the next morning) and
    one received at the counter. Received are the three accepted that day, and only they are in the register."""
    actors = Actors(wiring)
    portal, counter = actors("portal.46"), actors(f"reception.{PHU_XUAN}")
    both = [Component("Tờ khai", "electronic", 1, 0), Component("Giấy chứng sinh", "electronic", 1, 1)]

    def online(reference: str, when: datetime, components: list[Component]) -> int:
        clock.now = when
        handing = Handing(PHU_XUAN, BIRTH, birth_application(VY_DA), components=components, reference=reference)
        submission, _ = intake.submit(wiring.uow(), actor=portal, catalogue=wiring.catalogue, clock=clock,
                                      handing=handing)
        assert submission.id is not None
        return submission.id

    def accept(submission_id: int, when: datetime) -> str:
        clock.now = when
        return intake.accept(wiring.uow(), actor=counter, submission_id=submission_id, acceptance=Acceptance(),
                             **deps(wiring)).code

    accepted = online("G22.accepted", at(15, 8, month=9), both)
    guided = online("G22.guided", at(15, 8, 5, month=9), both[:1])
    refused = online("G22.refused", at(15, 8, 10, month=9), both)
    late = online("G22.late", at(15, 8, 15, month=9), both)
    codes = [accept(accepted, at(15, 8, 30, month=9))]
    clock.now = at(15, 8, 40, month=9)
    intake.guide(wiring.uow(), actor=counter, clock=clock, submission_id=guided, reasons="Thiếu giấy chứng sinh",
                 items=[MissingItem("Giấy chứng sinh")])
    clock.now = at(15, 9, month=9)
    intake.refuse(wiring.uow(), actor=counter, clock=clock, submission_id=refused, reasons="Không thuộc thẩm quyền")
    clock.now = at(15, 10, month=9)
    intake.resubmit(wiring.uow(), actor=portal, catalogue=wiring.catalogue, clock=clock, submission_id=guided,
                    application=birth_application(VY_DA), components=both)
    codes.append(accept(guided, at(15, 10, 30, month=9)))
    clock.now = at(15, 11, month=9)
    codes.append(receive(wiring, counter).code)
    accept(late, at(16, 8, 30, month=9))  # waiting when the day ended
    clock.now = at(16, 9, month=9)

    day = stats.centres(wiring.uow(), actor=actors("supervisor.46"), catalogue=wiring.catalogue, clock=clock,
                        start=at(15, 0, month=9), end=at(16, 0, month=9))

    px = next(g.figures for g in day.centres if g.key.id == PHU_XUAN)
    assert (px.received, px.received_online, px.submitted_online, px.guided, px.refused, px.waiting) == (
        3, 2, 4, 1, 1, 1)
    assert day.totals == sum((g.figures for g in day.centres), Figures()) and day.totals.received == 3
    assert {i.id: i.denominator for i in day.indicators}["2.1"] == 3  # the refused one is in no rate
    register = registers.read(wiring.uow(), actor=counter, catalogue=wiring.catalogue, calendar=wiring.calendar,
                              clock=clock, unit_id=PHU_XUAN, start=date(2025, 9, 15), end=date(2025, 9, 15))
    assert [row.code for row in register.rows] == codes
    # Judged now, the morning after: the late one is received on the 16th, so no longer waiting.
    now = stats.centres(wiring.uow(), actor=actors("supervisor.46"), catalogue=wiring.catalogue, clock=clock,
                        start=at(15, 0, month=9), end=at(17, 0, month=9))
    assert (now.totals.received, now.totals.submitted_online, now.totals.waiting) == (4, 4, 0)
