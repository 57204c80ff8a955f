"""Real threads against a real database (SQLite file and PostgreSQL): two officers claiming the same step at
once, and a leader's send-back racing the completion of the same step: exactly one wins, and a claim's loser
is told who holds the step."""

from __future__ import annotations

from api.wiring import Wiring
from engine.domain.actor import Actor
from engine.domain.dossier import Dossier, EventKind
from engine.domain.errors import ConflictError
from engine.domain.task import TaskStatus
from engine.services import accounts, claims, send_backs, users
from tests.conftest import PASSWORD, PHU_XUAN, VY_DA
from tests.integration._support import (
    Actors,
    complete_step,
    deps,
    history_of,
    load,
    ready_task,
    receive,
    run_together,
    tasks_of,
)

ROUNDS = 5


def test_two_officers_claiming_the_same_step_at_once_exactly_one_wins(wiring: Wiring) -> None:
    users.create(wiring.uow(), username="specialist2.19777", password=PASSWORD + "-2", display_name="Lê Thị Hoa",
                 unit_id=VY_DA, roles=["specialist"])
    actors = Actors(wiring)
    second = accounts.authenticate(wiring.uow(), username="specialist2.19777", password=PASSWORD + "-2")
    officers = [actors(f"specialist.{VY_DA}"), second]
    for _ in range(ROUNDS):
        _race_claims(wiring, receive(wiring, actors(f"reception.{PHU_XUAN}")), officers)


def _race_claims(wiring: Wiring, dossier: Dossier, officers: list[Actor]) -> None:
    task = ready_task(wiring, dossier, "review")

    outcomes = run_together([lambda officer=officer: claims.claim(wiring.uow(), actor=officer, clock=wiring.clock,
                                                                  task_id=task.id) for officer in officers])

    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    winner = next(value for kind, value in outcomes if kind == "ok")
    error = next(value for kind, value in outcomes if kind == "error")
    assert isinstance(error, ConflictError), repr(error)
    assert winner.holder_name and winner.holder_name in str(error)
    after = load(wiring, dossier.code)
    assert ready_task(wiring, after, "review").claimed_by == winner.claimed_by
    claimed = [e for e in history_of(wiring, after) if e.kind == EventKind.TASK_CLAIMED]
    assert len(claimed) == 1 and claimed[0].actor_id == winner.claimed_by
    assert after.version == dossier.version + 1


def test_a_send_back_racing_a_completion_leaves_exactly_one_of_them(wiring: Wiring) -> None:
    actors = Actors(wiring)
    for _ in range(ROUNDS):
        dossier = complete_step(wiring, actors, receive(wiring, actors(f"reception.{PHU_XUAN}")), "review")
        _race_send_back(wiring, actors, dossier)


def _race_send_back(wiring: Wiring, actors: Actors, dossier: Dossier) -> None:
    sign = ready_task(wiring, dossier, "sign")

    outcomes = run_together([
        lambda: send_backs.send_back(wiring.uow(), actor=actors(f"leader.{VY_DA}"), task_id=sign.id, to="review",
                                     reason="Sai tên", **deps(wiring)),
        lambda: complete_step(wiring, actors, dossier, "sign")])

    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    rows = {t.id: t for t in tasks_of(wiring, load(wiring, dossier.code))}
    sent_back = rows[sign.id].status == TaskStatus.SENT_BACK
    assert sent_back or rows[sign.id].status == TaskStatus.COMPLETED
    ready = [t.step for t in rows.values() if t.status == TaskStatus.READY]
    assert ready == (["review"] if sent_back else ["hand_over"])
