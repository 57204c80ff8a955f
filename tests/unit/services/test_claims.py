"""Holding and returning steps (engine/services/claims.py, send_backs.py) against the FakeUnitOfWork, with the
real birth registration workflow: a held step is completed or sent back by its holder only, and a refused
command writes nothing; a send-back closes the step, re-opens the earlier one for whoever did it, and leaves the
dossier's due time alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.domain.actor import Role
from engine.domain.dossier import EventKind
from engine.domain.errors import ConflictError, ValidationFailedError
from engine.domain.task import TaskStatus
from engine.services import claims, send_backs
from tests.conftest import VY_DA, Clock
from tests.unit.builders import CALENDAR, T0, catalogue, officer
from tests.unit.services.test_tasks import LEADER, SPECIALIST, complete, ready, received

COLLEAGUE = replace(SPECIALIST, user_id=SPECIALIST.user_id + 1, username="specialist2.19777")


def test_a_step_held_by_another_officer_is_neither_completed_nor_sent_back() -> None:
    uow, _ = received()
    review = claims.claim(uow, actor=SPECIALIST, clock=Clock(T0), task_id=ready(uow, "review").id)
    before = uow.snapshot()

    with pytest.raises(ConflictError) as refused:
        complete(uow, "review", actor=COLLEAGUE)

    assert refused.value.code == "step_held_by_other" and refused.value.params["officer"]
    assert uow.snapshot() == before
    assert review.claimed_by == SPECIALIST.user_id
    complete(uow, "review")  # the holder may


def test_a_send_back_closes_the_step_and_re_opens_the_earlier_one_for_its_author() -> None:
    uow, dossier = received()
    complete(uow, "review")
    sign = ready(uow, "sign")
    later = Clock(T0.replace(hour=T0.hour + 1))

    after = send_backs.send_back(uow, actor=LEADER, catalogue=catalogue(), calendar=CALENDAR, clock=later,
                                 task_id=sign.id, to="review", reason="Sai số trang")

    assert after.due_at == dossier.due_at and after.status == dossier.status
    assert uow.tables.tasks[sign.id].status == TaskStatus.SENT_BACK
    again = ready(uow, "review")
    assert again.sent_back_reason == "Sai số trang" and again.claimed_by == SPECIALIST.user_id
    assert again.created_at == later() and again.due_at == CALENDAR.add_working_hours(later(), 4)
    events = [e for e in uow.tables.history if e.kind == EventKind.TASK_SENT_BACK]
    assert [(e.data["from_step"], e.data["to_step"], e.data["task"]) for e in events] == [("sign", "review", again.id)]


@pytest.mark.parametrize(("to", "reason"), [("receive", "Sai"), ("review", "  ")])
def test_a_send_back_to_a_step_not_allowed_or_without_a_reason_writes_nothing(to: str, reason: str) -> None:
    uow, _ = received()
    complete(uow, "review")
    before = uow.snapshot()

    with pytest.raises(ValidationFailedError):
        send_backs.send_back(uow, actor=LEADER, catalogue=catalogue(), calendar=CALENDAR, clock=Clock(T0),
                             task_id=ready(uow, "sign").id, to=to, reason=reason)

    assert uow.snapshot() == before


def test_only_a_leader_of_the_unit_assigns() -> None:
    uow, _ = received()
    review = ready(uow, "review")

    with pytest.raises(Exception, match="leader"):
        claims.assign(uow, actor=SPECIALIST, clock=Clock(T0), task_id=review.id, user_id=SPECIALIST.user_id)
    with pytest.raises(Exception, match="unit"):
        claims.assign(uow, actor=officer(Role.LEADER, "19786"), clock=Clock(T0), task_id=review.id,
                      user_id=SPECIALIST.user_id)
    assert ready(uow, "review").claimed_by is None and review.unit_id == VY_DA
