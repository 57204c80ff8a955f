"""Near-due and overdue marks written by the worker: at the right moments (in the last quarter of the time
allotted, at most a working day of office hours before the deadline; then just after it), once each, and
following the deadline when it moves."""

from __future__ import annotations

from datetime import datetime

from api.wiring import Wiring
from engine.domain.dossier import Dossier, EventKind
from engine.domain.notice import MissingItem
from engine.services import lifecycle, worker
from tests.api.helpers import local
from tests.conftest import PHU_XUAN, VY_DA, Clock
from tests.integration._support import Actors, deps, history_of, receive_group


def marks(wiring: Wiring, dossier: Dossier) -> list[tuple[str, datetime]]:
    return [(e.kind.value, e.at) for e in history_of(wiring, dossier) if e.kind in (EventKind.NEAR_DUE,
                                                                                     EventKind.OVERDUE)]


def run_at(wiring: Wiring, clock: Clock, now: datetime) -> None:
    clock.now = now
    worker.run_due(wiring.uow, handlers=worker.handlers(calendar=wiring.calendar, catalogue=wiring.catalogue),
                   clock=clock)


def test_a_dossier_is_marked_near_due_then_overdue_once_each(wiring: Wiring, clock: Clock) -> None:
    clock.now = local(2025, 7, 14, 9, 0)
    dossier = receive_group(wiring, Actors(wiring))
    assert dossier.due_at == local(2025, 7, 17, 17, 0)

    # 30.5 office hours allotted (Monday from 09:00, then three full days): near due in the last quarter,
    # 7 h 37 min 30 s of office hours before the deadline, so Thursday at 07:52:30.
    run_at(wiring, clock, local(2025, 7, 17, 7, 52))
    assert marks(wiring, dossier) == []
    run_at(wiring, clock, local(2025, 7, 17, 7, 52, 30))
    assert marks(wiring, dossier) == [("near_due", local(2025, 7, 17, 7, 52, 30))]
    run_at(wiring, clock, local(2025, 7, 17, 17, 0))  # the deadline itself is still on time
    run_at(wiring, clock, local(2025, 7, 17, 17, 0, 1))
    run_at(wiring, clock, local(2025, 7, 21, 9, 0))
    assert marks(wiring, dossier) == [("near_due", local(2025, 7, 17, 7, 52, 30)),
                                      ("overdue", local(2025, 7, 17, 17, 0, 1))]


def test_the_marks_follow_a_deadline_moved_by_supplementation(wiring: Wiring, clock: Clock) -> None:
    actors = Actors(wiring)
    clock.now = local(2025, 7, 14, 9, 0)
    dossier = receive_group(wiring, actors)
    centre = actors(f"reception.{PHU_XUAN}")
    clock.now = local(2025, 7, 15, 9, 0)
    lifecycle.request_supplement(wiring.uow(), actor=actors(f"specialist.{VY_DA}"), code=dossier.code, reasons="Thiếu",
                                 items=[MissingItem("Giấy chứng sinh")], **deps(wiring))
    run_at(wiring, clock, local(2025, 7, 16, 17, 0))  # waiting for the applicant: no mark
    assert marks(wiring, dossier) == []

    clock.now = local(2025, 7, 17, 9, 0)  # paused two working days: due Monday 21 July 17:00
    moved = lifecycle.supplement(wiring.uow(), actor=centre, code=dossier.code, calendar=wiring.calendar,
                                 clock=wiring.clock)
    assert moved.due_at == local(2025, 7, 21, 17, 0)
    run_at(wiring, clock, local(2025, 7, 17, 17, 0))
    assert marks(wiring, dossier) == []
    run_at(wiring, clock, local(2025, 7, 18, 17, 0))
    assert marks(wiring, dossier) == [("near_due", local(2025, 7, 18, 17, 0))]


def test_a_finished_dossier_is_never_marked(wiring: Wiring, clock: Clock) -> None:
    actors = Actors(wiring)
    clock.now = local(2025, 7, 14, 9, 0)
    dossier = receive_group(wiring, actors)
    lifecycle.withdraw(wiring.uow(), actor=actors(f"reception.{PHU_XUAN}"), code=dossier.code, reasons="Rút",
                       clock=wiring.clock)
    run_at(wiring, clock, local(2025, 7, 30, 9, 0))
    assert marks(wiring, dossier) == []
