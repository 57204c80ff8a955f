"""Lifecycle actions racing on one dossier (real threads, SQLite file and PostgreSQL): the handler stops it while
the counter records a withdrawal, and while completing its own step; two counter officers accept and refuse
reception of one submission. Exactly one wins; the loser is refused (409, or 403 once no step of theirs
waits); one end in the history, one decision on the submission."""

from __future__ import annotations

import time
from typing import Any

import pytest

from api.wiring import Wiring
from engine.domain.dossier import EventKind
from engine.domain.errors import ConflictError, ForbiddenError
from engine.domain.files import Component
from engine.domain.status import DossierStatus
from engine.domain.submission import IntakeStage
from engine.services import intake, lifecycle
from engine.services.intake import Acceptance, Handing
from tests.conftest import HUE, PHU_XUAN, VY_DA, Clock, birth_application
from tests.integration._support import (
    Actors,
    deps,
    history_of,
    load,
    receive,
    row_counts,
    run_together,
)

ROUNDS = 3


def _ends(wiring: Wiring, code: str) -> list[str]:
    return [e.data["status"] for e in history_of(wiring, load(wiring, code))
            if e.kind == EventKind.STATUS_CHANGED and DossierStatus(e.data["status"]).is_final]


def _one_winner(outcomes: list[tuple[str, Any]], *errors: type[Exception]) -> None:
    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    error = next(value for kind, value in outcomes if kind == "error")
    assert isinstance(error, errors or ConflictError), error


def test_stop_and_withdrawal_at_once(wiring: Wiring, clock: Clock) -> None:
    actors = Actors(wiring)
    centre, specialist = actors(f"reception.{PHU_XUAN}"), actors(f"specialist.{VY_DA}")
    for _ in range(ROUNDS):
        code = receive(wiring, centre).code
        outcomes = run_together([
            lambda code=code: lifecycle.stop(wiring.uow(), actor=specialist, code=code, reasons="Không đủ điều kiện",
                                             clock=wiring.clock),
            lambda code=code: lifecycle.withdraw(wiring.uow(), actor=centre, code=code, reasons="Rút",
                                                 clock=wiring.clock),
        ])
        # Withdrawn first, the review left the inbox: the handler has nothing left to stop (403).
        _one_winner(outcomes, ConflictError, ForbiddenError)
        dossier = load(wiring, code)
        assert _ends(wiring, code) == [dossier.status.value] and len(dossier.notices) == 1


def _submitted(wiring: Wiring, actors: Actors, reference: str) -> int:
    brought = [Component("Tờ khai", "electronic", 1, 0), Component("Giấy chứng sinh", "electronic", 1, 1)]
    handing = Handing(PHU_XUAN, "1.001193", birth_application(VY_DA), components=brought, reference=reference)
    submission, _ = intake.submit(wiring.uow(), actor=actors(f"portal.{HUE}"), catalogue=wiring.catalogue,
                                  clock=wiring.clock, handing=handing)
    assert submission.id is not None
    return submission.id


@pytest.mark.parametrize("delay", [0, 0.01, 0.02, 0.05, 0.2])
def test_acceptance_and_refusal_of_one_submission_at_once(wiring: Wiring, clock: Clock, delay: float) -> None:
    """Either it is received (one dossier, the submission accepted) or refused reception (no dossier), whichever
    commits first; the refusal starts `delay` seconds later, so that it lands in each part of the acceptance."""
    actors = Actors(wiring)
    one, other = actors(f"reception.{PHU_XUAN}"), actors(f"reception.{PHU_XUAN}")
    submission_id, before = _submitted(wiring, actors, f"race-{delay}"), row_counts(wiring)["dossiers"]

    def refuse() -> Any:
        time.sleep(delay)
        return intake.refuse(wiring.uow(), actor=other, clock=wiring.clock, submission_id=submission_id,
                             reasons="Không thuộc phạm vi giải quyết")

    outcomes = run_together([
        lambda: intake.accept(wiring.uow(), actor=one, submission_id=submission_id, acceptance=Acceptance(),
                              **deps(wiring)),
        refuse,
    ])

    _one_winner(outcomes)
    decided = intake.get(wiring.uow(), actor=one, submission_id=submission_id)
    if outcomes[0][0] == "ok":
        assert decided.stage == IntakeStage.ACCEPTED and decided.notices == []
        assert decided.dossier_code == load(wiring, outcomes[0][1].code).code
    else:
        assert decided.stage == IntakeStage.REFUSED and decided.dossier_code is None
        assert [n.kind.value for n in decided.notices] == ["refusal"]
    assert row_counts(wiring)["dossiers"] == before + (decided.stage == IntakeStage.ACCEPTED)


def test_two_officers_accept_one_submission_at_once(wiring: Wiring, clock: Clock) -> None:
    """One dossier: the second acceptance finds the submission decided (409) before it takes a number."""
    actors = Actors(wiring)
    for n in range(ROUNDS):
        submission_id, before = _submitted(wiring, actors, f"twice-{n}"), row_counts(wiring)["dossiers"]
        outcomes = run_together([
            lambda at=submission_id: intake.accept(wiring.uow(), actor=actors(f"reception.{PHU_XUAN}"),
                                                   submission_id=at, acceptance=Acceptance(), **deps(wiring))
            for _ in range(2)])
        _one_winner(outcomes)
        decided = intake.get(wiring.uow(), actor=actors(f"reception.{PHU_XUAN}"), submission_id=submission_id)
        winner = next(value for kind, value in outcomes if kind == "ok")
        assert (decided.stage, decided.dossier_code) == (IntakeStage.ACCEPTED, winner.code)
        assert row_counts(wiring)["dossiers"] == before + 1
