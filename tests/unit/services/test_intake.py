"""Intake (engine/services/intake.py) against the FakeUnitOfWork: the portal's client hands in online
dossiers for the centres of its province, idempotently by its own id; the counter of the centre decides
once: accepted (a dossier, received now, keeping when it was handed in), guided to complete or refused
reception (never received). At the counter, guiding or refusing an in-person dossier records a submission
decided at once, and no dossier. A 403, 409 or 422 writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from engine.domain.actor import Actor, Role
from engine.domain.dossier import Channel, EventKind, ReturnMethod
from engine.domain.errors import ConflictError, DomainError, ForbiddenError, ValidationFailedError
from engine.domain.notice import MissingItem, NoticeKind
from engine.domain.status import DossierStatus as S
from engine.domain.submission import Component, IntakeStage, Submission
from engine.services import intake
from engine.services.intake import Acceptance, Handing, ReferenceReusedError
from tests.conftest import PHU_XUAN, THUAN_HOA, VY_DA, Clock, birth_application
from tests.fakes.uow import FakeUnitOfWork
from tests.unit.builders import BIRTH, CALENDAR, ITEMS, T0, catalogue, fake_uow, officer

LATER = T0 + timedelta(hours=1)
PORTAL = officer(Role.PORTAL, "46")
COUNTER, ELSEWHERE = officer(Role.RECEPTION, PHU_XUAN), officer(Role.RECEPTION, THUAN_HOA)
BOTH = [Component("Tờ khai", "electronic", 1, 0), Component("Giấy chứng sinh", "electronic", 1, 1)]


def handing(reference: str = "G22.0001", components: list[Component] | None = None, **changes: Any) -> Handing:
    return replace(Handing(PHU_XUAN, BIRTH, birth_application(VY_DA), components=BOTH if components is None
                           else components, reference=reference), **changes)


def submit(uow: FakeUnitOfWork, sent: Handing | None = None, actor: Actor = PORTAL) -> tuple[Submission, bool]:
    return intake.submit(uow, actor=actor, catalogue=catalogue(), clock=Clock(T0), handing=sent or handing())


def submitted(components: list[Component] | None = None) -> tuple[FakeUnitOfWork, int]:
    uow = fake_uow()
    found, _ = submit(uow, handing(components=components))
    assert found.id is not None
    return uow, found.id


def accept(uow: FakeUnitOfWork, submission_id: int, actor: Actor = COUNTER, **acceptance: Any) -> Any:
    return intake.accept(uow, actor=actor, catalogue=catalogue(), calendar=CALENDAR, clock=Clock(LATER),
                         submission_id=submission_id, acceptance=Acceptance(**acceptance))


def guide(uow: FakeUnitOfWork, submission_id: int, actor: Actor = COUNTER) -> Submission:
    return intake.guide(uow, actor=actor, clock=Clock(LATER), submission_id=submission_id, reasons="Thiếu",
                        items=[MissingItem("Giấy chứng sinh")])


def refuse(uow: FakeUnitOfWork, submission_id: int, actor: Actor = COUNTER) -> Submission:
    return intake.refuse(uow, actor=actor, clock=Clock(LATER), submission_id=submission_id,
                         reasons="Không thuộc thẩm quyền")


def at_counter(uow: FakeUnitOfWork, items: list[MissingItem] | None, *, key: str = "form-1",
               actor: Actor = COUNTER) -> Submission:
    return intake.decide_at_counter(uow, actor=actor, catalogue=catalogue(), clock=Clock(T0),
                                    handing=Handing(PHU_XUAN, BIRTH, birth_application(VY_DA)), key=key,
                                    reasons="Thiếu giấy chứng sinh" if items else "Không thuộc thẩm quyền",
                                    items=items)


# -- the portal hands in ---------------------------------------------------------------------------------

def test_an_online_submission_waits_in_the_centres_queue_unreceived() -> None:
    uow = fake_uow()
    found, created = submit(uow)
    [stored] = uow.tables.submissions.values()
    assert created and uow.commits == 1 and stored == found
    assert (stored.stage, stored.status, stored.channel, stored.centre_id, stored.submitted_at, stored.submitted_by) \
        == (IntakeStage.WAITING, S.SUBMITTED, Channel.ONLINE, PHU_XUAN, T0, PORTAL.user_id)
    assert stored.applicant_name and stored.documents_brought == [0, 1]
    assert uow.tables.dossiers == {} and uow.tables.sequences == {}  # no code until it is accepted
    queue, total = intake.queue(uow, actor=COUNTER, limit=10, offset=0)
    assert total == 1 and [s.reference for s in queue] == ["G22.0001"]
    assert intake.queue(uow, actor=ELSEWHERE, limit=10, offset=0) == ([], 0)


def test_the_same_id_with_the_same_content_answers_the_first_submission() -> None:
    uow = fake_uow()
    first, _ = submit(uow)
    again, created = submit(uow, handing(application=birth_application(VY_DA)))  # the same, built anew
    assert not created and again == first and uow.commits == 1 and len(uow.tables.submissions) == 1


@pytest.mark.parametrize("other", [
    handing(components=BOTH[:1]), handing(centre_id=VY_DA), handing(return_method=ReturnMethod.POST),
    handing(submitted_at=T0 - timedelta(minutes=1))], ids=["components", "centre", "return-method", "time"])
def test_the_same_id_with_other_content_is_a_409_and_changes_nothing(other: Handing) -> None:
    uow = fake_uow()
    submit(uow)
    before = uow.snapshot()
    with pytest.raises(ReferenceReusedError) as refused:
        submit(uow, other)
    assert refused.value.status == "submitted" and uow.tables == before


REFUSED_HANDINGS: list[tuple[str, Handing, Actor, type[DomainError]]] = [
    ("by-a-counter", handing(), COUNTER, ForbiddenError),                        # only the portal's client
    ("other-province", handing(), officer(Role.PORTAL, "01"), ForbiddenError),  # Hà Nội's portal client
    ("in-person", handing(channel=Channel.IN_PERSON), PORTAL, ValidationFailedError),
    ("no-centre", handing(centre_id="46-BHXH"), PORTAL, ValidationFailedError),  # an agency has no counter
    ("no-reference", handing(reference=""), PORTAL, ValidationFailedError),
    ("future", handing(submitted_at=T0 + timedelta(hours=1)), PORTAL, ValidationFailedError),
    ("bad-form", handing(application={"child": {}}), PORTAL, ValidationFailedError),
    ("bad-document", handing(components=[Component("Tờ khai", "electronic", 1, 7)]), PORTAL, ValidationFailedError),
]


@pytest.mark.parametrize(("sent", "actor", "error"), [r[1:] for r in REFUSED_HANDINGS],
                         ids=[r[0] for r in REFUSED_HANDINGS])
def test_a_submission_the_rules_refuse_writes_nothing(sent: Handing, actor: Actor, error: type[DomainError]) -> None:
    uow = fake_uow()
    with pytest.raises(error):
        submit(uow, sent, actor)
    assert uow.commits == 0 and uow.tables.submissions == {}


def test_the_portal_reads_its_provinces_submissions_and_a_counter_only_its_centres() -> None:
    uow, submission_id = submitted()
    assert intake.get(uow, actor=PORTAL, submission_id=submission_id).reference == "G22.0001"
    assert intake.get(uow, actor=COUNTER, submission_id=submission_id).reference == "G22.0001"
    for outsider in (ELSEWHERE, officer(Role.PORTAL, "01"), officer(Role.SPECIALIST, PHU_XUAN)):
        with pytest.raises(ForbiddenError):
            intake.get(uow, actor=outsider, submission_id=submission_id)


# -- the counter decides -----------------------------------------------------------------------------------

def test_accepting_receives_it_now_keeping_when_it_was_handed_in() -> None:
    uow, submission_id = submitted()
    dossier = accept(uow, submission_id)
    stored = uow.stored(dossier.code)
    decided = uow.tables.submissions[submission_id]
    assert (stored.status, stored.received_at, stored.submitted_at, stored.submission_reference) == (
        S.PROCESSING, LATER, T0, "G22.0001")
    assert (decided.stage, decided.dossier_code, decided.decided_at, decided.decided_by) == (
        IntakeStage.ACCEPTED, dossier.code, LATER, COUNTER.user_id)
    events = [e for e in uow.tables.history if e.dossier_id == stored.id]
    assert [e.kind for e in events[:2]] == [EventKind.SUBMITTED, EventKind.RECEIVED]
    assert (events[0].at, events[0].data["channel"]) == (T0, "online")


def test_a_guided_submission_completed_by_the_applicant_is_accepted_as_one_dossier() -> None:
    uow, submission_id = submitted(BOTH[:1])
    guided = guide(uow, submission_id)
    assert (guided.stage, guided.status, [n.kind for n in guided.notices]) == (
        IntakeStage.GUIDED, S.SUBMITTED, [NoticeKind.GUIDANCE])
    with pytest.raises(ConflictError):
        accept(uow, submission_id)  # it waits for the applicant
    intake.resubmit(uow, actor=PORTAL, catalogue=catalogue(), clock=Clock(LATER), submission_id=submission_id,
                    application=birth_application(VY_DA), components=BOTH)
    dossier = accept(uow, submission_id)
    assert len(uow.tables.dossiers) == 1 and uow.stored(dossier.code).submitted_at == T0
    assert uow.tables.submissions[submission_id].resubmitted_at == LATER


def test_a_refused_submission_is_never_received() -> None:
    uow, submission_id = submitted()
    refused = refuse(uow, submission_id)
    assert (refused.stage, refused.status, refused.dossier_code) == (IntakeStage.REFUSED, S.REFUSED, None)
    assert refused.refusal is not None and refused.refusal.unit_id == PHU_XUAN
    assert uow.tables.dossiers == {} and uow.tables.sequences == {}
    before = uow.snapshot()
    with pytest.raises(ConflictError) as late:
        accept(uow, submission_id)
    assert late.value.status == "refused" and uow.tables == before


def _guided() -> tuple[FakeUnitOfWork, int]:
    uow, submission_id = submitted(BOTH[:1])
    guide(uow, submission_id)
    return uow, submission_id


DECISIONS_REFUSED: list[tuple[str, Callable[[], tuple[FakeUnitOfWork, int]], Callable[..., Any], Actor,
                              type[DomainError]]] = [
    ("accept-other-centre", submitted, accept, ELSEWHERE, ForbiddenError),
    ("accept-by-handler", submitted, accept, officer(Role.SPECIALIST, PHU_XUAN), ForbiddenError),
    ("accept-by-portal", submitted, accept, PORTAL, ForbiddenError),
    ("accept-missing-document", lambda: submitted(BOTH[:1]), accept, COUNTER, ValidationFailedError),
    ("accept-guided", _guided, accept, COUNTER, ConflictError),
    ("guide-other-centre", submitted, guide, ELSEWHERE, ForbiddenError),
    ("guide-twice", _guided, guide, COUNTER, ConflictError),
    ("refuse-other-centre", submitted, refuse, ELSEWHERE, ForbiddenError),
    ("refuse-by-supervisor", submitted, refuse, officer(Role.SUPERVISOR, "46"), ForbiddenError),
]


@pytest.mark.parametrize(("setup", "command", "actor", "error"), [r[1:] for r in DECISIONS_REFUSED],
                         ids=[r[0] for r in DECISIONS_REFUSED])
def test_a_decision_the_rules_refuse_writes_nothing(setup: Callable[[], tuple[FakeUnitOfWork, int]],
                                                   command: Callable[..., Any], actor: Actor,
                                                   error: type[DomainError]) -> None:
    uow, submission_id = setup()
    before, commits = uow.snapshot(), uow.commits
    with pytest.raises(error):
        command(uow, submission_id, actor)
    assert uow.commits == commits and uow.tables == before


# -- at the counter --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("items", "stage", "kind"), [(ITEMS, IntakeStage.GUIDED, NoticeKind.GUIDANCE),
                                                      (None, IntakeStage.REFUSED, NoticeKind.REFUSAL)],
                         ids=["guided", "refused"])
def test_the_counter_guides_or_refuses_an_in_person_dossier_as_a_submission_decided_at_once(
        items: list[MissingItem] | None, stage: IntakeStage, kind: NoticeKind) -> None:
    uow = fake_uow()
    decided = at_counter(uow, items)
    [stored] = uow.tables.submissions.values()
    assert stored == decided and uow.commits == 1
    assert (stored.stage, stored.channel, stored.reference, stored.submitted_at, stored.submitted_by) == (
        stage, Channel.IN_PERSON, "counter-form-1", T0, COUNTER.user_id)
    assert [(n.kind, n.unit_id, n.officer_id) for n in stored.notices] == [(kind, PHU_XUAN, COUNTER.user_id)]
    assert uow.tables.dossiers == {} and uow.tables.sequences == {} and uow.tables.history == []
    assert stored.decided_at == T0  # guided at the counter: the applicant comes back with a new hand-in


def test_a_counter_form_sent_twice_decides_once() -> None:
    uow = fake_uow()
    first = at_counter(uow, None)
    assert at_counter(uow, None) == first and len(uow.tables.submissions) == 1 and uow.commits == 1
    at_counter(uow, None, key="form-2")
    assert len(uow.tables.submissions) == 2


@pytest.mark.parametrize(("actor", "items"), [(officer(Role.SPECIALIST, PHU_XUAN), None),
                                              (officer(Role.RECEPTION, "46-BHXH"), None),  # no counter there
                                              (COUNTER, [])], ids=["not-a-counter", "no-centre", "no-items"])
def test_a_counter_decision_the_rules_refuse_writes_nothing(actor: Actor, items: list[MissingItem] | None) -> None:
    uow = fake_uow()
    with pytest.raises((ForbiddenError, ValidationFailedError)):
        at_counter(uow, items, actor=actor)
    assert uow.commits == 0 and uow.tables.submissions == {}
