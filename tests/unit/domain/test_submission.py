"""A submission (engine/domain/submission.py) against the aggregate alone: its stages and their national
status, the counter's one decision (accept only while it waits; guide once; refuse while it waits or is
guided), the applicant's resubmission only of a guided one, and the rules a dossier must meet to be
accepted. A refused or rejected move is a 409 naming the status, or a 422 naming the field, and changes
nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from engine.domain.dossier import Channel
from engine.domain.errors import ConflictError, ValidationFailedError
from engine.domain.notice import MissingItem, NoticeKind
from engine.domain.status import DossierStatus as S
from engine.domain.submission import (
    MAX_REFERENCE,
    Component,
    IntakeStage,
    Submission,
    check_acceptable,
    check_reference,
    missing_documents,
    submission_digest,
)
from tests.conftest import PHU_XUAN
from tests.unit.builders import BIRTH, ITEMS, T0, published

LATER = T0 + timedelta(hours=1)
COUNTER = 7
FORM = [Component("Tờ khai", "electronic", 1, 0)]
COMPLETE = [*FORM, Component("Giấy chứng sinh", "electronic", 1, 1), Component("Ảnh", "electronic", 1, None)]


def submission(stage: IntakeStage = IntakeStage.WAITING) -> Submission:
    """A birth registration handed in online at T0 and brought to `stage` by its own rules."""
    s = Submission("G22.0001", PHU_XUAN, BIRTH, Channel.ONLINE, {"a": 1}, "Nguyễn Văn An", list(FORM), T0, 1,
                   "digest")
    if stage in (IntakeStage.GUIDED, IntakeStage.REFUSED):
        s.guide(T0, COUNTER, PHU_XUAN, "Thiếu giấy chứng sinh", ITEMS)
    if stage == IntakeStage.REFUSED:
        s.refuse(T0, COUNTER, PHU_XUAN, "Không thuộc thẩm quyền")
    if stage == IntakeStage.ACCEPTED:
        s.accept(T0, COUNTER, "19768-250714-0001")
    return s


def documents() -> list[dict[str, Any]]:
    """Birth registration's list: 0 the declaration and 1 the birth notice are required, 2 is not."""
    return published()[BIRTH].manifest["documents"]  # type: ignore[no-any-return]


# -- stages and status ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("stage", "status", "code"), [
    (IntakeStage.WAITING, S.SUBMITTED, 1), (IntakeStage.GUIDED, S.SUBMITTED, 1),
    (IntakeStage.ACCEPTED, S.RECEIVED, 2), (IntakeStage.REFUSED, S.REFUSED, 3)])
def test_a_submission_is_status_1_until_it_is_received_2_or_refused_3(stage: IntakeStage, status: S,
                                                                       code: int) -> None:
    s = submission(stage)
    assert (s.stage, s.status, s.status.national_code) == (stage, status, code)


def test_accepting_records_who_when_and_the_dossier_it_became() -> None:
    s = submission()
    s.check_acceptable()
    s.accept(LATER, COUNTER, "19768-250714-0001")
    assert (s.stage, s.decided_at, s.decided_by, s.dossier_code) == (
        IntakeStage.ACCEPTED, LATER, COUNTER, "19768-250714-0001")
    assert s.notices == [] and s.submitted_at == T0  # handed in (NgayNopHoSo) stays apart from received


# -- the counter's decision ----------------------------------------------------------------------------

def test_a_guidance_lists_every_missing_component_once_and_it_waits_for_the_applicant() -> None:
    s = submission()
    notice = s.guide(LATER, COUNTER, PHU_XUAN, "  Thiếu giấy chứng sinh  ", ITEMS)
    assert (s.stage, s.status, s.decided_at) == (IntakeStage.GUIDED, S.SUBMITTED, None)  # not decided: not received
    assert s.guidance is notice and s.refusal is None
    assert (notice.kind, notice.number, notice.issued_at, notice.officer_id, notice.unit_id, notice.reasons,
            notice.items) == (NoticeKind.GUIDANCE, 1, LATER, COUNTER, PHU_XUAN, "Thiếu giấy chứng sinh", ITEMS)


def test_the_guidance_is_given_once_even_after_the_applicant_completed_it() -> None:
    s = submission(IntakeStage.GUIDED)
    s.resubmit(LATER, {"a": 2}, "Nguyễn Văn An", COMPLETE)
    before = copy.deepcopy(s)
    with pytest.raises(ConflictError, match="once") as refused:
        s.guide(LATER, COUNTER, PHU_XUAN, "Thiếu thêm", [MissingItem("Ảnh")])
    assert refused.value.status == "submitted" and s == before


@pytest.mark.parametrize(("reasons", "items", "pointer"), [("  ", ITEMS, "/reasons"), ("Thiếu", [], "/items")])
def test_a_guidance_needs_its_reasons_and_items(reasons: str, items: list[MissingItem], pointer: str) -> None:
    s = submission()
    with pytest.raises(ValidationFailedError) as refused:
        s.guide(LATER, COUNTER, PHU_XUAN, reasons, items)
    assert [e.pointer for e in refused.value.errors] == [pointer]
    assert (s.stage, s.notices) == (IntakeStage.WAITING, [])


@pytest.mark.parametrize("stage", [IntakeStage.WAITING, IntakeStage.GUIDED])
def test_reception_is_refused_with_reasons_while_it_waits_or_is_guided(stage: IntakeStage) -> None:
    s = submission(stage)
    notice = s.refuse(LATER, COUNTER, PHU_XUAN, " Không thuộc thẩm quyền ")
    assert (s.stage, s.status, s.decided_at, s.decided_by, s.dossier_code) == (
        IntakeStage.REFUSED, S.REFUSED, LATER, COUNTER, None)
    assert s.refusal is notice and (notice.kind, notice.number, notice.reasons) == (
        NoticeKind.REFUSAL, 1, "Không thuộc thẩm quyền")


def test_a_refusal_needs_its_reasons() -> None:
    s = submission()
    with pytest.raises(ValidationFailedError) as refused:
        s.refuse(LATER, COUNTER, PHU_XUAN, "")
    assert [e.pointer for e in refused.value.errors] == ["/reasons"]
    assert (s.stage, s.notices, s.decided_at) == (IntakeStage.WAITING, [], None)


def test_the_applicant_resubmits_only_a_guided_submission_and_it_waits_again() -> None:
    s = submission(IntakeStage.GUIDED)
    s.resubmit(LATER, {"a": 2}, "Trần Thị Bình", COMPLETE)
    assert (s.stage, s.resubmitted_at, s.application, s.applicant_name, s.components) == (
        IntakeStage.WAITING, LATER, {"a": 2}, "Trần Thị Bình", COMPLETE)
    assert s.submitted_at == T0 and s.guidance is not None  # the first submission time and the guidance stay
    s.accept(LATER, COUNTER, "19768-250714-0002")
    assert s.stage == IntakeStage.ACCEPTED


MOVES: dict[str, Callable[[Submission], object]] = {
    "accept": lambda s: s.accept(LATER, COUNTER, "19768-250714-0009"),
    "check": lambda s: s.check_acceptable(),
    "guide": lambda s: s.guide(LATER, COUNTER, PHU_XUAN, "Thiếu", ITEMS),
    "resubmit": lambda s: s.resubmit(LATER, {"a": 2}, "Nguyễn Văn An", COMPLETE),
    "refuse": lambda s: s.refuse(LATER, COUNTER, PHU_XUAN, "Từ chối"),
}
NOT_ALLOWED = [
    ("accept", IntakeStage.GUIDED, "submitted"),    # it waits for the applicant, not for the counter
    ("check", IntakeStage.GUIDED, "submitted"),
    ("accept", IntakeStage.ACCEPTED, "received"),   # accepted once
    ("accept", IntakeStage.REFUSED, "refused"),
    ("guide", IntakeStage.GUIDED, "submitted"),     # guided once
    ("guide", IntakeStage.ACCEPTED, "received"),
    ("guide", IntakeStage.REFUSED, "refused"),
    ("resubmit", IntakeStage.WAITING, "submitted"),  # nothing was asked
    ("resubmit", IntakeStage.ACCEPTED, "received"),
    ("resubmit", IntakeStage.REFUSED, "refused"),
    ("refuse", IntakeStage.ACCEPTED, "received"),   # a received dossier is never refused: it is stopped
    ("refuse", IntakeStage.REFUSED, "refused"),
]


@pytest.mark.parametrize(("move", "stage", "status"), NOT_ALLOWED, ids=[f"{m}-{s}" for m, s, _ in NOT_ALLOWED])
def test_a_move_its_stage_does_not_allow_is_a_409_naming_the_status_and_changes_nothing(
        move: str, stage: IntakeStage, status: str) -> None:
    s = submission(stage)
    before = copy.deepcopy(s)
    with pytest.raises(ConflictError) as refused:
        MOVES[move](s)
    assert refused.value.status == status and s == before


# -- what makes a dossier acceptable -------------------------------------------------------------------

def test_the_documents_brought_are_the_components_matched_to_the_procedures_list() -> None:
    s = submission()
    s.components = [Component("Giấy chứng sinh", document=1), Component("Ảnh"), Component("Tờ khai", document=0),
                    Component("Bản sao giấy chứng sinh", "certified_copy", 1, 1)]
    assert s.documents_brought == [0, 1]


def test_the_missing_documents_are_the_required_ones_not_brought_as_a_guidance_lists_them() -> None:
    assert missing_documents(documents(), [0, 1]) == []
    assert missing_documents(documents(), [0, 2]) == [MissingItem("Giấy chứng sinh", "original", 1)]
    assert [item.name for item in missing_documents(documents(), [])] == ["Tờ khai đăng ký khai sinh",
                                                                           "Giấy chứng sinh"]


def test_a_dossier_missing_a_required_document_is_not_acceptable() -> None:
    check_acceptable(documents(), [1, 0], "/documents_brought")
    check_acceptable(documents(), None, "/documents_brought")  # the sender did not say: the form's check stands
    with pytest.raises(ValidationFailedError, match="guide the applicant") as refused:
        check_acceptable(documents(), [2], "/documents_brought")
    assert [(e.pointer, e.message) for e in refused.value.errors] == [
        ("/documents_brought", "misses the required document 'Tờ khai đăng ký khai sinh'"),
        ("/documents_brought", "misses the required document 'Giấy chứng sinh'")]


# -- the sender's reference and the digest of what was sent ---------------------------------------------

def test_the_digest_is_of_the_content_whatever_the_order_of_its_keys() -> None:
    assert submission_digest({"a": 1, "b": [1, {"c": "đ"}]}) == submission_digest({"b": [1, {"c": "đ"}], "a": 1})
    assert submission_digest({"a": 1}) != submission_digest({"a": 2})


@pytest.mark.parametrize("reference", ["", " G22", "G22 ", "G22.đ", "G22\n1", "x" * (MAX_REFERENCE + 1)],
                         ids=["empty", "leading-space", "trailing-space", "non-ascii", "control", "too-long"])
def test_a_reference_is_1_to_64_printable_ascii_characters(reference: str) -> None:
    with pytest.raises(ValidationFailedError) as refused:
        check_reference(reference, "/submission_id")
    assert [e.pointer for e in refused.value.errors] == ["/submission_id"]


def test_a_usable_reference_is_kept_as_sent() -> None:
    assert check_reference("G22.000.00.00-H46-250714-0001") == "G22.000.00.00-H46-250714-0001"
    assert check_reference("x" * MAX_REFERENCE) == "x" * MAX_REFERENCE
