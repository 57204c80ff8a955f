"""The demo-data simulation drives the services through lifelike days: dossiers received at several
centres in counter hours, some across boundaries, handled step by step by each unit's officers and
returned, a few left open in the inboxes; the same seed gives the same days."""

from __future__ import annotations

import json
import random
import re
from dataclasses import replace
from datetime import time
from typing import Any

from api.settings import ROOT
from api.wiring import Wiring
from engine.adapters.definitions import read_scenarios
from engine.domain.calendar import VN_TZ
from engine.domain.dossier import Dossier, EventKind
from engine.domain.inbox import InboxQuery
from engine.domain.notice import NoticeKind
from engine.domain.status import DossierStatus
from engine.domain.submission import IntakeStage
from engine.domain.task import TaskStatus
from engine.domain.unit import UnitKind, units_of_province
from engine.services import simulation, tasks
from engine.services.simulation_cases import Procedure, Rates, plan_cases
from tests.api.helpers import local
from tests.conftest import HUE, PHU_XUAN, THUAN_HOA, VY_DA, Clock
from tests.integration._support import history_of

SCENARIOS = read_scenarios(ROOT / "processes")
CENTRES = [PHU_XUAN, VY_DA, THUAN_HOA]
END = local(2025, 7, 16, 17, 30)  # Wednesday after closing: Tuesday and Wednesday are simulated


def run(wiring: Wiring, clock: Clock, **options: Any) -> simulation.Summary:
    clock.now = options.pop("end", END)
    settings: dict[str, Any] = {"days": 2, "per_centre": 4, "seed": 7, "centres": CENTRES} | options
    return simulation.simulate(wiring.uow, catalogue=wiring.catalogue, calendar=wiring.calendar, clock=clock,
                               scenarios=SCENARIOS, **settings)


def received(wiring: Wiring, centres: list[str]) -> list[Dossier]:
    found = []
    with wiring.uow() as uow:
        for centre in centres:
            page, _ = uow.dossiers.list(unit_id=centre, status=None, limit=1000, offset=0)
            found += [d for d in page if d.receiving_unit_id == centre]
    return found


def test_simulated_days_look_like_real_work(wiring: Wiring, clock: Clock) -> None:
    days = []
    summary = run(wiring, clock, on_day=lambda day, totals: days.append((day, totals.received)))

    dossiers = received(wiring, CENTRES)
    assert summary.received == len(dossiers) >= 10 and not summary.errors
    assert [day for day, _ in days] == [END.date().replace(day=15), END.date()]
    assert days[-1][1] == summary.received
    assert {d.receiving_unit_id for d in dossiers} == set(CENTRES)
    assert any(d.competent_unit_id not in CENTRES for d in dossiers)  # residence in another commune
    for d in dossiers:
        at = d.received_at.astimezone(VN_TZ)
        assert at.date() in (END.date().replace(day=15), END.date())
        assert time(7, 30) <= at.time() <= time(11, 30) or time(13, 30) <= at.time() <= time(17, 0)
    statuses = [d.status for d in dossiers]
    assert statuses.count(DossierStatus.RETURNED) == summary.returned > 0
    assert sum(not s.is_final for s in statuses) == summary.still_open > 0
    assert summary.tasks_completed >= summary.returned * 3  # reception is not counted: 3+ steps each
    returned = next(d for d in dossiers if d.status == DossierStatus.RETURNED)
    assert returned.received_at < returned.finished_at <= returned.returned_at <= END  # type: ignore[operator]

    # What is left is waiting in the inbox of the officers of its unit and role.
    open_dossier = next(d for d in dossiers if d.status == DossierStatus.PROCESSING)
    assert open_dossier.id is not None
    with wiring.uow() as uow:
        step = next(t for t in uow.tasks.of_dossier(open_dossier.id) if t.status == TaskStatus.READY)
        officer, _ = uow.users.credentials(f"{step.role}.{step.unit_id}")
    inbox, _ = tasks.inbox(wiring.uow(), actor=officer, query=InboxQuery(), clock=wiring.clock,
                           calendar=wiring.calendar, limit=500, offset=0)
    assert step.id in {i.task.id for i in inbox}


def test_the_same_seed_gives_the_same_days(wiring: Wiring, clock: Clock) -> None:
    options: dict[str, Any] = {"days": 1, "per_centre": 3, "seed": 11, "centres": CENTRES[:2]}
    first = run(wiring, clock, **options)
    times = sorted(d.received_at for d in received(wiring, CENTRES[:2]))
    second = run(wiring, clock, **options)  # the same database: its dossiers come on top of the first's

    assert replace(first, elapsed_seconds=0) == replace(second, elapsed_seconds=0)
    assert sorted(d.received_at for d in received(wiring, CENTRES[:2])) == sorted(times * 2)
    assert first.received > 0


def test_supplementation_stops_the_clock_until_the_papers_arrive(wiring: Wiring, clock: Clock) -> None:
    summary = run(wiring, clock, rates=Rates(supplement=1.0, refuse=0, withdraw=0), days=4, per_centre=4,
                  centres=[PHU_XUAN], end=local(2025, 7, 18, 17, 30))

    asked = [d for d in received(wiring, [PHU_XUAN]) if d.notices_of(NoticeKind.SUPPLEMENT_REQUEST)]
    assert summary.supplementations == len(asked) > 0 and not summary.errors
    answered = [d for d in asked if d.notices_of(NoticeKind.SUPPLEMENT_REQUEST)[0].answered_at is not None]
    assert answered, "some applicants brought the papers before the end"
    for d in answered:
        notice = d.notices_of(NoticeKind.SUPPLEMENT_REQUEST)[0]
        assert notice.due_after > notice.due_before  # type: ignore[operator]
        assert EventKind.SUPPLEMENTED in {e.kind for e in history_of(wiring, d)}
    waiting = [d for d in asked if d.status == DossierStatus.SUPPLEMENT_REQUESTED]
    assert all(d.pending_supplement is not None for d in waiting)


def test_dossiers_refused_reception_are_never_received(wiring: Wiring, clock: Clock) -> None:
    """Online or at the counter, a refusal (Mẫu 03) leaves a refused submission: no code, no step, no dossier."""
    summary = run(wiring, clock, rates=Rates(refuse=1.0), days=1, centres=[VY_DA])

    assert summary.refused > 0 and not summary.errors
    assert summary.received == summary.tasks_completed == 0 and received(wiring, [VY_DA]) == []
    with wiring.uow() as uow:
        refused, total = uow.submissions.queue(centre_ids=[VY_DA], stages=[IntakeStage.REFUSED], limit=100, offset=0)
    assert total == summary.refused
    assert all(s.refusal is not None and s.dossier_code is None for s in refused)


def test_the_simulate_command_prints_each_day_and_fills_an_empty_database_once(app: Any, clock: Clock) -> None:
    clock.now = END
    runner = app.test_cli_runner()
    result = runner.invoke(args=["simulate", "--days", "2", "--per-centre", "0.2", "--seed", "5", "--if-empty"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Tue 15/07/2025: ") and lines[1].startswith("Wed 16/07/2025: ")
    assert lines[2].startswith("Simulated 2 working days") and "dossiers received" in lines[2]

    again = runner.invoke(args=["simulate", "--if-empty"])
    assert again.exit_code == 0 and "nothing simulated" in again.output


def test_the_plan_spreads_dossiers_over_counter_hours_and_communes() -> None:
    """Without a database: a month of a 40-commune province keeps the shares asked for."""
    procedures = [Procedure(code, True, found) for code, found in SCENARIOS.items() if found]
    communes = [u.id for u in units_of_province(HUE) if u.kind == UnitKind.COMMUNE]
    days = [END.date().replace(day=d) for d in range(1, 32) if END.date().replace(day=d).weekday() < 5]
    cases = plan_cases(random.Random(3), days=days, centres=communes, per_centre=3, procedures=procedures,
                       communes=communes, rates=Rates())

    assert 0.9 < len(cases) / (len(days) * 40 * 3) < 1.1
    per_centre = [sum(c.centre == commune for c in cases) for commune in communes]
    assert max(per_centre) > 2 * min(per_centre)  # some centres are busier than others
    # Certifications and most catalogue procedures name no commune in their application: only the others do.
    naming = {code for code, found in SCENARIOS.items() if any(_communes_in(s["application"]) for s in found)}
    named = [c for c in cases if c.procedure_code in naming]
    assert 0.15 < sum(c.home != c.centre for c in named) / len(named) < 0.25
    assert all(_communes_in(c.application) & set(communes) == {c.home}
               for c in named)  # the application names the commune drawn, and no other
    by_code = {code: sum(c.procedure_code == code for c in cases) for code in SCENARIOS}
    assert by_code["2.000815"] > by_code["1.001193"] > by_code["2.000908"]  # common ones first


def _communes_in(application: dict[str, Any]) -> set[str]:
    return set(re.findall(r'"(\d{5})"', json.dumps(application)))
