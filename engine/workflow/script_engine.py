"""Restricted Python script engine for BPMN script tasks, gateway conditions and DMN expressions.

Admins upload the BPMN, so scripts are untrusted input. Each source is checked here first (script_check,
then compiled by script_compile; both cached), and runs in a worker process of the sandbox
(script_sandbox), with whitelisted builtins, guards and a tick inside, and limits the operating system
enforces around it. Only the task data the source names crosses over, as JSON data, and only what it
assigned comes back. Only engine.workflow may import SpiffWorkflow.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.workflow.script_check import check_script
from engine.workflow.script_compile import compile_script
from engine.workflow.script_limits import ScriptLimits
from engine.workflow.script_rules import MAX_RANGE_ITEMS, ScriptLimitError, ScriptRejectedError
from engine.workflow.script_sandbox import ScriptSandbox, default_sandbox
from engine.workflow.script_values import ScriptValueError

__all__ = ["MAX_RANGE_ITEMS", "RestrictedEnvironment", "RestrictedScriptEngine", "ScriptLimitError", "ScriptLimits",
           "ScriptRejectedError", "ScriptValueError", "check_script", "compile_script"]


class RestrictedEnvironment(TaskDataEnvironment):  # type: ignore[misc]  # SpiffWorkflow is untyped
    """Task-data environment that runs checked, compiled code in the sandbox's worker processes."""

    def __init__(self, environment_globals: dict[str, Any] | None = None, limits: ScriptLimits | None = None,
                 sandbox: ScriptSandbox | None = None):
        super().__init__(environment_globals)
        self.limits = limits or ScriptLimits()
        self._sandbox = sandbox

    @property
    def sandbox(self) -> ScriptSandbox:
        return self._sandbox or default_sandbox()

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        """Evaluate a condition expression with the task data as names."""
        source = _source(expression).strip()
        request = self._request("eval", source, context, external_context)
        return self.sandbox.run(request, self.limits, {**request["external"], **request["data"]})["value"]

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        """Run a script in the task data: the names it assigned come back, those it deleted go; helpers,
        builtins and the external context never stay."""
        source = _source(script)
        self.check_for_overwrite(context, external_context or {})
        request = self._request("exec", source, context, external_context)
        answer = self.sandbox.run(request, self.limits, {**request["external"], **request["data"]})
        for name in answer["deleted"]:
            context.pop(name, None)
        context.update(answer["set"])
        return True

    def _request(self, mode: str, source: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None) -> dict[str, Any]:
        # Checked and compiled here first (cached), so a refused source never reaches a worker, and only
        # the names the code can read or write travel.
        names = compile_script(source, mode).names
        external = external_context or {}
        return {"mode": mode, "source": source, "data": {n: context[n] for n in names if n in context},
                "external": {n: external[n] for n in names if n in external}}


def _source(source: Any) -> str:
    # Checked before the cache, which needs a hashable key.
    if not isinstance(source, str):
        raise ScriptRejectedError(f"Script must be a string, not {type(source).__name__}")
    return source


class RestrictedScriptEngine(PythonScriptEngine):  # type: ignore[misc]  # SpiffWorkflow is untyped
    """SpiffWorkflow script engine that runs every script and condition in a RestrictedEnvironment."""

    def __init__(self, environment: RestrictedEnvironment | None = None):
        super().__init__(environment=environment or RestrictedEnvironment())

    def validate(self, expression: str) -> None:
        """Reject bad scripts at parse time, before a procedure is published."""
        check_script(expression)

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        """Evaluate like SpiffWorkflow, but say why an expression was refused or stopped."""
        try:
            compile_script(_source(expression).strip(), "eval")  # cached: the run below finds it compiled
        except ScriptRejectedError as err:
            raise WorkflowTaskException(f"Expression '{expression}' rejected: {err}", task=task, exception=err) from err
        except SyntaxError:
            pass  # reported with its line number below
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ScriptLimitError as err:
            raise WorkflowTaskException(f"Expression '{expression}' stopped: {err}", task=task, exception=err) from err
        except ScriptRejectedError as err:  # a value it was given or gave back is not data
            raise WorkflowTaskException(f"Expression '{expression}' refused: {err}", task=task, exception=err) from err
        except SpiffWorkflowException as err:
            err.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as err:
            message = f"Error evaluating expression '{expression}': {err}"
            raise WorkflowTaskException(message, task=task, exception=err) from err

    def create_task_exec_exception(self, task: Any, script: str, err: Exception) -> Exception:
        """SpiffWorkflow's, with the line the worker reported, and an error's text always as text (its own
        joins the first argument of the exception to a string, and fails on `assert False, [1]`)."""
        if isinstance(err, SpiffWorkflowException):
            own: Exception = super().create_task_exec_exception(task, script, err)
            return own
        line = getattr(err, "line", None) or getattr(err, "lineno", None) or 0
        lines = script.splitlines()
        error_line = lines[line - 1] if 0 < line <= len(lines) else ""
        detail = f"{type(err).__name__}:{err}"
        exception: Exception = WorkflowTaskException(detail, task=task, exception=err, line_number=line,
                                                     error_line=error_line)
        return exception
