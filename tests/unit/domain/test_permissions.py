"""Who may take which one-stop action (engine/domain/permissions.py): the counters of the receiving and
returning centres, and the officers with a step of the dossier ready in their unit's inbox. A dossier received
at Phú Xuân for Vỹ Dạ, returned at Phú Xuân unless the case says Thuận Hóa."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.domain.actor import Actor, Role
from engine.domain.errors import ForbiddenError
from engine.domain.lifecycle import Action
from engine.domain.permissions import (
    available_actions,
    is_centre,
    is_handler,
    require_centre,
    require_centre_or_handler,
    require_handler,
)
from engine.domain.status import DossierStatus as S
from engine.domain.task import TaskStatus
from tests.conftest import PHU_XUAN, THUAN_HOA, VY_DA
from tests.unit.builders import CALENDAR, T0, dossier, officer, step

A = Action
COUNTER = officer(Role.RECEPTION, PHU_XUAN)
SPECIALIST, LEADER = officer(Role.SPECIALIST, VY_DA), officer(Role.LEADER, VY_DA)


@pytest.mark.parametrize(("actor", "returning", "expected"), [
    (COUNTER, PHU_XUAN, True),                          # the receiving counter
    (officer(Role.RECEPTION, THUAN_HOA), THUAN_HOA, True),  # the returning counter
    (officer(Role.RECEPTION, THUAN_HOA), PHU_XUAN, False),  # a counter with nothing to do with it
    (officer(Role.RECEPTION, VY_DA), PHU_XUAN, False),      # the competent unit's counter
    (officer(Role.SPECIALIST, PHU_XUAN), PHU_XUAN, False),  # the receiving unit, another role
])
def test_the_centre_is_the_counter_that_receives_or_returns(actor: Actor, returning: str, expected: bool) -> None:
    assert is_centre(actor, dossier(returning=returning)) is expected


def test_a_handler_has_a_ready_step_for_their_role_at_their_unit() -> None:
    d = dossier()
    assert is_handler(SPECIALIST, [step(d)])
    assert not is_handler(SPECIALIST, [step(d, status=TaskStatus.COMPLETED)])
    assert not is_handler(LEADER, [step(d)])                                    # another role's step
    assert not is_handler(officer(Role.SPECIALIST, THUAN_HOA), [step(d)])       # another unit's step
    assert not is_handler(COUNTER, [step(d, "receive", role=Role.RECEPTION, unit_id=PHU_XUAN)])  # the counter


def test_the_requirements_say_no_with_403() -> None:
    d = dossier()
    with pytest.raises(ForbiddenError, match="reception counter"):
        require_centre(SPECIALIST, d)
    with pytest.raises(ForbiddenError, match="current step"):
        require_handler(COUNTER, [step(d)])
    with pytest.raises(ForbiddenError):
        require_centre_or_handler(LEADER, d, [step(d)])
    require_centre_or_handler(COUNTER, d, [])
    require_centre_or_handler(SPECIALIST, d, [step(d)])


@pytest.mark.parametrize(("actor", "status", "apologised", "expected"), [
    # Once received, the counter neither refuses (reception is decided) nor asks for what is missing (it
    # guided before accepting): supplementation is the handling unit's.
    (COUNTER, S.RECEIVED, False, [A.WITHDRAW]),
    (COUNTER, S.PROCESSING, False, [A.WITHDRAW]),
    (COUNTER, S.SUPPLEMENT_REQUESTED, False, [A.SUPPLEMENT, A.WITHDRAW]),
    (COUNTER, S.AWAITING_PAYMENT, False, [A.WITHDRAW]),
    (COUNTER, S.RESULT_READY, False, [A.RETURN]),
    (COUNTER, S.RETURNED, False, []),
    (SPECIALIST, S.PROCESSING, False, [A.REQUEST_SUPPLEMENT, A.STOP, A.EXTEND]),
    (SPECIALIST, S.PROCESSING, True, [A.REQUEST_SUPPLEMENT, A.STOP]),  # the appointment moves once
    (SPECIALIST, S.SUPPLEMENT_REQUESTED, False, [A.STOP]),
    (SPECIALIST, S.AWAITING_PAYMENT, False, [A.STOP, A.EXTEND]),
    (SPECIALIST, S.STOPPED, False, []),
    (LEADER, S.PROCESSING, False, []),  # the ready step is the specialist's
])
def test_available_actions_follow_the_officer_and_the_status(actor: Actor, status: S, apologised: bool,
                                                             expected: list[Action]) -> None:
    d = dossier(status)
    if apologised:
        d.extend(T0, 7, VY_DA, "Cần thêm thời gian", d.due_at + timedelta(days=1), CALENDAR)
    assert available_actions(d, [step(d)], actor, T0) == expected


def test_a_dossier_returned_elsewhere_is_returned_by_that_counter_only() -> None:
    d = dossier(S.RESULT_READY, returning=THUAN_HOA)
    assert available_actions(d, [], officer(Role.RECEPTION, THUAN_HOA), T0) == [A.RETURN]
    assert available_actions(d, [], COUNTER, T0) == []


def test_the_returning_counter_may_withdraw_and_supplement_but_not_stop_or_ask() -> None:
    d = dossier(S.SUPPLEMENT_REQUESTED, returning=THUAN_HOA)
    assert available_actions(d, [], officer(Role.RECEPTION, THUAN_HOA), T0) == [A.SUPPLEMENT, A.WITHDRAW]



def test_no_apology_is_offered_once_the_appointment_has_passed() -> None:
    d = dossier(S.PROCESSING)
    assert A.EXTEND in available_actions(d, [step(d)], SPECIALIST, d.due_at - timedelta(minutes=1))
    assert A.EXTEND not in available_actions(d, [step(d)], SPECIALIST, d.due_at)
