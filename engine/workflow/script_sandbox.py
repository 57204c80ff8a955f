"""Scripts, conditions and DMN expressions run in worker processes, not in the server: ScriptSandbox keeps
a small pool of them (engine.workflow.script_worker) per server process and sends each run to an idle one.

Why processes: a script's C code (comparing, hashing or printing huge shared structures) holds the GIL and
never reaches the tick of engine.workflow.script_limits, so only the operating system can stop it. The
worker runs under its own address-space and CPU limits; here a run that does not answer within its time
limit and a short grace has its worker killed and replaced, and fails with a ScriptLimitError. The pool
is persistent: an ordinary run costs one round trip over a pipe, not a process start. Only JSON data
crosses (engine.workflow.script_values), checked on both sides. Pure Python: no SpiffWorkflow.
"""

from __future__ import annotations

import atexit
import builtins
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson

from engine.workflow.script_limits import ScriptLimits
from engine.workflow.script_rules import ScriptLimitError, ScriptRejectedError
from engine.workflow.script_values import ScriptValueError, encode
from engine.workflow.script_worker import read_message, write_message

GRACE_SECONDS = 0.25
"""How long past its time limit a run may take to answer (its tick stops Python code at the limit)."""
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class ScriptFailedError(Exception):
    """The script raised an exception of a kind without a builtin class here; `line` is the script's line."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


class _Worker:
    """One worker process and its pipes."""

    def __init__(self) -> None:
        # Nothing of the server's environment (database address, keys) reaches the worker.
        env = {"PYTHONPATH": str(_PACKAGE_ROOT), "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-s", "-m", "engine.workflow.script_worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, close_fds=True)
        assert self.process.stdin is not None and self.process.stdout is not None
        self._in, self._out = self.process.stdin.fileno(), self.process.stdout.fileno()

    def call(self, payload: bytes, deadline: float) -> bytes | None:
        """Send a request and wait for the answer until `deadline` (monotonic); None when the worker
        did not answer in time or ended (the caller then stops it)."""
        try:
            write_message(self._in, payload)
        except OSError:  # the worker ended
            return None
        return read_message(self._out, deadline)

    def stop(self) -> int | None:
        """Kill the worker (if it still runs) and reap it; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        returncode = self.process.wait()
        self.process.stdin.close()  # type: ignore[union-attr]
        self.process.stdout.close()  # type: ignore[union-attr]
        return returncode


class ScriptSandbox:
    """A pool of at most `size` worker processes, started on first use; safe to use from many threads
    (a thread waits for a worker when all are busy) and across fork (a child process starts its own)."""

    def __init__(self, size: int = 4):
        self.size = size
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[_Worker] = []
        self._inherited: list[_Worker] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def run(self, request: dict[str, Any], limits: ScriptLimits, checked: dict[str, Any]) -> dict[str, Any]:
        """Run a request (see script_worker.run_request) under `limits` and return its answer.

        Args:
            request: The request without its limits.
            limits: The run's limits, enforced in the worker and by the deadline here.
            checked: The values sent (name → value), checked to be JSON data first.

        Raises:
            ScriptValueError: A value sent or returned is not JSON data.
            ScriptLimitError: The run went over a limit, or its worker was stopped.
            ScriptRejectedError, SyntaxError: The worker refused the source.
            ScriptFailedError: The script raised.
        """
        payload = encode({**request, "limits": [limits.seconds, limits.memory_bytes, limits.stored_items]},
                         checked=checked)
        with self._slots:
            worker = self._take()
            answer = worker.call(payload, time.monotonic() + limits.seconds + GRACE_SECONDS)
            if answer is None:
                raise _stopped(worker.stop(), limits)
            result = orjson.loads(answer)
            if not result["ok"] and result["kind"] == "ScriptLimitError":
                worker.stop()  # it may have run out of memory: a fresh one takes its place
            else:
                self._give(worker)
        if not result["ok"]:
            raise _error(result)
        return dict(result)

    def close(self) -> None:
        """Stop the idle workers (busy ones are stopped by their callers' deadlines)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()

    def _take(self) -> _Worker:
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's workers are not ours to use (nor to stop)
                self._pid, self._inherited, self._idle = os.getpid(), self._idle, []
            while self._idle:
                worker = self._idle.pop()
                if worker.process.poll() is None:
                    return worker
                worker.stop()
        return _Worker()

    def _give(self, worker: _Worker) -> None:
        with self._lock:
            if self._pid == os.getpid():
                self._idle.append(worker)
                return
        worker.stop()


def _stopped(returncode: int | None, limits: ScriptLimits) -> ScriptLimitError:
    if returncode in (None, -signal.SIGKILL, -signal.SIGXCPU):
        return ScriptLimitError(f"Script ran longer than {limits.seconds:g} s")
    return ScriptLimitError(f"Script was stopped by the operating system (more than {limits.seconds:g} s of "
                            f"CPU or {limits.memory_bytes // 2**20} MB of memory)")


_REFUSALS: dict[str, type[ScriptRejectedError]] = {
    "ScriptRejectedError": ScriptRejectedError, "ScriptLimitError": ScriptLimitError,
    "ScriptValueError": ScriptValueError,
}


def _error(result: dict[str, Any]) -> Exception:
    kind, message, line = result["kind"], result["message"], result["line"]
    if kind in _REFUSALS:
        return _REFUSALS[kind](message)
    if kind == "SyntaxError":
        error = SyntaxError(message)
        error.lineno = line
        return error
    # The worker passes on only builtin exception names (script_worker._KNOWN_KINDS); the same class is
    # raised here, so callers and SpiffWorkflow's messages see what the script raised.
    kind_class = getattr(builtins, kind, None)
    failure = kind_class(message) if isinstance(kind_class, type) and issubclass(kind_class, Exception) \
        else ScriptFailedError(message)
    failure.line = line  # type: ignore[attr-defined]
    return failure


_default: ScriptSandbox | None = None
_default_lock = threading.Lock()


def default_sandbox() -> ScriptSandbox:
    """The process's shared sandbox, built on first use (never at import time)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = ScriptSandbox()
            atexit.register(_default.close)
        return _default
