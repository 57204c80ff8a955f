"""The migration plan: generated with identity for the steps both versions have, refused when it names steps or
versions that do not exist (each problem on its step's pointer), and blocked dossiers counted by reason."""

from __future__ import annotations

import pytest

from engine.domain.errors import ValidationFailedError
from engine.domain.migration_plan import (
    MigrationPlan,
    Obstacle,
    Reason,
    Verdict,
    check_plan,
    counts_by_reason,
    generate,
)

OLD = ["receive", "verify", "sign", "hand_over"]
NEW = ["receive", "check", "sign", "hand_over"]


def test_a_generated_plan_maps_each_step_both_versions_have_to_itself() -> None:
    plan = generate(1, 2, OLD, NEW)

    assert plan.steps == {"receive": "receive", "verify": None, "sign": "sign", "hand_over": "hand_over"}
    assert plan.target("verify") is None and plan.target("sign") == "sign"


def test_an_edited_plan_naming_existing_steps_passes() -> None:
    check_plan(MigrationPlan(1, 2, {"verify": "check", "sign": None}), OLD, NEW)


@pytest.mark.parametrize(("plan", "pointer", "words"), [
    (MigrationPlan(1, 2, {"ghost": "sign"}), "/steps/ghost", "'ghost' is not a user task of version 1"),
    (MigrationPlan(1, 2, {"verify": "verify"}), "/steps/verify", "maps to 'verify', which is not a user task of "
                                                                 "version 2"),
    (MigrationPlan(1, 2, {"a/b~c": "sign"}), "/steps/a~1b~0c", "is not a user task"),
    (MigrationPlan(2, 2, {}), "/to_version", "must differ"),
])
def test_a_plan_naming_what_the_versions_lack_is_refused_on_its_pointer(plan: MigrationPlan, pointer: str,
                                                                        words: str) -> None:
    with pytest.raises(ValidationFailedError) as refused:
        check_plan(plan, OLD, NEW)

    [error] = refused.value.errors
    assert refused.value.code == "migration_plan_invalid"
    assert error.pointer == pointer and words in error.message


def test_a_plan_round_trips_through_json() -> None:
    plan = MigrationPlan(1, 3, {"verify": "check", "sign": None})

    assert MigrationPlan.from_json(plan.to_json()) == plan


def test_blocked_dossiers_are_counted_once_per_reason() -> None:
    unmapped = Obstacle(Reason.STEP_UNMAPPED, "waiting at step verify", {"step": "verify"})
    leg = Obstacle(Reason.LEG_ADDED, "past split_legs", {"gateway": "split_legs", "legs": "notify_tax"})
    verdicts = [Verdict(1, "A", "processing", ("verify",), (unmapped,)),
                Verdict(2, "B", "processing", ("verify", "x"), (unmapped, unmapped, leg)),
                Verdict(3, "C", "processing", ("sign",))]

    assert counts_by_reason(verdicts) == {"leg_added": 1, "step_unmapped": 2}
    assert [v.movable for v in verdicts] == [False, False, True]
    assert Obstacle.from_json(leg.to_json()) == leg
