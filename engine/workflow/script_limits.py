"""How long and how large one run of a script may be: ScriptLimits, run() with its tick (time and
memory), and the size check of what a script leaves in the task data.

Pure Python: must not import SpiffWorkflow. engine.workflow.script_compile compiles a call to the tick
before each loop step, lambda call, function call, slice and unpacking, and the operator guards call it
whenever an operand is not a plain number: without `while`, `def` or `try`, those are all the ways a
script can repeat work or copy a value.

Why this way, and what it does not cover:
- Time: the tick reads the clock and, every few milliseconds, compares it with the run's deadline. A
  compiled-in tick (about 0.2 µs) costs a fraction of sys.settrace line tracing, leaves debuggers and
  coverage alone and needs no watchdog thread, which could not interrupt C code anyway; the C code
  between two ticks is kept short by engine.workflow.script_rules.
- Memory: at the same checks the tick compares the process's resident memory (Linux /proc) with its
  first reading in the run. A value that doubles at every step can reach about twice the limit before it
  is seen.
- Stored values: what a script leaves is measured with shared parts counted each time they appear,
  so a small structure that refers to itself or doubles at each level cannot blow up when the
  workflow is saved.
- What the tick cannot see (C code walking a huge self-similar structure: comparing, hashing, printing)
  is stopped by the sandbox's worker process limits (engine.workflow.script_sandbox), where this runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from time import monotonic
from types import CodeType
from typing import Any

from engine.workflow.script_rules import ScriptLimitError

_CHECK_SECONDS = 0.005
_FIRST_CHECK_SECONDS = 0.001
"""The first memory reading, the run's baseline, comes early; scripts done sooner never read it."""
CONTAINERS = (list, tuple, set, frozenset, dict)
_EXACT_CONTAINERS = frozenset(CONTAINERS)


@dataclass(frozen=True)
class ScriptLimits:
    """Limits of one run of one script or expression."""

    seconds: float = 1.0
    memory_bytes: int = 256 * 1024 * 1024
    """Growth of the process's resident memory while the script runs."""
    stored_items: int = 10_000_000
    """Size of the values a script leaves: one per value, plus one per character of a string."""


def run(code: CodeType, namespace: dict[str, Any], limits: ScriptLimits) -> Any:
    """Run compiled script code in `namespace` under the time and memory limits; return its value."""
    namespace["__guard_tick"] = _ticker(limits)
    return eval(code, namespace)  # compiled by script_engine from a checked, guarded tree


def _ticker(limits: ScriptLimits) -> Callable[[], bool]:
    """The run's tick (see the module docstring): one clock read, and every few milliseconds a look at
    the deadline and the memory. Returns True, so the compiled code can write `tick() and expr`."""
    start = monotonic()
    deadline = start + limits.seconds
    next_check = start + _FIRST_CHECK_SECONDS
    baseline: list[int] = []

    def tick() -> bool:
        nonlocal next_check
        now = monotonic()
        if now >= next_check:
            if now > deadline:
                raise ScriptLimitError(f"Script ran longer than {limits.seconds:g} s")
            next_check = now + _CHECK_SECONDS
            _check_memory(baseline, limits.memory_bytes)
        return True

    return tick


def _check_memory(baseline: list[int], limit: int) -> None:
    resident = resident_bytes()
    if resident is None:
        return
    if not baseline:
        baseline.append(resident)
    elif resident - baseline[0] > limit:
        raise ScriptLimitError(f"Script used more than {limit // 2**20} MB of memory")


def resident_bytes() -> int | None:
    """The process's resident memory, or None where /proc is not available."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def check_stored(values: Iterable[Any], limit: int) -> None:
    """Refuse values whose serialised form would be larger than `limit` (shared parts count each time)."""
    if written_size(values, limit) > limit:
        raise ScriptLimitError(f"The values the script left are larger than {limit} items")


def written_size(values: Iterable[Any], limit: int) -> int:
    """The size of the values written out, capped at limit + 1: one per value and one per character,
    a part shared by several containers counted in each, and a cycle infinite. Each distinct container
    is visited once, so a small structure that doubles at each of 60 levels costs 60 steps."""
    sizes: dict[int, int] = {}
    total = 0
    for value in values:
        total += _sizes(value, sizes, limit) if isinstance(value, CONTAINERS) else _scalar(value)
        if total > limit:
            return limit + 1
    return total


def _sizes(root: Any, sizes: dict[int, int], limit: int) -> int:
    """Post-order walk filling `sizes` (by id; everything stays alive inside root) for root's containers."""
    stack, expanded = [root], set()
    while stack:
        node = stack[-1]
        if id(node) in sizes:
            stack.pop()
            continue
        if len(node) > limit:
            return limit + 1
        size, pending = _own_size(node, sizes)
        if pending:
            if id(node) in expanded or any(id(c) in expanded for c in pending):
                return limit + 1  # a container inside itself
            expanded.add(id(node))
            stack.extend(pending)
            continue
        sizes[id(node)] = min(size, limit + 1)
        expanded.discard(id(node))
        stack.pop()
    return sizes[id(root)]


def _own_size(node: Any, sizes: dict[int, int]) -> tuple[int, list[Any]]:
    """A container's size from its items, and the containers among them not sized yet."""
    size, pending = 1, []
    for item in (*node.keys(), *node.values()) if isinstance(node, dict) else node:
        kind = type(item)
        if kind is str or kind is bytes:
            size += 1 + len(item)
        elif kind in _EXACT_CONTAINERS or isinstance(item, CONTAINERS):
            known = sizes.get(id(item))
            if known is None:
                pending.append(item)
            else:
                size += known
        else:
            size += 1
    return size, pending


def _scalar(value: Any) -> int:
    return 1 + len(value) if isinstance(value, (str, bytes)) else 1
