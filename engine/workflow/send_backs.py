"""Sending a step back (trả lại): a user task's `send_back_to` property names the earlier user tasks of its
process it may return the dossier to (space-separated BPMN ids); publication checks them, and `reopen`
moves a running workflow from the ready task back to one of them.

The move does not rely on the completed target still being in the task tree (engine/workflow/pruning.py
drops the finished part): the ready task, with its boundary events, leaves the tree and a fresh task of the
target's spec takes its place under the same parent. Completing it then runs the flow from the target
again (scripts, gateways), as a reset would. Publication keeps the targets on the task's own branch
(no parallel or inclusive gateway, event gateway, subprocess or loop between them), so the move never
leaves a parallel leg without its join or runs one twice.
"""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from engine.domain.errors import Problem

SEND_BACK_TO = "send_back_to"
_STEP_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}")
# Elements a return may not cross: the branch would lose its join, or run a leg, subprocess or loop twice.
_BARRIERS = (ParallelGateway, InclusiveGateway, EventBasedGateway, SubWorkflowTask, LoopTask)
# A target whose completion moves the dossier or stops its clock is not a step to redo.
_ONE_TIME_PROPERTIES = ("milestone", "pause")


def targets(properties: dict[str, str]) -> list[str]:
    """The step ids a user task with these properties may send back to, in the order declared."""
    return properties.get(SEND_BACK_TO, "").split()


def send_back_problems(process_specs: list[Any]) -> list[Problem]:
    """Every `send_back_to` that names anything but earlier user tasks on the task's own branch."""
    problems = []
    for process in process_specs:
        for spec in process.task_specs.values():
            properties = spec.extensions.get("properties", {}) if isinstance(spec, UserTask) else {}
            if SEND_BACK_TO in properties:
                problems += [Problem(spec.bpmn_id, f"user task {spec.bpmn_id}: {SEND_BACK_TO} {message}")
                             for message in _problems_of(process, spec, properties[SEND_BACK_TO])]
    return problems


def _problems_of(process: Any, spec: Any, value: str) -> list[str]:
    named = value.split()
    if not named:
        return ["names no step; give the ids of earlier user tasks, separated by spaces"]
    if spec.extensions.get("properties", {}).get("milestone") == "returned":
        return ["is not allowed on the return step: the result is ready as soon as it waits"]
    messages = ["names a step twice"] if len(named) != len(set(named)) else []
    reachable = _earlier_on_branch(spec)
    for step in dict.fromkeys(named):
        valid = _STEP_ID.fullmatch(step) is not None
        shown = step if valid else repr(step[:40])
        target = process.task_specs.get(step) if valid else None
        if isinstance(target, LoopTask):
            messages.append(f"names {shown}, a repeated (multi-instance or loop) task, which cannot be redone")
        elif not isinstance(target, UserTask) or target.bpmn_id != step:
            messages.append(f"names {shown}, which is not a user task of this process")
        elif target is spec:
            messages.append(f"names {shown}, the task itself")
        elif any(target.extensions.get("properties", {}).get(p) for p in _ONE_TIME_PROPERTIES):
            messages.append(f"names {shown}, whose milestone or pause happens once and cannot be redone")
        elif target not in reachable:
            messages.append(f"names {shown}, which does not come before {spec.bpmn_id} on its branch "
                            "(no parallel, inclusive or event gateway, subprocess or loop may lie between)")
    return messages


def _earlier_on_branch(spec: Any) -> set[Any]:
    """The task specs from which `spec` is reached without crossing a barrier (not recursive: the
    process may be long)."""
    seen: set[Any] = set()
    stack = list(spec.inputs)
    while stack:
        current = stack.pop()
        if current in seen or isinstance(current, _BARRIERS):
            continue
        seen.add(current)
        stack.extend(current.inputs)
    return seen


def reopen(task: SpiffTask, step: str) -> SpiffTask:
    """Take the ready `task` (and its boundary events) out of the tree and put a ready task of the user task
    `step` of the same process where it was. Returns the new task (its boundary split when it has events:
    the engine steps then make the user task ready)."""
    workflow = task.workflow
    target = workflow.spec.task_specs.get(step)
    if not isinstance(target, UserTask):
        raise KeyError(step)
    leaving = task.parent if isinstance(task.parent.task_spec, BoundaryEventSplit) else task
    parent, data = leaving.parent, deepcopy(leaving.data)
    entry_spec = next((s for s in target.inputs if isinstance(s, BoundaryEventSplit)), target)
    leaving.cancel()  # takes its waiting boundary events off the event manager
    if parent is not None:
        workflow._remove_task(leaving.id)
        entry = parent._add_child(entry_spec, TaskState.FUTURE)
        entry_spec._predict(entry, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)
        entry_spec._update(entry)
        return entry
    # The boundary split was the root (pruning keeps no finished task above it): the entry becomes the root,
    # with the data the split had.
    for gone in list(leaving):
        workflow.tasks.pop(gone.id, None)
    entry = SpiffTask(workflow, entry_spec, None, state=TaskState.FUTURE)
    entry.data, workflow.task_tree = data, entry
    entry_spec._predict(entry, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)
    entry._ready()
    return entry
