"""The sandbox's worker process: `python -m engine.workflow.script_worker`, started and fed by
engine.workflow.script_sandbox. It reads one request at a time from stdin, runs the script or expression
with the restricted engine's guards and tick, and writes the answer to stdout.

Each run is also held by limits the operating system enforces, which hold inside C code too: the address
space (RLIMIT_AS, the run's memory limit above what the process already maps), CPU time (RLIMIT_CPU; the
kernel ends the process), no file writes and no core dumps. The engine kills a worker that does not answer
by the deadline. Workers run at a lower CPU priority than the server. Imports only the pure script modules:
no SpiffWorkflow, no database, no settings.
"""

from __future__ import annotations

import math
import os
import resource
import select
import struct
import time
import traceback
from dataclasses import dataclass
from typing import Any

import orjson

from engine.workflow.script_compile import SCRIPT_FILENAME, compile_script
from engine.workflow.script_guards import GUARDS, SAFE_BUILTINS
from engine.workflow.script_limits import ScriptLimits, check_stored, run
from engine.workflow.script_rules import ScriptLimitError, ScriptRejectedError
from engine.workflow.script_values import ScriptValueError, encode

HEADER = struct.Struct(">I")
MAX_MESSAGE_BYTES = 256 * 2**20
_ADDRESS_SPACE_CEILING = 4 * 2**30
"""Hard limit on the whole process, whatever a run's limit: the backstop if anything resets the soft one."""
NICENESS = 10
_SLACK_BYTES = 64 * 2**20
"""Room above the run's limit for the interpreter's own work (answering, freeing)."""


def run_request(request: dict[str, Any]) -> dict[str, Any]:
    """Run one request in this process (the worker's loop calls this under the OS limits).

    Args:
        request: mode ("exec" or "eval"), source, data and external (name → JSON value), limits
            ([seconds, memory_bytes, stored_items]).

    Returns:
        For "eval", {"value": …}; for "exec", {"set": names the script assigned or read, with their values
        now, "deleted": names of `data` it removed}.

    Raises:
        ScriptRejectedError: The source is refused, a limit is reached, or a value cannot be stored.
        Exception: Whatever the script itself raised.
    """
    limits = ScriptLimits(*request["limits"])
    compiled = compile_script(request["source"], request["mode"])
    data, external = request["data"], request["external"]
    protected = {**GUARDS, "__builtins__": dict(SAFE_BUILTINS)}
    if request["mode"] == "eval":
        value = run(compiled.code, {**external, **data, **protected}, limits)
        check_stored([value], limits.stored_items)
        return {"value": value}
    context = {**data, **external, **protected}
    run(compiled.code, context, limits)
    for name in list(context):
        if name == "__builtins__" or callable(context[name]) or name in external:
            del context[name]
    assigned = {name: context[name] for name in compiled.names if name in context}
    check_stored(assigned.values(), limits.stored_items)
    return {"set": assigned, "deleted": [name for name in data if name not in context]}


def answer(request: dict[str, Any]) -> tuple[bytes, bool]:
    """The encoded answer to a request, and whether this process should end after sending it (its heap
    may be left fragmented by a run that ran out of memory)."""
    limits = ScriptLimits(*request["limits"])
    _hold_run(limits)
    try:
        result = run_request(request)
        values = {"the expression's value": result["value"]} if "value" in result else result["set"]
        return encode({"ok": True, **result}, checked=values), False
    except ScriptRejectedError as exc:
        return _failure(type(exc).__name__, exc), False
    except MemoryError:
        return _failure("ScriptLimitError", f"Script used more than {limits.memory_bytes // 2**20} MB of memory"), True
    except RecursionError:
        return _failure("ScriptLimitError", "Script recursed too deeply"), True
    except SyntaxError as exc:
        return _failure("SyntaxError", exc, exc.lineno), False
    except Exception as exc:
        return _failure(type(exc).__name__, exc, _script_line(exc)), False


def _failure(kind: str, error: Exception | str, line: int | None = None) -> bytes:
    try:
        message = str(error)[:500].encode("utf-8", "replace").decode()
    except Exception:  # str() of a hostile exception argument; the kind says enough
        message = ""
    if kind not in _KNOWN_KINDS:
        kind = "ScriptFailedError"
    return orjson.dumps({"ok": False, "kind": kind, "message": message, "line": line})


_KNOWN_KINDS = frozenset({
    "ScriptRejectedError", "ScriptLimitError", "ScriptValueError", "SyntaxError", "NameError", "TypeError",
    "ValueError", "KeyError", "IndexError", "ZeroDivisionError", "AttributeError", "AssertionError",
    "OverflowError", "UnboundLocalError", "ArithmeticError", "LookupError",
})  # fmt: skip
"""Exception names passed on as they are; any other is a ScriptFailedError."""
assert {ScriptLimitError.__name__, ScriptValueError.__name__} <= _KNOWN_KINDS


def _script_line(error: BaseException) -> int | None:
    lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == SCRIPT_FILENAME]
    return lines[-1] if lines else None


@dataclass
class _Held:
    """The soft limits in force, kept from run to run while they still fit (each change is a system call)."""

    memory_bytes: int = 0
    resident_at_set: int = 0
    cpu_seconds: float = math.inf


_held = _Held()
_REBASE_BYTES = 16 * 2**20
"""Growth of the process after which the address-space limit is set again, from the new size."""


def _hold_run(limits: ScriptLimits) -> None:
    """Hold the next run to its limits: the address space the process maps now plus the run's memory, and
    CPU time from now plus the run's seconds (give or take a second: the deadline is the engine's)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    resident = usage.ru_maxrss * 1024
    if limits.memory_bytes != _held.memory_bytes or resident - _held.resident_at_set > _REBASE_BYTES:
        mapped = _mapped_bytes()
        if mapped is not None:
            ceiling = min(mapped + limits.memory_bytes + _SLACK_BYTES, _ADDRESS_SPACE_CEILING)
            resource.setrlimit(resource.RLIMIT_AS, (ceiling, _ADDRESS_SPACE_CEILING))
        _held.memory_bytes, _held.resident_at_set = limits.memory_bytes, resident
    used = usage.ru_utime + usage.ru_stime
    if not limits.seconds + 0.5 <= _held.cpu_seconds - used <= limits.seconds + 2:
        _held.cpu_seconds = math.ceil(used + limits.seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (int(_held.cpu_seconds), resource.RLIM_INFINITY))


def _mapped_bytes() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def read_message(fd: int, deadline: float | None = None) -> bytes | None:
    """One framed message, or None when the pipe closed, the message is too large, or `deadline`
    (monotonic) passed. The two sides take turns, so nothing ever follows a message in the pipe."""
    buffer = b""
    size = None
    while size is None or len(buffer) < HEADER.size + size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return None
        buffer += chunk
        if size is None and len(buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(buffer)
            if size > MAX_MESSAGE_BYTES:
                return None
    return buffer[HEADER.size:]


def write_message(fd: int, payload: bytes) -> None:
    """One framed message: its length, then its bytes."""
    view = memoryview(HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view):]


def main() -> None:
    """Serve requests until the engine closes the pipe."""
    # The answers go out on a private copy of stdout; anything else writing to fd 1 or 2 goes nowhere.
    requests, answers = 0, os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    # Below the server's priority: a bomb burning its second of CPU never starves the requests beside it.
    os.nice(NICENESS)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    while True:
        body = read_message(requests)
        if body is None:
            return
        payload, retire = answer(orjson.loads(body))
        write_message(answers, payload)
        if retire:
            return


if __name__ == "__main__":
    main()
