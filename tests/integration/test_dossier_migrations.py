"""Moving running dossiers to a new version of their procedure on both databases: the plan and its check, the
jobs moving each dossier in its own transaction with a `migrated` event, dossiers finishing on the new version
with their deadlines and an intact hash chain, a dossier that moved on before its job, and two workers."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest

from api.wiring import Wiring
from engine.domain.dossier import Dossier, EventKind
from engine.domain.errors import ValidationFailedError
from engine.domain.migration_plan import ItemStatus, MigrationPlan, Reason
from engine.domain.notice import MissingItem
from engine.domain.task import TaskStatus
from engine.services import claims, dossier_migrations, integrity, lifecycle, procedure_drafts, tasks, worker
from engine.workflow import WorkflowError
from tests.conftest import PHU_XUAN, VY_DA, Clock
from tests.integration._support import (
    BIRTH,
    STEP_DATA,
    STEP_USER,
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

ADMIN = "admin.46"


def publish_renamed(wiring: Wiring, actors: Actors, clock: Clock) -> int:
    """Version 2 of birth registration, whose step `review` is called `verify`; returns its number."""
    bpmn = procedure_drafts.get_model(wiring.uow(), actor=actors(ADMIN), code=BIRTH).bpmn
    published = procedure_drafts.publish_draft(wiring.uow(), actor=actors(ADMIN), code=BIRTH,
                                               bpmn=renamed(bpmn, "review", "verify"), clock=clock)
    return published.version


def renamed(bpmn: str, old: str, new: str) -> str:
    """The BPMN with element `old` renamed `new` (its id, the flows and the lane naming it)."""
    return bpmn.replace(f'"{old}"', f'"{new}"').replace(f">{old}<", f">{new}<")


def run_jobs(wiring: Wiring, clock: Clock) -> int:
    handlers = worker.handlers(calendar=wiring.calendar, catalogue=wiring.catalogue)
    return worker.run_due(wiring.uow, handlers=handlers, clock=clock)


def finish(wiring: Wiring, actors: Actors, dossier: Dossier) -> Dossier:
    for step in ("verify", "sign", "hand_over"):
        task = ready_task(wiring, dossier, step)
        user = STEP_USER["review" if step == "verify" else step]
        dossier = tasks.complete(wiring.uow(), actor=actors(user), task_id=task.id,
                                 data=STEP_DATA["review" if step == "verify" else step], **deps(wiring))
    return dossier


@pytest.fixture
def actors(wiring: Wiring) -> Actors:
    return Actors(wiring)


def test_the_generated_plan_blocks_a_renamed_step_until_the_admin_maps_it(wiring: Wiring, actors: Actors,
                                                                          clock: Clock) -> None:
    at_review = receive(wiring, actors(f"reception.{PHU_XUAN}"))
    at_sign = complete_step(wiring, actors, receive(wiring, actors(f"reception.{PHU_XUAN}")), "review")
    version = publish_renamed(wiring, actors, clock)
    check = partial(dossier_migrations.check, wiring.uow(), actor=actors(ADMIN), catalogue=wiring.catalogue,
                    code=BIRTH)

    draft = dossier_migrations.plan(wiring.uow(), actor=actors(ADMIN), catalogue=wiring.catalogue, code=BIRTH,
                                    from_version=1, to_version=version)
    assert draft.plan.steps == {"receive": "receive", "review": None, "sign": "sign", "hand_over": "hand_over"}
    generated = check(plan=draft.plan)
    edited = check(plan=MigrationPlan(1, version, {**draft.plan.steps, "review": "verify"}))

    assert (generated.movable, generated.blocked, generated.by_reason) == (1, 1, {"step_unmapped": 1})
    assert generated.movable_codes == [at_sign.code]
    [blocked] = generated.blocked_verdicts
    assert blocked.dossier_code == at_review.code and blocked.waiting == ("review",)
    assert "which the new version removes and the plan maps to nothing" in blocked.obstacles[0].message
    assert (edited.movable, edited.blocked) == (2, 0)


def test_a_plan_naming_unknown_steps_is_refused_with_the_step(wiring: Wiring, actors: Actors, clock: Clock) -> None:
    version = publish_renamed(wiring, actors, clock)
    bad = MigrationPlan(1, version, {"review": "nowhere", "ghost": "sign"})

    with pytest.raises(ValidationFailedError) as refused:
        dossier_migrations.start(wiring.uow(), actor=actors(ADMIN), catalogue=wiring.catalogue, clock=clock,
                                 code=BIRTH, plan=bad)

    assert {e.pointer for e in refused.value.errors} == {"/steps/review", "/steps/ghost"}


def test_running_dossiers_move_keep_their_deadlines_and_finish_on_the_new_version(wiring: Wiring, actors: Actors,
                                                                                  clock: Clock) -> None:
    at_review = receive(wiring, actors(f"reception.{PHU_XUAN}"))
    claimed = ready_task(wiring, at_review, "review")
    claims.claim(wiring.uow(), actor=actors(f"specialist.{VY_DA}"), task_id=claimed.id, clock=clock)
    paused = receive(wiring, actors(f"reception.{PHU_XUAN}"))
    lifecycle.request_supplement(wiring.uow(), actor=actors(f"specialist.{VY_DA}"), code=paused.code,
                                 reasons="Thiếu giấy chứng sinh", items=[MissingItem("Giấy chứng sinh")],
                                 **deps(wiring))
    version = publish_renamed(wiring, actors, clock)
    before = {d.code: load(wiring, d.code) for d in (at_review, paused)}
    clock.now += timedelta(hours=1)

    started = dossier_migrations.start(wiring.uow(), actor=actors(ADMIN), catalogue=wiring.catalogue, clock=clock,
                                       code=BIRTH, plan=MigrationPlan(1, version, {"review": "verify", "sign": "sign",
                                                                                   "hand_over": "hand_over"}))
    assert started.id is not None and run_jobs(wiring, clock) == 2

    progress = dossier_migrations.progress(wiring.uow(), actor=actors(ADMIN), code=BIRTH, migration_id=started.id)
    assert progress.migration.counts == {"moved": 2} and progress.not_moved == []
    moved = ready_task(wiring, at_review, "verify")
    holder = actors(f"specialist.{VY_DA}").user_id
    assert (moved.id, moved.claimed_by, moved.created_at, moved.due_at) == (claimed.id, holder, claimed.created_at,
                                                                           claimed.due_at)
    for code, old in before.items():
        now = load(wiring, code)
        assert (now.due_at, now.deadline_at, now.paused_at, now.status) == (old.due_at, old.deadline_at,
                                                                           old.paused_at, old.status)
        [event] = [e for e in history_of(wiring, now) if e.kind == EventKind.MIGRATED]
        assert event.data == {"migration": started.id, "from_version": 1, "to_version": version,
                              "steps": {"review": "verify"}}
    assert finish(wiring, actors, at_review).status.value == "returned"
    assert integrity.verify(wiring.uow()).intact


def test_a_dossier_that_moved_on_before_its_job_is_moved_from_where_it_is_or_recorded(wiring: Wiring, actors: Actors,
                                                                                      clock: Clock) -> None:
    ahead = receive(wiring, actors(f"reception.{PHU_XUAN}"))
    ended = receive(wiring, actors(f"reception.{PHU_XUAN}"))
    version = publish_renamed(wiring, actors, clock)
    started = dossier_migrations.start(wiring.uow(), actor=actors(ADMIN), catalogue=wiring.catalogue, clock=clock,
                                       code=BIRTH, plan=MigrationPlan(1, version, {"review": "verify", "sign": "sign",
                                                                                   "hand_over": "hand_over"}))
    complete_step(wiring, actors, ahead, "review")  # between the start and the job
    lifecycle.withdraw(wiring.uow(), actor=actors(f"reception.{PHU_XUAN}"), code=ended.code, clock=clock,
                       reasons="Người dân rút hồ sơ")

    assert started.id is not None and run_jobs(wiring, clock) == 2

    progress = dossier_migrations.progress(wiring.uow(), actor=actors(ADMIN), code=BIRTH, migration_id=started.id)
    assert progress.migration.counts == {"moved": 1, "failed": 1}
    [failed] = progress.not_moved
    assert (failed.dossier_code, failed.status, failed.obstacles[0].reason) == (ended.code, ItemStatus.FAILED,
                                                                                Reason.FINISHED)
    assert ready_task(wiring, ahead, "sign").step == "sign"


def test_two_workers_move_each_dossier_once(wiring: Wiring, actors: Actors, clock: Clock) -> None:
    dossiers = [receive(wiring, actors(f"reception.{PHU_XUAN}")) for _ in range(4)]
    version = publish_renamed(wiring, actors, clock)
    started = dossier_migrations.start(wiring.uow(), actor=actors(ADMIN), catalogue=wiring.catalogue, clock=clock,
                                       code=BIRTH, plan=MigrationPlan(1, version, {"review": "verify"}))

    outcomes = run_together([partial(run_jobs, wiring, clock), partial(run_jobs, wiring, clock)])

    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert sum(ran for _, ran in outcomes) == 4
    assert started.id is not None
    progress = dossier_migrations.progress(wiring.uow(), actor=actors(ADMIN), code=BIRTH, migration_id=started.id)
    assert progress.migration.counts == {"moved": 4}
    for dossier in dossiers:
        assert [e.kind for e in history_of(wiring, dossier)].count(EventKind.MIGRATED) == 1
        assert [t.step for t in tasks_of(wiring, dossier) if t.status == TaskStatus.READY] == ["verify"]



def test_a_move_failing_half_way_leaves_the_dossier_as_it_was(wiring: Wiring, actors: Actors, clock: Clock,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    dossier = receive(wiring, actors(f"reception.{PHU_XUAN}"))
    version = publish_renamed(wiring, actors, clock)
    started = dossier_migrations.start(wiring.uow(), actor=actors(ADMIN), catalogue=wiring.catalogue, clock=clock,
                                       code=BIRTH, plan=MigrationPlan(1, version, {"review": "verify"}))

    def failing(*args: object, **kwargs: object) -> None:
        raise WorkflowError("a timer could not be set")

    monkeypatch.setattr(dossier_migrations, "record_progress", failing)
    assert started.id is not None and run_jobs(wiring, clock) == 1

    progress = dossier_migrations.progress(wiring.uow(), actor=actors(ADMIN), code=BIRTH, migration_id=started.id)
    [failed] = progress.not_moved
    [why] = failed.obstacles
    assert why.reason == Reason.NOT_MOVABLE and "a timer could not be set" in why.message
    assert load(wiring, dossier.code).procedure_version_id == dossier.procedure_version_id
    assert ready_task(wiring, dossier, "review").step == "review"
    assert EventKind.MIGRATED not in [e.kind for e in history_of(wiring, dossier)]
