"""The FakeUnitOfWork (tests/fakes/uow.py) keeps the promises of the port (engine/domain/ports.py) that the
service tests rely on: nothing without commit, copies in and out, the version check, recorded events stored,
the job savepoint."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.domain.dossier import Channel, EventKind
from engine.domain.errors import ConflictError
from engine.domain.job import MAX_ATTEMPTS, Job, JobKind, JobStatus
from engine.domain.lookup_lock import LOCK, MAX_FAILURES, WINDOW
from engine.domain.notice import NoticeKind
from engine.domain.status import DossierStatus as S
from engine.domain.submission import IntakeStage, Submission
from tests.conftest import PHU_XUAN, VY_DA
from tests.fakes.uow import FakeUnitOfWork
from tests.unit.builders import BIRTH, ITEMS, T0, dossier, fake_uow, step


def test_leaving_without_commit_discards_the_block_and_a_commit_keeps_what_came_before_it() -> None:
    uow, d = fake_uow(), dossier()
    with uow:
        uow.dossiers.add(d)
        uow.commit()
        uow.tasks.add(step(d))
        uow.jobs.add(Job(JobKind.DEADLINE_WATCH, T0, d.id))
    assert uow.committed and list(uow.tables.dossiers) == [d.id]
    assert uow.tables.tasks == {} and uow.tables.jobs == {}


def test_objects_are_stored_and_read_back_as_copies() -> None:
    uow, d = fake_uow(), dossier()
    with uow:
        uow.dossiers.add(d)
        d.status = S.STOPPED  # changed after add, never updated
        loaded = uow.dossiers.get(d.code)
        assert loaded is not None and loaded.status == S.PROCESSING and loaded is not d
        loaded.status = S.REFUSED
        uow.commit()
    assert uow.stored(d.code).status == S.PROCESSING


def test_updating_a_stale_version_is_a_conflict() -> None:
    uow, d = fake_uow(), dossier()
    uow.seed_dossier(d)
    with uow:
        first, second = uow.dossiers.get(d.code), uow.dossiers.get(d.code)
        assert first is not None and second is not None
        uow.dossiers.update(first)
        with pytest.raises(ConflictError):
            uow.dossiers.update(second)
    assert uow.stored(d.code).version == 1  # nothing committed


def test_events_a_loaded_dossier_records_are_stored_at_commit_and_dropped_without_it() -> None:
    uow, d = fake_uow(), dossier()
    uow.seed_dossier(d)
    for commit in (False, True):
        with uow:
            loaded = uow.dossiers.get(d.code)
            assert loaded is not None
            loaded.record(EventKind.NEAR_DUE, T0, None, None, deadline=T0.isoformat())
            if commit:
                uow.commit()
    assert [(e.kind, e.dossier_id) for e in uow.tables.history] == [(EventKind.NEAR_DUE, d.id)]


def test_a_job_attempt_that_raises_undoes_its_writes_and_keeps_the_rest() -> None:
    uow, d = fake_uow(), dossier()
    with uow:
        uow.dossiers.add(d)
        with pytest.raises(RuntimeError), uow.jobs.attempt():
            uow.tasks.add(step(d))
            raise RuntimeError("the handler failed")
        with uow.jobs.attempt():
            uow.jobs.add(Job(JobKind.DEADLINE_WATCH, T0, d.id))
        uow.commit()
    assert uow.tables.tasks == {} and len(uow.tables.jobs) == 1 and len(uow.tables.dossiers) == 1


def test_a_failing_job_is_retried_until_it_fails_for_good() -> None:
    uow = fake_uow()
    with uow:
        uow.jobs.add(job := Job(JobKind.DEADLINE_WATCH, T0))
        assert job.id is not None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            failed = uow.jobs.record_failure(job.id, "x" * 3000, T0 + timedelta(minutes=attempt))
            assert failed is not None and failed.attempts == attempt
        assert uow.jobs.record_failure(job.id, "again", T0) is None
        assert uow.jobs.claim_due(T0 + timedelta(days=1)) == []
        stored = uow.jobs.get(job.id)
    assert stored is not None and stored.status == JobStatus.FAILED and len(stored.last_error or "") == 2000


def test_what_a_database_would_refuse_is_refused() -> None:
    uow, d = fake_uow(), dossier()
    d.due_at = d.due_at.replace(tzinfo=None)
    with uow:
        with pytest.raises(ValueError, match="naive"):
            uow.dossiers.add(d)
        with pytest.raises(NotImplementedError, match="SQLite"):
            uow.printing.display_names([])
    with pytest.raises(RuntimeError, match="outside"):
        uow.dossiers.get(d.code)


def test_a_code_locks_at_the_tenth_wrong_secret_and_a_new_window_starts_after_an_hour() -> None:
    uow = FakeUnitOfWork()
    with uow:
        for _ in range(MAX_FAILURES - 1):
            uow.lookup_failures.count_failure("c", T0)
        ninth = uow.lookup_failures.get("c")
        uow.lookup_failures.count_failure("c", T0)
        tenth = uow.lookup_failures.get("c")
        uow.lookup_failures.count_failure("c", T0 + WINDOW)
        fresh = uow.lookup_failures.get("c")
    assert ninth is not None and ninth.locked_until is None
    assert tenth is not None and tenth.failures == MAX_FAILURES and tenth.locked_until == T0 + LOCK
    assert fresh is not None and (fresh.failures, fresh.window_started_at) == (1, T0 + WINDOW)


def _submission(reference: str = "portal-1", centre: str = PHU_XUAN, at: datetime = T0) -> Submission:
    return Submission(reference, centre, BIRTH, Channel.ONLINE, {"a": 1}, "Nguyễn Văn An", [], at, 1, "digest")


def test_submissions_are_copies_unique_by_reference_and_updated_only_from_the_stored_version() -> None:
    uow, first = fake_uow(), _submission()
    with uow:
        uow.submissions.add(first)
        with pytest.raises(ConflictError):
            uow.submissions.add(_submission())
        assert first.id is not None
        a, b = uow.submissions.get(first.id), uow.submissions.by_reference("portal-1")
        assert a is not None and b is not None and a == b and a is not b
        a.refuse(T0, 7, PHU_XUAN, "Lý do")
        uow.submissions.update(a)
        with pytest.raises(ConflictError):
            uow.submissions.update(b)  # stale
        uow.commit()
    stored = uow.tables.submissions[first.id]
    assert (stored.stage, stored.version, [n.kind for n in stored.notices]) == (
        IntakeStage.REFUSED, 2, [NoticeKind.REFUSAL])
    with uow:
        uow.submissions.add(_submission("portal-2"))  # never committed
    assert len(uow.tables.submissions) == 1


def test_the_queue_is_the_centres_open_submissions_longest_waiting_first_and_the_counts_follow_the_period() -> None:
    uow, later = fake_uow(), T0 + timedelta(hours=1)
    with uow:
        for reference, centre, at in (("b", PHU_XUAN, later), ("a", PHU_XUAN, T0), ("c", VY_DA, T0),
                                      ("d", PHU_XUAN, T0 - timedelta(days=1))):
            uow.submissions.add(_submission(reference, centre, at))
        guided = uow.submissions.by_reference("a")
        assert guided is not None
        guided.guide(later, 7, PHU_XUAN, "Thiếu", ITEMS)
        uow.submissions.update(guided)
        accepted = uow.submissions.by_reference("d")
        assert accepted is not None
        accepted.accept(later, 7, "19768-250714-0001")
        uow.submissions.update(accepted)
        page, total = uow.submissions.queue(centre_ids=[PHU_XUAN], stages=[IntakeStage.WAITING, IntakeStage.GUIDED],
                                            limit=1, offset=0)
        counts = uow.submissions.intake_counts([PHU_XUAN], T0, T0 + timedelta(days=1))
    assert ([s.reference for s in page], total) == (["a"], 2)
    # "a", guided, waits for the applicant and not for the counter: only "b" is in the queue.
    assert counts == {PHU_XUAN: {"submitted_online": 2, "guided": 1, "accepted": 1, "refused": 0, "waiting": 1}}
