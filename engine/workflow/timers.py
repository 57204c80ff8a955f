"""BPMN timer events (timeDate, timeDuration, timeCycle) on the engine's clock, not the machine's.

SpiffWorkflow compares timers with `datetime.now()` whenever it refreshes a workflow, so a timer would
fire during whatever command happened to touch the dossier, and tests with a set clock could not
control it. Here the parsed timer definitions are replaced by subclasses that only look at the time
the engine passes in (`clock_at`): a timer gets its fire time when the command that reached it
records progress (`arm`), and fires only when the background worker asks (`WorkflowInstance.
fire_due_timers`). Expressions are evaluated by the restricted script engine, like conditions, so
`"PT2H"` is a quoted string and `application["appointment"]` reads the task data; a date without a
time zone is Vietnam time. ISO durations are calendar time (PT2H is two hours of the clock).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from engine.domain.calendar import VN_TZ
from engine.domain.errors import ProcedureDefinitionError
from engine.workflow.script_engine import check_script

_CHECK_TIME = datetime(2025, 1, 1, tzinfo=VN_TZ)  # any moment: a constant is checked by resolving it
_NOW: ContextVar[datetime | None] = ContextVar("engine_timer_now", default=None)


@dataclass(frozen=True)
class WaitingTimer:
    """A timer event the process is waiting on: its BPMN id and name, and when it fires next."""

    step: str
    name: str
    fires_at: datetime


@contextmanager
def clock_at(now: datetime) -> Iterator[None]:
    """Let timers read `now` (arm and fire) while the block runs; outside it no timer fires."""
    if now.tzinfo is None:
        raise ValueError("timers need an aware datetime")
    token = _NOW.set(now)
    try:
        yield
    finally:
        _NOW.reset(token)


def _moment(value: Any) -> datetime:
    """An ISO date-time string (or a datetime) from a timer expression; naive means Vietnam time."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=VN_TZ) if moment.tzinfo is None else moment


def _after(duration: str, start: datetime) -> datetime:
    try:
        parsed = TimerEventDefinition.parse_iso_duration(duration)
    except Exception as exc:  # SpiffWorkflow raises a bare Exception for a malformed duration
        raise ValueError(f"{duration!r} is not an ISO 8601 duration") from exc
    delta: timedelta = TimerEventDefinition.get_timedelta_from_start(parsed, start)
    return start + delta


class _OneShotTimer:
    """Fires once, when the engine's time reaches the fire time stored in the task ('event_value')."""

    expression: str

    @staticmethod
    def resolve(value: Any, now: datetime) -> datetime:
        """The fire time an evaluated expression means, for a timer reached at `now`."""
        raise NotImplementedError

    def arm(self, my_task: Any) -> datetime | None:
        value = my_task._get_internal_data("event_value")
        now = _NOW.get()
        if value is None and now is not None:
            value = self.resolve(my_task.workflow.script_engine.evaluate(my_task, self.expression), now).isoformat()
            my_task._set_internal_data(event_value=value)
        return None if value is None else datetime.fromisoformat(value)

    def next_fire(self, my_task: Any) -> datetime | None:
        value = my_task._get_internal_data("event_value")
        return None if value is None else datetime.fromisoformat(value).astimezone(UTC)

    def has_fired(self, my_task: Any) -> bool:
        fires_at, now = self.arm(my_task), _NOW.get()
        if fires_at is not None and now is not None and fires_at <= now:
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class EngineTimeDate(_OneShotTimer, TimeDateEventDefinition):  # type: ignore[misc]  # SpiffWorkflow is untyped
    @staticmethod
    def resolve(value: Any, now: datetime) -> datetime:
        return _moment(value)


class EngineDuration(_OneShotTimer, DurationTimerEventDefinition):  # type: ignore[misc]  # SpiffWorkflow is untyped
    @staticmethod
    def resolve(value: Any, now: datetime) -> datetime:
        return _after(str(value), now)


class EngineCycle(CycleTimerEventDefinition):  # type: ignore[misc]  # SpiffWorkflow is untyped
    """R<n>/<duration>, R<n>/<start>/<duration> or R<n>/<duration>/<end>: fires n times (R/… forever),
    each firing starting a branch along the event's outgoing flow; then the event completes."""

    @staticmethod
    def resolve(value: Any, now: datetime) -> dict[str, Any]:
        """The stored state of a cycle: cycles left (-1: forever), next fire time, seconds between."""
        parts = str(value).upper().replace("--", "/").strip("R").split("/")
        if len(parts) not in (2, 3) or (parts[0] and not parts[0].isdigit()):
            raise ValueError(f"{value!r} is not an ISO 8601 repeating interval")
        if len(parts) == 2:  # the first firing is one interval after the event is reached
            start = _after(parts[1], now)
        elif parts[1].startswith("P"):
            end = _moment(parts[2])
            start = end - TimerEventDefinition.get_timedelta_from_end(
                TimerEventDefinition.parse_iso_duration(parts[1]), end)
        else:
            start = _moment(parts[1])
        duration = next((p for p in parts[1:] if p.startswith("P")), None)
        interval = _after(duration, start) - start if duration else timedelta(0)
        if interval <= timedelta(0):
            raise ValueError(f"{value!r} repeats with no interval")
        return {"cycles": int(parts[0]) if parts[0] else -1, "next": start.isoformat(),
                "duration": interval.total_seconds()}

    def arm(self, my_task: Any) -> dict[str, Any] | None:
        value: dict[str, Any] | None = my_task._get_internal_data("event_value")
        now = _NOW.get()
        if value is None and now is not None:
            value = self.resolve(my_task.workflow.script_engine.evaluate(my_task, self.expression), now)
            my_task._set_internal_data(event_value=value)
        return value

    def next_fire(self, my_task: Any) -> datetime | None:
        value = my_task._get_internal_data("event_value")
        return datetime.fromisoformat(value["next"]).astimezone(UTC) if value and value["cycles"] != 0 else None

    def cycle_complete(self, my_task: Any) -> bool:
        value, now = self.arm(my_task), _NOW.get()
        if value is None or now is None:
            return False
        fires_at = datetime.fromisoformat(value["next"])
        if value["cycles"] == 0 or fires_at > now:
            return False
        cycles = value["cycles"] - 1
        my_task._set_internal_data(event_value={
            **value, "cycles": cycles, "next": (fires_at + timedelta(seconds=value["duration"])).isoformat()})
        if cycles == 0:  # the last firing: the event itself completes at the next refresh
            my_task._set_internal_data(event_fired=True)
        return True


_ENGINE_CLASSES: dict[type, type] = {
    TimeDateEventDefinition: EngineTimeDate,
    DurationTimerEventDefinition: EngineDuration,
    CycleTimerEventDefinition: EngineCycle,
}
ENGINE_TIMERS = tuple(_ENGINE_CLASSES.values())


def use_engine_clock(task_specs: Iterable[Any]) -> None:
    """Swap each parsed timer definition for its engine-clock twin; refuse what cannot be timed.

    Raises:
        ProcedureDefinitionError: A timer expression the restricted engine refuses, or a timer inside
            an event-based gateway or a multiple event (their timers would share one fire time).
    """
    for spec in task_specs:
        definition: Any = getattr(spec, "event_definition", None)
        if isinstance(definition, MultipleEventDefinition) and any(
                isinstance(d, TimerEventDefinition) for d in definition.event_definitions):
            raise ProcedureDefinitionError(f"{spec.bpmn_id}: timers in event-based gateways or multiple "
                                           "events are not supported; use a timer boundary or catch event")
        if type(definition) in _ENGINE_CLASSES:
            engine_class = _ENGINE_CLASSES[type(definition)]
            _check_expression(spec.bpmn_id, engine_class, definition.expression)
            spec.event_definition = engine_class(
                definition.name, definition.expression, description=definition.description)


def _check_expression(step: str, engine_class: Any, expression: str) -> None:
    """Refuse an expression the restricted engine would refuse; a constant must be a valid ISO 8601 value."""
    source = (expression or "").strip()
    try:
        check_script(source, mode="eval")
        constant = ast.literal_eval(source) if _is_constant(source) else None
        if constant is not None:
            engine_class.resolve(constant, _CHECK_TIME)
    except (ValueError, SyntaxError) as exc:
        raise ProcedureDefinitionError(f"timer expression of {step} ({expression!r}): {exc}") from exc


def _is_constant(source: str) -> bool:
    return isinstance(ast.parse(source, mode="eval").body, ast.Constant)
