"""Bounds on repetition inside one procedure: how many instances a multi-instance task or a standard loop
may create, and how many automatic steps one command may run (a cycle of script tasks and gateways would
otherwise run until the server gives up).

Checked at validation where the BPMN says it (a constant loopCardinality, loopMaximum) and enforced at run
time: each loop task's class is swapped for a bounded twin (as engine.workflow.timers swaps timers), which
counts its instances in the task's internal data, so the count survives save and restore.
"""

from __future__ import annotations

import ast
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, MultiInstanceTask, StandardLoopTask

from engine.domain.errors import Problem

MAX_INSTANCES = 1000
"""Instances one multi-instance task or standard loop may create over the whole dossier."""
MAX_ENGINE_STEPS = 10_000
"""Automatic steps (scripts, gateways, events, instances) one command may run."""
MAX_TASK_DEPTH = 950
"""How deep the task tree may grow in one command: SpiffWorkflow's task iterator stops at 1,000 levels and
would then take a process cycling through automatic steps for a finished one, with its data lost."""


def loop_problems(task_specs: list[Any]) -> list[Problem]:
    """A constant loopCardinality or a loopMaximum above MAX_INSTANCES, on the task that has it."""
    problems = []
    for spec in task_specs:
        bound = None
        if isinstance(spec, MultiInstanceTask) and isinstance(spec.cardinality, str):
            bound = _constant_int(spec.cardinality)
        elif isinstance(spec, StandardLoopTask):
            bound = spec.maximum
        if isinstance(bound, int) and bound > MAX_INSTANCES:
            problems.append(Problem(_element(spec), f"{_element(spec)} would run {bound} times; "
                                                    f"a loop may run at most {MAX_INSTANCES} times"))
    return problems


def bound_loops(task_specs: list[Any]) -> None:
    """Swap every loop task's class for its bounded twin."""
    for spec in task_specs:
        if isinstance(spec, LoopTask) and not isinstance(spec, _Bounded):
            spec.__class__ = _bounded(type(spec))


class _Bounded:
    """Counts the instances a loop task creates and stops the process at MAX_INSTANCES."""

    bpmn_id: str

    def create_child(self, my_task: Any, *args: Any, **kwargs: Any) -> Any:
        created = my_task.internal_data.get("instances", 0)
        if created >= MAX_INSTANCES:
            raise WorkflowTaskException(f"{_element(self)} would run more than {MAX_INSTANCES} times", task=my_task)
        my_task.internal_data["instances"] = created + 1
        return super().create_child(my_task, *args, **kwargs)  # type: ignore[misc]


_BOUNDED: dict[type, type] = {}


def _bounded(kind: type) -> type:
    if kind not in _BOUNDED:
        _BOUNDED[kind] = type(f"Bounded{kind.__name__}", (_Bounded, kind), {})
    return _BOUNDED[kind]


class StepCounter:
    """did_complete_task callback for do_engine_steps: fails the command past MAX_ENGINE_STEPS steps or
    MAX_TASK_DEPTH levels of the task tree (the finished part is pruned after each command)."""

    def __init__(self) -> None:
        self.steps = 0

    def __call__(self, task: Any) -> None:
        self.steps += 1
        if self.steps > MAX_ENGINE_STEPS or task.depth > MAX_TASK_DEPTH:
            raise WorkflowTaskException("the process ran too many automatic steps in one go (a cycle of scripts "
                                        "and gateways without a person's step?)", task=task)


def _constant_int(source: str) -> int | None:
    try:
        value = ast.literal_eval(source.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, int) else None


def _element(spec: Any) -> str:
    # A loop task's spec carries the id of the BPMN task it repeats.
    return str(getattr(spec, "bpmn_id", None) or spec.name)
