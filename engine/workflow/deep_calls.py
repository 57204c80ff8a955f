"""Running SpiffWorkflow code that recurses once per element of a process (its parser follows each
sequence flow by a recursive call; its task tree is walked recursively) on processes longer than Python's
default recursion limit allows: in a thread of its own with a large stack, the limit raised while it runs.

Must not import Flask or SQLAlchemy. The procedure's size is bounded before (engine.workflow.specs), so the
depth needed is known and finite.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

STACK_BYTES = 512 * 2**20
"""Address space only: the pages a call does not reach are never used."""
FRAMES_PER_ELEMENT = 4
"""Python frames SpiffWorkflow uses per element of a process it recurses through (measured: under 2)."""
_MARGIN = 300
"""Frames left for the caller's own stack and what the recursion calls."""
_limit_lock = threading.Lock()
_deep_calls = 0


def call_deep(function: Callable[[], T], elements: int) -> T:
    """`function()` with room for `elements` levels of SpiffWorkflow recursion; its result or its error."""
    needed = elements * FRAMES_PER_ELEMENT + _MARGIN
    if needed <= 1000:  # Python's default limit: no thread needed for an ordinary procedure
        return function()
    needed += sys.getrecursionlimit()
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(function())
        except BaseException as exc:  # handed to the calling thread as it is
            failure.append(exc)

    _raise_limit(needed)
    try:
        previous = threading.stack_size(STACK_BYTES)
        try:
            thread = threading.Thread(target=target, name="deep-call")
            thread.start()
        finally:
            threading.stack_size(previous)
        thread.join()
    finally:
        _restore_limit()
    if failure:
        raise failure[0]
    return outcome[0]


_saved_limit = 0


def _raise_limit(needed: int) -> None:
    # The limit is the interpreter's, shared by every thread: raised while any deep call runs, restored by
    # the last one to finish.
    global _deep_calls, _saved_limit
    with _limit_lock:
        if not _deep_calls:
            _saved_limit = sys.getrecursionlimit()
        _deep_calls += 1
        if needed > sys.getrecursionlimit():
            sys.setrecursionlimit(needed)


def _restore_limit() -> None:
    global _deep_calls
    with _limit_lock:
        _deep_calls -= 1
        if not _deep_calls:
            sys.setrecursionlimit(_saved_limit)
