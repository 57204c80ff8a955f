"""Moving running dossiers from one version of a procedure to another: the plan (which waiting step of the old
version becomes which step of the new), its problems, why a dossier cannot move, and the counts by reason.

Pure: no SpiffWorkflow, no storage. engine/workflow/migration.py finds the obstacles a workflow state has,
engine/services/dossier_migrations.py adds those of the dossier (its lanes, its status) and runs the moves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from engine.domain.errors import FieldError, ValidationFailedError

MAX_STEPS = 500  # a plan names user tasks of one procedure: a few dozen at most


@dataclass(frozen=True)
class MigrationPlan:
    """Version `from_version` to `to_version` of one procedure; `steps` maps each old user task id to the new
    user task its waiting tasks become (a step left out, or mapped to None, blocks the dossiers waiting there)."""

    from_version: int
    to_version: int
    steps: dict[str, str | None] = field(default_factory=dict)

    def target(self, step: str) -> str | None:
        return self.steps.get(step)

    def to_json(self) -> dict[str, object]:
        return {"from_version": self.from_version, "to_version": self.to_version, "steps": dict(self.steps)}

    @classmethod
    def from_json(cls, value: Mapping[str, object]) -> MigrationPlan:
        steps = value.get("steps") or {}
        assert isinstance(steps, dict)
        return cls(int(str(value["from_version"])), int(str(value["to_version"])),
                   {str(k): (str(v) if v is not None else None) for k, v in steps.items()})


def generate(from_version: int, to_version: int, old_steps: Iterable[str], new_steps: Iterable[str]) -> MigrationPlan:
    """The plan an admin starts from: every user task of the old version whose id is a user task of the new one
    maps to itself; the others map to nothing, for the admin to choose."""
    new = set(new_steps)
    return MigrationPlan(from_version, to_version, {step: step if step in new else None for step in old_steps})


def check_plan(plan: MigrationPlan, old_steps: Iterable[str], new_steps: Iterable[str]) -> None:
    """Refuse a plan that names steps the versions do not have.

    Raises:
        ValidationFailedError: Each problem with the JSON pointer of the step it is on (422).
    """
    old, new = set(old_steps), set(new_steps)
    problems = []
    if plan.from_version == plan.to_version:
        problems.append(FieldError("/to_version", f"must differ from the dossiers' version {plan.from_version}"))
    if len(plan.steps) > MAX_STEPS:
        problems.append(FieldError("/steps", f"must name at most {MAX_STEPS} steps"))
    for step, target in sorted(plan.steps.items()):
        pointer = "/steps/" + step.replace("~", "~0").replace("/", "~1")  # RFC 6901
        if step not in old:
            problems.append(FieldError(pointer, f"{step!r} is not a user task of version {plan.from_version}"))
        elif target is not None and target not in new:
            problems.append(FieldError(pointer, f"maps to {target!r}, which is not a user task of "
                                                          f"version {plan.to_version}"))
    if problems:
        raise ValidationFailedError("the migration plan names steps the versions do not have", problems,
                                    code="migration_plan_invalid")


class Reason(StrEnum):
    """Why a dossier cannot move (each has a sentence for admins in api/pages/migration_pages.py)."""

    FINISHED = "finished"                   # it reached a final status
    OTHER_VERSION = "other_version"         # it no longer runs the old version
    STEP_UNMAPPED = "step_unmapped"         # waiting at a step the plan maps to nothing
    STEPS_MERGED = "steps_merged"           # two waiting steps would become one
    LEG_ADDED = "leg_added"                 # past a parallel split where the new version adds a leg
    GATEWAY_CHANGED = "gateway_changed"     # inside parallel legs whose split or join the new version changes
    ELEMENT_REMOVED = "element_removed"     # waiting at an event (a timer, a join) the new version does not have
    SUBPROCESS = "subprocess"               # a subprocess or call activity is running
    PAUSE_DIFFERS = "pause_differs"         # the waiting step and its new step differ on waiting for payment
    MILESTONE_DIFFERS = "milestone_differs"  # ... or on the status their completion (or wait) gives
    LANE_UNROUTED = "lane_unrouted"         # the new step's lane is bound to a unit the dossier was never routed to
    APPLICATION_INVALID = "application_invalid"  # its application does not satisfy the new application form
    NOT_MOVABLE = "not_movable"             # the workflow engine could not move it (the detail says why)


@dataclass(frozen=True)
class Obstacle:
    """One reason a dossier cannot move, with the ids it concerns; `message` is English for the API and logs."""

    reason: Reason
    message: str
    params: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"reason": self.reason.value, "message": self.message, "params": dict(self.params)}

    @classmethod
    def from_json(cls, value: Mapping[str, object]) -> Obstacle:
        params = value.get("params") or {}
        assert isinstance(params, dict)
        return cls(Reason(str(value["reason"])), str(value["message"]), {str(k): str(v) for k, v in params.items()})


@dataclass(frozen=True)
class Verdict:
    """Whether one running dossier can move, and why not."""

    dossier_id: int
    dossier_code: str
    status: str
    waiting: tuple[str, ...]
    """The old step ids its waiting tasks are at."""
    obstacles: tuple[Obstacle, ...] = ()

    @property
    def movable(self) -> bool:
        return not self.obstacles


def counts_by_reason(verdicts: Iterable[Verdict]) -> dict[str, int]:
    """How many dossiers each reason blocks (a dossier with two reasons counts under both)."""
    counts: Counter[str] = Counter()
    for verdict in verdicts:
        counts.update({o.reason.value for o in verdict.obstacles})
    return dict(sorted(counts.items()))


class ItemStatus(StrEnum):
    """Where one dossier of a started migration stands."""

    PENDING = "pending"  # its job has not run yet
    MOVED = "moved"
    FAILED = "failed"    # its job found it could no longer move (it moved on since the check)
    BLOCKED = "blocked"  # it could not move when the migration started: no job


@dataclass
class MigrationItem:
    """One dossier of a started migration."""

    dossier_id: int
    dossier_code: str
    status: ItemStatus
    obstacles: list[Obstacle] = field(default_factory=list)
    migration_id: int | None = None


@dataclass
class Migration:
    """A started migration: the plan, who started it and when, and how far it got (counts by item status)."""

    procedure_code: str
    plan: MigrationPlan
    from_version_id: int
    to_version_id: int
    actor_id: int
    started_at: datetime
    counts: dict[str, int] = field(default_factory=dict)
    id: int | None = None

    @property
    def pending(self) -> int:
        return self.counts.get(ItemStatus.PENDING.value, 0)

    @property
    def finished(self) -> bool:
        return self.pending == 0
