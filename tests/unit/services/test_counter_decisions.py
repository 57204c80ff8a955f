"""The counter's guidance and refusal of a dossier handed in in person (engine/services/intake.py,
`decide_at_counter`): what is refused or guided is the incomplete or ineligible dossier itself, so its
application is kept unchecked; the form's key decides once, and only the same decision; a dossier guided
at the counter waits on nothing (the applicant comes back with a new hand-in)."""

from __future__ import annotations

import pytest

from engine.domain.errors import ConflictError
from engine.domain.notice import MissingItem
from engine.domain.submission import IntakeStage
from engine.services import intake
from engine.services.intake import Handing, ReferenceReusedError
from tests.conftest import PHU_XUAN, Clock
from tests.fakes.uow import FakeUnitOfWork
from tests.unit.builders import BIRTH, T0, catalogue, fake_uow
from tests.unit.services.test_intake import COUNTER, PORTAL

INCOMPLETE = {"applicant": {"full_name": "Nguyễn Văn A"}}  # no child, no residence: the form refuses it


def decide(uow: FakeUnitOfWork, items: list[MissingItem] | None, *, reasons: str = "Không thuộc thẩm quyền",
           application: dict[str, object] | None = None) -> intake.Submission:
    return intake.decide_at_counter(uow, actor=COUNTER, catalogue=catalogue(), clock=Clock(T0),
                                    handing=Handing(PHU_XUAN, BIRTH, application or INCOMPLETE), key="form-1",
                                    reasons=reasons, items=items)


@pytest.mark.parametrize("items", [None, [MissingItem("Giấy chứng sinh")]], ids=["refused", "guided"])
def test_an_application_the_form_would_refuse_can_still_be_refused_or_guided(
        items: list[MissingItem] | None) -> None:
    uow = fake_uow()
    decided = decide(uow, items)
    assert decided.stage == (IntakeStage.REFUSED if items is None else IntakeStage.GUIDED)
    assert decided.application == INCOMPLETE and decided.applicant_name == "Nguyễn Văn A"


def test_the_form_key_sent_with_another_decision_is_a_conflict_that_changes_nothing() -> None:
    uow = fake_uow()
    first = decide(uow, [MissingItem("Giấy chứng sinh")])
    before = uow.snapshot()
    with pytest.raises(ReferenceReusedError):
        decide(uow, None)
    with pytest.raises(ReferenceReusedError):
        decide(uow, [MissingItem("Giấy chứng sinh")], reasons="Khác")
    assert uow.snapshot() == before and decide(uow, [MissingItem("Giấy chứng sinh")]) == first


def test_a_dossier_guided_at_the_counter_leaves_the_queue_and_takes_no_later_decision() -> None:
    uow = fake_uow()
    guided = decide(uow, [MissingItem("Giấy chứng sinh")])
    assert guided.id is not None and guided.decided_at == T0
    assert intake.queue(uow, actor=COUNTER, limit=10, offset=0) == ([], 0)
    with pytest.raises(ConflictError):
        intake.refuse(uow, actor=COUNTER, clock=Clock(T0), submission_id=guided.id, reasons="Không")
    with pytest.raises(ConflictError):  # nothing to resubmit through the portal either
        intake.resubmit(uow, actor=PORTAL, catalogue=catalogue(), clock=Clock(T0), submission_id=guided.id,
                        application=INCOMPLETE, components=[])
