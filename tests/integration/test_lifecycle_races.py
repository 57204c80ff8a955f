"""Lifecycle actions racing on one dossier (real threads, SQLite file and PostgreSQL): one counter
officer refuses while another records a withdrawal, and a handler stops it while completing its step.
Exactly one wins; the loser is refused (409, or 403 once no step of theirs waits); one end in the history."""

from __future__ import annotations

from typing import Any

from api.wiring import Wiring
from engine.domain.dossier import EventKind
from engine.domain.errors import ConflictError, ForbiddenError
from engine.domain.status import DossierStatus
from engine.services import lifecycle, tasks
from tests.conftest import PHU_XUAN, VY_DA, Clock
from tests.integration._support import STEP_DATA, Actors, deps, history_of, load, ready_task, receive, run_together

ROUNDS = 3


def _ends(wiring: Wiring, code: str) -> list[str]:
    return [e.data["status"] for e in history_of(wiring, load(wiring, code))
            if e.kind == EventKind.STATUS_CHANGED and DossierStatus(e.data["status"]).is_final]


def _one_winner(outcomes: list[tuple[str, Any]]) -> None:
    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    error = next(value for kind, value in outcomes if kind == "error")
    assert isinstance(error, ConflictError), error


def test_refusal_and_withdrawal_at_once(wiring: Wiring, clock: Clock) -> None:
    actors = Actors(wiring)
    centre = actors(f"reception.{PHU_XUAN}")
    for _ in range(ROUNDS):
        code = receive(wiring, centre).code
        outcomes = run_together([
            lambda code=code: lifecycle.refuse(wiring.uow(), actor=centre, code=code, reasons="Từ chối",
                                               clock=wiring.clock),
            lambda code=code: lifecycle.withdraw(wiring.uow(), actor=centre, code=code, reasons="Rút",
                                                 clock=wiring.clock),
        ])
        _one_winner(outcomes)
        dossier = load(wiring, code)
        assert _ends(wiring, code) == [dossier.status.value] and len(dossier.notices) == 1


def test_stop_while_the_step_is_completed(wiring: Wiring, clock: Clock) -> None:
    actors = Actors(wiring)
    specialist = actors(f"specialist.{VY_DA}")
    for _ in range(ROUNDS):
        dossier = receive(wiring, actors(f"reception.{PHU_XUAN}"))
        review = ready_task(wiring, dossier, "review")
        outcomes = run_together([
            lambda code=dossier.code: lifecycle.stop(wiring.uow(), actor=specialist, code=code, reasons="Dừng",
                                   clock=wiring.clock),
            lambda task=review.id: tasks.complete(wiring.uow(), actor=specialist, task_id=task,
                                                  data=STEP_DATA["review"], **deps(wiring)),
        ])
        (stop_kind, stop_value), (review_kind, review_value) = outcomes
        after = load(wiring, dossier.code)
        if stop_kind == "ok":  # stopped first: the step is refused with the current status
            assert review_kind == "error" and isinstance(review_value, ConflictError)
            assert review_value.status == "stopped" and after.status == DossierStatus.STOPPED
            assert _ends(wiring, dossier.code) == ["stopped"]
        else:  # the review went first: the specialist has no waiting step left to stop
            assert review_kind == "ok" and isinstance(stop_value, ForbiddenError)
            assert after.status == DossierStatus.PROCESSING and _ends(wiring, dossier.code) == []
