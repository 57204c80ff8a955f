"""Restricted Python script engine for BPMN script tasks and gateway conditions.

Admins upload the BPMN, so scripts are untrusted input. Only engine.workflow may import SpiffWorkflow.
"""

from __future__ import annotations

import ast
from datetime import date, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

# Limits against resource abuse. CPU time and memory are NOT limited in-process (a nested `for` or
# `"a" * 10**10` still runs); workers must rely on process-level timeouts and rlimits for that.
MAX_SOURCE_CHARS = 10_000
MAX_RANGE_ITEMS = 10_000


class ScriptRejectedError(ValueError):
    """A script or expression uses a construct the restricted engine refuses to run."""


# Constructs that define code, reach outer scopes, suspend, or loop without a bound.
_FORBIDDEN_NODES: dict[type[ast.AST], str] = {
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.Global: "global",
    ast.Nonlocal: "nonlocal",
    ast.FunctionDef: "def",
    ast.AsyncFunctionDef: "async def",
    ast.ClassDef: "class",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield from",
    ast.While: "while loop",
    ast.AsyncFor: "async for",
    ast.AsyncWith: "async with",
    # Class patterns read attributes by keyword, e.g. `case str(__class__=c)`, bypassing the Attribute check.
    ast.Match: "match statement",
}

# Public attribute names that still lead to frames (and so real globals and builtins) or to `object`;
# str.format would read underscore attributes from inside a string, e.g. "{0.__class__}".format(x).
_FORBIDDEN_ATTRS = frozenset(
    {
        "format", "format_map", "mro",
        "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame", "ag_code",
        "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "tb_frame", "tb_next",
    }
)  # fmt: skip


def check_script(source: str, mode: str = "exec") -> None:
    """Statically check a script or expression before it is compiled or published.

    Args:
        source: The Python source of a script task or a condition expression.
        mode: "exec" for scripts, "eval" for expressions.

    Raises:
        ScriptRejectedError: The source is too long or uses a forbidden construct.
        SyntaxError: The source is not valid Python.
    """
    if not isinstance(source, str):
        raise ScriptRejectedError(f"Script must be a string, not {type(source).__name__}")
    if len(source) > MAX_SOURCE_CHARS:
        raise ScriptRejectedError(f"Script is longer than {MAX_SOURCE_CHARS} characters")
    for node in ast.walk(ast.parse(source, mode=mode)):
        line = getattr(node, "lineno", "?")
        if type(node) in _FORBIDDEN_NODES:
            raise ScriptRejectedError(f"'{_FORBIDDEN_NODES[type(node)]}' is not allowed (line {line})")
        if isinstance(node, ast.Attribute) and (node.attr.startswith("_") or node.attr in _FORBIDDEN_ATTRS):
            raise ScriptRejectedError(f"Attribute '.{node.attr}' is not allowed (line {line})")
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            raise ScriptRejectedError(f"Name '{node.id}' is not allowed (line {line})")


def _capped_range(*args: int) -> range:
    """range() that refuses huge sequences; slicing avoids len() overflowing on giant ranges."""
    items = range(*args)
    if items[MAX_RANGE_ITEMS:]:
        raise ScriptRejectedError(f"range() is limited to {MAX_RANGE_ITEMS} items")
    return items


# The only names a script can call. getattr, eval, open, type, __import__ and friends are absent on purpose.
_SAFE_CALLABLES = (
    abs, all, any, bool, dict, enumerate, float, int, isinstance, len, list, max, min,
    reversed, round, set, sorted, str, sum, tuple, zip,
)  # fmt: skip
SAFE_BUILTINS: dict[str, Any] = {
    **{f.__name__: f for f in _SAFE_CALLABLES},
    "range": _capped_range,
    "date": date,
    "datetime": datetime,
    "timedelta": timedelta,
}


class RestrictedEnvironment(TaskDataEnvironment):
    """Task-data environment that checks source first and runs it with whitelisted builtins only."""

    def _scope(self, external_context: dict | None, context: dict | None = None) -> dict[str, Any]:
        # Same precedence as SpiffWorkflow, but __builtins__ goes in last so that neither task data
        # nor external context can swap the whitelist for something else.
        scope = {**self.globals, **(external_context or {}), **(context or {})}
        return {**scope, "__builtins__": dict(SAFE_BUILTINS)}

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        """Evaluate a condition expression with the task data as names."""
        expression = expression.strip() if isinstance(expression, str) else expression
        check_script(expression, mode="eval")
        return eval(expression, self._scope(external_context, context))

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        """Run a script in the task data; assigned names stay, helpers and builtins are removed."""
        check_script(script)
        self.check_for_overwrite(context, external_context or {})
        context.update(self._scope(external_context))
        try:
            exec(script, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


class RestrictedScriptEngine(PythonScriptEngine):
    """SpiffWorkflow script engine that runs every script and condition in a RestrictedEnvironment."""

    def __init__(self, environment: RestrictedEnvironment | None = None):
        super().__init__(environment=environment or RestrictedEnvironment())

    def validate(self, expression: str) -> None:
        """Reject bad scripts at parse time, before a procedure is published."""
        check_script(expression)

    def evaluate(self, task: Any, expression: str, external_context: dict | None = None) -> Any:
        """Evaluate like SpiffWorkflow, but say why a rejected expression was refused."""
        try:
            check_script(expression.strip() if isinstance(expression, str) else expression, mode="eval")
        except ScriptRejectedError as err:
            raise WorkflowTaskException(
                f"Expression '{expression}' rejected: {err}", task=task, exception=err
            ) from err
        except SyntaxError:
            pass  # SpiffWorkflow reports syntax errors with their line number below.
        return super().evaluate(task, expression, external_context)
