"""A running workflow behind a small façade: start, list ready human tasks, complete one, snapshot,
and its BPMN timers on the engine's clock (arm, list, fire; see engine/workflow/timers.py).

SpiffWorkflow's task is imported as SpiffTask so it never clashes with the engine's own Task.
Failures inside the process (a script error, a condition on missing data) raise WorkflowError.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from engine.domain.errors import DomainError
from engine.workflow import state
from engine.workflow.deep_calls import call_deep
from engine.workflow.loops import StepCounter
from engine.workflow.pruning import prune
from engine.workflow.script_engine import RestrictedScriptEngine
from engine.workflow.send_backs import reopen, targets
from engine.workflow.specs import WorkflowSpec
from engine.workflow.timers import ENGINE_TIMERS, WaitingTimer, clock_at


class WorkflowError(DomainError):
    """The process could not go on: a script failed, a condition matched no path."""

    code = "workflow_failed"


@dataclass(frozen=True)
class HumanTask:
    """A ready user task: its id, BPMN step id and name, lane, and spiffworkflow properties."""

    id: str
    step: str
    name: str
    lane: str | None
    properties: dict[str, str]

    @property
    def send_back_to(self) -> list[str]:
        """The earlier steps this one may send the dossier back to (its `send_back_to` property)."""
        return targets(self.properties)


F = TypeVar("F", bound=Callable[..., Any])


def _deep(method: F) -> F:
    """Run the method where SpiffWorkflow can recurse once per element of a long process (deep_calls)."""

    @wraps(method)
    def deep(self: WorkflowInstance, *args: Any, **kwargs: Any) -> Any:
        return call_deep(lambda: method(self, *args, **kwargs), self._spec.elements)

    return cast(F, deep)


_script_engine: RestrictedScriptEngine | None = None


def _engine() -> RestrictedScriptEngine:
    global _script_engine
    if _script_engine is None:
        _script_engine = RestrictedScriptEngine()
    return _script_engine


class WorkflowInstance:
    """One process instance. Not thread-safe: load, act and snapshot within one command."""

    def __init__(self, spec: WorkflowSpec, workflow: BpmnWorkflow):
        self._spec = spec
        self._workflow = workflow

    @classmethod
    def start(cls, spec: WorkflowSpec, data: dict[str, Any]) -> WorkflowInstance:
        return call_deep(lambda: cls._start(spec, data), spec.elements)

    @classmethod
    def _start(cls, spec: WorkflowSpec, data: dict[str, Any]) -> WorkflowInstance:
        workflow = BpmnWorkflow(spec.spec, spec.subprocess_specs, script_engine=_engine())
        # The ready start task passes its data on to every task after it.
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        instance = cls(spec, workflow)
        instance._run_engine_steps()
        return instance

    @classmethod
    def restore(cls, spec: WorkflowSpec, snapshot: dict[str, Any]) -> WorkflowInstance:
        workflow = call_deep(lambda: state.load(snapshot, spec.spec, spec.subprocess_specs), spec.elements)
        workflow.script_engine = _engine()
        return cls(spec, workflow)

    @_deep
    def snapshot(self) -> dict[str, Any]:
        return state.dump(self._workflow)

    @property
    def is_completed(self) -> bool:
        return bool(self._workflow.is_completed())

    @property
    def data(self) -> dict[str, Any]:
        """Data of the finished process, or of the last completed task while it runs."""
        if self.is_completed:
            return dict(self._workflow.data)
        last = self._workflow.last_task
        return dict(last.data) if last is not None else {}

    @_deep
    def ready_human_tasks(self) -> list[HumanTask]:
        return [_describe(t) for t in self._workflow.get_tasks(state=TaskState.READY, manual=True)]

    def ready_ids(self) -> frozenset[str]:
        """The ids of the ready human tasks: what the task index holds as ready for this workflow now."""
        return frozenset(task.id for task in self.ready_human_tasks())

    @_deep
    def complete(self, task_id: str, data: dict[str, Any]) -> HumanTask:
        """Complete a ready human task with form data, then run automatic steps until people are needed."""
        task = self._ready_task(task_id)
        task.data.update(data)
        try:
            task.run()
        except SpiffWorkflowException as exc:
            raise WorkflowError(f"step {task.task_spec.bpmn_id} failed: {exc}") from exc
        self._run_engine_steps()
        return _describe(task)

    @_deep
    def send_back(self, task_id: str, step: str) -> HumanTask:
        """Return a ready human task to the earlier user task `step` its `send_back_to` property names: the
        task leaves the process and `step` is ready again (engine/workflow/send_backs.py). Returns it."""
        task = self._ready_task(task_id)
        if step not in _describe(task).send_back_to:
            raise WorkflowError(f"step {task.task_spec.bpmn_id} may not be sent back to {step!r}")
        try:
            entry = reopen(task, step)
        except (KeyError, SpiffWorkflowException) as exc:
            raise WorkflowError(f"step {task.task_spec.bpmn_id} could not be sent back to {step!r}") from exc
        self._run_engine_steps()  # a boundary split before the step arms its events and readies the step
        ready = [t for t in [entry, *entry.children] if t.task_spec.name == step and t.state == TaskState.READY]
        if not ready:
            raise WorkflowError(f"step {step!r} did not become ready again")
        return _describe(ready[0])

    @_deep
    def arm_timers(self, now: datetime) -> None:
        """Give every timer the process has just reached its fire time, counting from `now`."""
        with clock_at(now), _failing_as("a timer could not be set"):
            for task in self._timer_tasks():
                task.task_spec.event_definition.arm(task)

    @_deep
    def waiting_timers(self) -> list[WaitingTimer]:
        """The armed timers the process waits on, with when each fires next, earliest first."""
        timers = []
        for task in self._timer_tasks():
            fires_at = task.task_spec.event_definition.next_fire(task)
            if fires_at is not None:
                spec = task.task_spec
                timers.append(WaitingTimer(spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, fires_at))
        return sorted(timers, key=lambda t: t.fires_at)

    @_deep
    def fire_due_timers(self, now: datetime) -> list[str]:
        """Fire every timer due at `now`, run the automatic steps after them, and return the BPMN ids
        of the timers that fired (none if nothing was due)."""
        self.arm_timers(now)
        fired = [t.step for t in self.waiting_timers() if t.fires_at <= now]
        if fired:
            with clock_at(now), _failing_as("a timer could not fire"):
                self._workflow.refresh_timers()
                steps = StepCounter()
                self._workflow.do_engine_steps(did_complete_task=steps)
                # A cycle's last firing completes the event itself only at the refresh ending the
                # steps above; run it now rather than leave it to the dossier's next command.
                self._workflow.do_engine_steps(did_complete_task=steps)
            prune(self._workflow)
        return fired

    def _timer_tasks(self) -> list[SpiffTask]:
        manager = self._workflow.event_manager
        return [t for t in manager.tasks.values() if isinstance(t.task_spec.event_definition, ENGINE_TIMERS)]

    def _ready_task(self, task_id: str) -> SpiffTask:
        try:
            task = self._workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, TypeError) as exc:
            raise WorkflowError(f"task {task_id} is not part of this workflow") from exc
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise WorkflowError(f"task {task_id} is not waiting for a person")
        return task

    def _run_engine_steps(self) -> None:
        try:
            self._workflow.do_engine_steps(did_complete_task=StepCounter())
        except SpiffWorkflowException as exc:
            raise WorkflowError(f"the process stopped: {exc}") from exc
        prune(self._workflow)


@contextmanager
def _failing_as(failure: str) -> Iterator[None]:
    """Report a failure inside the process (a script, a bad timer expression) as a WorkflowError."""
    try:
        yield
    except (SpiffWorkflowException, ValueError) as exc:
        raise WorkflowError(f"{failure}: {exc}") from exc


def _describe(task: SpiffTask) -> HumanTask:
    spec = task.task_spec
    props = dict(spec.extensions.get("properties", {})) if hasattr(spec, "extensions") else {}
    return HumanTask(str(task.id), spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, spec.lane, props)
