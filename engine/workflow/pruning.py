"""Keeping a running workflow's task tree as small as what is still to come.

SpiffWorkflow keeps every task ever run in one tree, and every loop back adds a new branch below the
last: a dossier sent back for rework 200 times has a tree 600 levels deep. Every query walks the whole
tree, so each step costs more than the one before; and past depth 1000 SpiffWorkflow's task iterator
silently stops looking, so the process seems finished while a step is waiting (found by
bench/growth.py). The history of what ran is ours (history events), not the tree's, so the finished
part above the point where everything unfinished branches off is dropped after every command.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState


def prune(workflow: BpmnWorkflow) -> int:
    """Re-root the tree at the deepest completed task that every unfinished task and the last completed
    one descend from, forgetting the tasks outside it. Returns how many tasks were dropped.

    Left alone: a finished workflow, and processes with subprocesses or event subprocesses (their tasks
    are found from the root or owned by tasks that would go).
    """
    if workflow.subprocesses or getattr(workflow.spec.start, "trigger_specs", None) \
            or getattr(workflow.spec, "conditional_paths", None):
        return 0
    unfinished = workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK)
    if not unfinished:
        return 0
    cut = _completed_common_ancestor([*unfinished, *([workflow.last_task] if workflow.last_task else [])])
    if cut is None or cut is workflow.task_tree:
        return 0
    kept = {task.id for task in _subtree(cut)}
    dropped = [task_id for task_id in workflow.tasks if task_id not in kept]
    for task_id in dropped:
        del workflow.tasks[task_id]
    cut.parent = None
    workflow.task_tree = cut
    return len(dropped)


def _completed_common_ancestor(tasks: list[SpiffTask]) -> SpiffTask | None:
    paths = [_path_from_root(task) for task in tasks]
    common: SpiffTask | None = None
    for level in zip(*paths, strict=False):
        if any(task is not level[0] for task in level):
            break
        if level[0].state == TaskState.COMPLETED:
            common = level[0]
    return common


def _path_from_root(task: SpiffTask) -> list[SpiffTask]:
    path = []
    current: SpiffTask | None = task
    while current is not None:
        path.append(current)
        current = current.parent
    path.reverse()
    return path


def _subtree(root: SpiffTask) -> list[SpiffTask]:
    found, stack = [], [root]
    while stack:  # not recursive: the tree may be deep before its first pruning
        task = stack.pop()
        found.append(task)
        stack.extend(task.children)
    return found
