"""Moving a running workflow's state onto another version's spec: what in the state stops it (`obstacles`) and
the move itself (`migrate`), with the admin's map of waiting user tasks (engine/domain/migration_plan.py).

Built on SpiffWorkflow's own diff (SpecDiff aligns elements by id; migrate_workflow re-points the tasks and
re-predicts what comes after the waiting ones): the plan overrides the alignment of the waiting user tasks, which
keep their task ids, so the task index rows stay theirs. Timers already armed keep their fire time. A finished
task whose element the new version lacks is only history once the state is pruned (engine/workflow/pruning.py),
so it is re-pointed at the new spec's start. Moves only what is checked; the check runs the move itself on a copy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from engine.domain.migration_plan import Obstacle, Reason
from engine.workflow import state
from engine.workflow.deep_calls import call_deep
from engine.workflow.runner import WorkflowError, WorkflowInstance
from engine.workflow.specs import WorkflowSpec
from engine.workflow.timers import ENGINE_TIMERS

_GATEWAYS = (ParallelGateway, InclusiveGateway)
# Finished elements whose waiting tasks depend on them: a boundary event's split, a gateway's split.
_HOLDING = (BoundaryEventSplit, ParallelGateway, InclusiveGateway)
_BOUNDARY_SUFFIXES = (".BoundaryEventSplit", ".BoundaryEventJoin")
_COMPARED_PROPERTIES = (("pause", Reason.PAUSE_DIFFERS), ("milestone", Reason.MILESTONE_DIFFERS))


@dataclass(frozen=True)
class MovedStep:
    """A waiting user task after the move: same task id, its old and its new step id."""

    task_id: str
    old_step: str
    new_step: str


def waiting_steps(old: WorkflowSpec, snapshot: dict[str, Any]) -> list[str]:
    """The step ids of the user tasks the state waits at."""
    return [t.task_spec.bpmn_id for t in _ready_user_tasks(_restored(old, snapshot))]


def obstacles(old: WorkflowSpec, new: WorkflowSpec, snapshot: dict[str, Any],
              steps: Mapping[str, str | None]) -> list[Obstacle]:
    """Why the state of `old` cannot move onto `new` with the step map `steps` (none: it can)."""
    workflow = _restored(old, snapshot)
    found = _structural(workflow, old, new, steps)
    if not found:
        try:
            migrate(old, new, snapshot, steps)
        except WorkflowError as exc:
            found.append(Obstacle(Reason.NOT_MOVABLE, str(exc)))
    return found


def migrate(old: WorkflowSpec, new: WorkflowSpec, snapshot: dict[str, Any],
            steps: Mapping[str, str | None]) -> tuple[WorkflowInstance, list[MovedStep]]:
    """The state moved onto `new`, restored against it, and where each waiting user task went.

    Raises:
        WorkflowError: The state has an obstacle, or the moved state does not wait where the plan says.
    """
    workflow = _restored(old, snapshot)
    found = _structural(workflow, old, new, steps)
    if found:
        raise WorkflowError("; ".join(o.message for o in found))
    moved = [MovedStep(str(t.id), t.task_spec.bpmn_id, str(steps[t.task_spec.bpmn_id]))
             for t in _ready_user_tasks(workflow)]
    try:
        moved_state = call_deep(lambda: _moved_state(workflow, new, steps), max(old.elements, new.elements))
        instance = WorkflowInstance.restore(new, moved_state)
    # SpiffWorkflow's diff meets states it was not written for (a task whose element it cannot align): whatever
    # it raises means this dossier cannot move, never a server error.
    except Exception as exc:
        raise WorkflowError(f"the workflow state could not be moved: {exc}") from exc
    ready = {t.id: t.step for t in instance.ready_human_tasks()}
    for step in moved:
        if ready.get(step.task_id) != step.new_step:
            raise WorkflowError(f"step {step.old_step} would not wait at {step.new_step} after the move")
    return instance, moved


def _moved_state(workflow: BpmnWorkflow, new: WorkflowSpec, steps: Mapping[str, str | None]) -> dict[str, Any]:
    spec_diff = SpecDiff(state.serializer().registry, workflow.spec, new.spec)
    for old_spec in list(spec_diff.alignment):
        target = steps.get(old_spec.bpmn_id) if isinstance(old_spec, UserTask) else None
        if target is not None:
            spec_diff.alignment[old_spec] = new.spec.task_specs[target]
            # A step with boundary events sits between a split and a join named after it: they move with it.
            for suffix in _BOUNDARY_SUFFIXES:
                around = workflow.spec.task_specs.get(old_spec.name + suffix)
                if around is not None:
                    spec_diff.alignment[around] = new.spec.task_specs.get(target + suffix)
    timers = {t.id: (t.task_spec.name, dict(t.internal_data)) for t in workflow.get_tasks(state=TaskState.WAITING)
              if isinstance(getattr(t.task_spec, "event_definition", None), ENGINE_TIMERS)}
    migrate_workflow(WorkflowDiff(workflow, spec_diff), workflow, new.spec)
    workflow.subprocess_specs = new.subprocess_specs
    for task in workflow.get_tasks():
        if task.task_spec.name not in new.spec.task_specs:
            if task.state != TaskState.COMPLETED or (isinstance(task.task_spec, _HOLDING)
                                                     and _has_unfinished_below(task)):
                raise WorkflowError(f"element {task.task_spec.bpmn_id or task.task_spec.name} is not in the new "
                                    "version and still has tasks to run")
            task.task_spec = new.spec.start
        kept = timers.get(task.id)
        if kept is not None and kept[0] == task.task_spec.name:  # the same timer: it keeps its fire time
            task.internal_data.update(kept[1])
    return state.dump(workflow)


def _structural(workflow: BpmnWorkflow, old: WorkflowSpec, new: WorkflowSpec,
                steps: Mapping[str, str | None]) -> list[Obstacle]:
    if workflow.subprocesses:
        return [Obstacle(Reason.SUBPROCESS, "a subprocess or call activity of the dossier is running; "
                                            "its steps cannot be moved")]
    return [*_step_obstacles(workflow, old, new, steps), *_gateway_obstacles(workflow, new, steps),
            *_waiting_event_obstacles(workflow, new)]


def _step_obstacles(workflow: BpmnWorkflow, old: WorkflowSpec, new: WorkflowSpec,
                    steps: Mapping[str, str | None]) -> list[Obstacle]:
    found, targets = [], Counter[str]()
    old_steps, new_steps = {s.step: s for s in old.human_steps}, {s.step: s for s in new.human_steps}
    for task in _ready_user_tasks(workflow):
        step = task.task_spec.bpmn_id
        target = steps.get(step)
        if target is None or target not in new_steps:
            gone = step not in new_steps
            found.append(Obstacle(Reason.STEP_UNMAPPED, f"waiting at step {step}, which the new version "
                                  f"{'removes' if gone else 'keeps'} and the plan maps to nothing", {"step": step}))
            continue
        targets[target] += 1
        for key, reason in _COMPARED_PROPERTIES:
            before, after = old_steps[step].properties.get(key), new_steps[target].properties.get(key)
            if before != after:
                found.append(Obstacle(reason, f"waiting at step {step}, whose {key} is {before or 'none'}; "
                                      f"the new step {target} has {after or 'none'}",
                                      {"step": step, "target": target, "before": before or "", "after": after or ""}))
    found += [Obstacle(Reason.STEPS_MERGED, f"{count} waiting steps would all become step {target}",
                       {"target": target}) for target, count in targets.items() if count > 1]
    return found


def _gateway_obstacles(workflow: BpmnWorkflow, new: WorkflowSpec, steps: Mapping[str, str | None]) -> list[Obstacle]:
    """Parallel legs already split: the new version's split must have the same legs (a leg's first step as the
    plan maps it), or the join waits for a leg that never started (added) or for one that no longer exists."""
    found = []
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        spec = task.task_spec
        if not isinstance(spec, _GATEWAYS) or not _has_unfinished_below(task):
            continue
        legs = {(steps.get(s.bpmn_id) if isinstance(s, UserTask) else None) or s.bpmn_id or s.name
                for s in spec.outputs}
        counterpart = new.spec.task_specs.get(spec.name)
        new_legs = {s.bpmn_id or s.name for s in counterpart.outputs} if isinstance(counterpart, _GATEWAYS) else set()
        added = sorted(new_legs - legs)
        if counterpart is not None and added and legs <= new_legs:
            found.append(Obstacle(Reason.LEG_ADDED, f"past the parallel split {spec.bpmn_id}, where the new version "
                                  f"adds the leg {', '.join(added)}: that leg would never run",
                                  {"gateway": str(spec.bpmn_id), "legs": ", ".join(added)}))
        elif new_legs != legs:
            found.append(Obstacle(Reason.GATEWAY_CHANGED, f"inside the parallel legs of {spec.bpmn_id}, which the "
                                  "new version changes or removes", {"gateway": str(spec.bpmn_id)}))
    return found


def _waiting_event_obstacles(workflow: BpmnWorkflow, new: WorkflowSpec) -> list[Obstacle]:
    found = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        spec = task.task_spec
        counterpart = new.spec.task_specs.get(spec.name)
        name = str(spec.bpmn_id or spec.name)
        if counterpart is None:
            found.append(Obstacle(Reason.ELEMENT_REMOVED, f"waiting at {name}, which the new version removes",
                                  {"element": name}))
        elif isinstance(spec, _GATEWAYS) and {s.name for s in spec.inputs} != {s.name for s in counterpart.inputs}:
            found.append(Obstacle(Reason.GATEWAY_CHANGED, f"waiting at the join {name}, whose incoming legs the "
                                  "new version changes", {"gateway": name}))
    return found


def _has_unfinished_below(task: SpiffTask) -> bool:
    stack = list(task.children)
    while stack:  # not recursive: the tree may be deep
        current = stack.pop()
        if current.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED, TaskState.ERROR):
            return True
        stack.extend(current.children)
    return False


def _ready_user_tasks(workflow: BpmnWorkflow) -> list[SpiffTask]:
    return [t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if isinstance(t.task_spec, UserTask)]


def _restored(spec: WorkflowSpec, snapshot: dict[str, Any]) -> BpmnWorkflow:
    workflow: BpmnWorkflow = call_deep(lambda: state.load(snapshot, spec.spec, spec.subprocess_specs), spec.elements)
    return workflow
