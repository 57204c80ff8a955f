"""The lifecycle table: which action may move a dossier from which status."""

from __future__ import annotations

import pytest

from engine.domain.errors import ConflictError
from engine.domain.lifecycle import PROCESSING_ENDS, TRANSITIONS, Action, allows, next_status
from engine.domain.status import DossierStatus as S

FINAL = [status for status in S if status.is_final]


@pytest.mark.parametrize("status", FINAL)
def test_a_final_dossier_takes_no_action(status: S) -> None:
    for action in Action:
        with pytest.raises(ConflictError) as caught:
            next_status(action, status)
        assert caught.value.status == status.value


def test_every_final_status_ends_processing_and_is_reached_by_exactly_one_action() -> None:
    targets = [target for _, target in TRANSITIONS.values()]
    for status in FINAL:
        assert status in PROCESSING_ENDS and targets.count(status) == 1


@pytest.mark.parametrize(("action", "status", "expected"), [
    (Action.REQUEST_SUPPLEMENT, S.PROCESSING, S.SUPPLEMENT_REQUESTED),
    (Action.SUPPLEMENT, S.SUPPLEMENT_REQUESTED, S.PROCESSING),
    (Action.ACCEPT, S.SUBMITTED, S.RECEIVED),
    (Action.GUIDE, S.SUBMITTED, S.SUBMITTED),
    (Action.RESUBMIT, S.SUBMITTED, S.SUBMITTED),
    (Action.REFUSE, S.SUBMITTED, S.REFUSED),
    (Action.STOP, S.SUPPLEMENT_REQUESTED, S.STOPPED),   # supplementation never came
    (Action.WITHDRAW, S.AWAITING_PAYMENT, S.WITHDRAWN),
    (Action.RECORD_PAYMENT, S.AWAITING_PAYMENT, S.PROCESSING),
    (Action.EXTEND, S.PROCESSING, S.PROCESSING),
    (Action.RETURN, S.RESULT_READY, S.RETURNED),
])
def test_allowed_moves(action: Action, status: S, expected: S) -> None:
    assert next_status(action, status) == expected


@pytest.mark.parametrize(("action", "status"), [
    (Action.REQUEST_SUPPLEMENT, S.SUPPLEMENT_REQUESTED),  # one open request at a time
    (Action.SUPPLEMENT, S.PROCESSING),                    # nothing was asked
    (Action.RETURN, S.PROCESSING),                        # no result yet
    (Action.COMPLETE_STEP, S.SUPPLEMENT_REQUESTED),       # no step moves while the applicant supplements
    (Action.REFUSE, S.RESULT_READY),                      # refusal is at reception, not after the result
    (Action.REFUSE, S.PROCESSING),                        # a received dossier is stopped, never refused
    (Action.REFUSE, S.SUPPLEMENT_REQUESTED),
    (Action.ACCEPT, S.RECEIVED),                          # accepted once
    (Action.GUIDE, S.PROCESSING),                         # guidance comes before reception
    (Action.START_PROCESSING, S.SUBMITTED),               # nothing is handled before it is received
    (Action.EXTEND, S.SUPPLEMENT_REQUESTED),
])
def test_refused_moves(action: Action, status: S) -> None:
    assert not allows(action, status)
    with pytest.raises(ConflictError, match=status.value):
        next_status(action, status)
