"""What a script may say: the static check each script task, condition and DMN expression passes when a
procedure version is validated, and again before it is compiled to run.

A whitelist of syntax, names and attribute names, because admins upload the BPMN; constants are held to
engine.workflow.script_rules. Pure Python: must not import SpiffWorkflow, and knows nothing of how
scripts run.
"""

from __future__ import annotations

import ast
import builtins
import re
import unicodedata
from dataclasses import dataclass

from engine.workflow.script_rules import (
    MAX_LOOP_STEPS,
    MAX_NESTING,
    MAX_SOURCE_CHARS,
    ScriptLimitError,
    ScriptRejectedError,
    check_format_spec,
    check_int_product,
    check_length,
    check_power,
    check_printf,
    check_round_digits,
    check_shift,
    check_strftime,
    range_size,
)

_SURROGATE = re.compile("[\ud800-\udfff]")
# The functions a script can call; engine.workflow.script_guards supplies them.
BUILTIN_NAMES = frozenset({
    "abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "isinstance", "len", "list", "max", "min",
    "range", "reversed", "round", "set", "sorted", "str", "sum", "tuple", "zip", "date", "datetime", "timedelta",
})  # fmt: skip
# Never written, even as a task-data name: they read or run code, or reach objects' insides.
_DENIED_NAMES = frozenset({
    "eval", "exec", "compile", "getattr", "setattr", "delattr", "hasattr", "vars", "globals", "locals", "dir",
    "breakpoint", "memoryview", "super", "classmethod", "staticmethod",
})  # fmt: skip
# Other Python builtins (open, type, input, print...) may be task-data names, but are never called.
_UNCALLABLE = frozenset(dir(builtins)) - BUILTIN_NAMES

# Public methods and attributes of str, numbers, containers and dates, without those that read
# attributes from a string (format), or build output of a size an argument sets and no guard checks.
ALLOWED_ATTRIBUTES = frozenset({
    "add", "append", "as_integer_ratio", "astimezone", "bit_count", "bit_length", "capitalize", "casefold",
    "center", "clear", "combine", "conjugate", "copy", "count", "ctime", "date", "day", "days", "denominator",
    "difference", "difference_update", "discard", "endswith", "extend", "find", "fromisocalendar",
    "fromisoformat", "fromkeys", "fromordinal", "fromtimestamp", "get", "hour", "imag", "index", "insert",
    "intersection", "intersection_update", "is_integer", "isalnum", "isalpha", "isascii", "isdecimal",
    "isdigit", "isdisjoint", "islower", "isnumeric", "isocalendar", "isoformat", "isoweekday", "isprintable",
    "isspace", "issubset", "issuperset", "istitle", "isupper", "items", "join", "keys", "ljust", "lower",
    "lstrip", "max", "microsecond", "microseconds", "min", "minute", "month", "now", "numerator", "partition",
    "pop", "popitem", "real", "remove", "removeprefix", "removesuffix", "replace", "resolution", "reverse",
    "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "second", "seconds", "setdefault", "sort",
    "split", "splitlines", "startswith", "strftime", "strip", "strptime", "swapcase", "symmetric_difference",
    "symmetric_difference_update", "time", "timestamp", "title", "today", "toordinal", "total_seconds",
    "union", "update", "upper", "utcnow", "values", "weekday", "year", "zfill",
})  # fmt: skip
# Methods whose output size an argument sets: engine.workflow.script_guards checks each call.
GUARDED_METHODS = frozenset({"center", "join", "ljust", "replace", "rjust", "strftime", "zfill"})
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})

_ALLOWED_NODES = frozenset({
    ast.Module, ast.Expression, ast.Expr, ast.Assign, ast.AugAssign, ast.Delete, ast.If, ast.For, ast.Pass,
    ast.Break, ast.Continue, ast.Assert, ast.Name, ast.Constant, ast.Attribute, ast.Subscript, ast.Slice,
    ast.Starred, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.ListComp, ast.SetComp, ast.DictComp,
    ast.GeneratorExp, ast.comprehension, ast.BinOp, ast.BoolOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.Call,
    ast.keyword, ast.Lambda, ast.arguments, ast.arg, ast.JoinedStr, ast.FormattedValue, ast.NamedExpr,
    ast.Load, ast.Store, ast.Del,
})  # fmt: skip
_ALLOWED_KINDS = (ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
_NODE_LABELS: dict[type[ast.AST], str] = {
    ast.Import: "import", ast.ImportFrom: "import", ast.Global: "global", ast.Nonlocal: "nonlocal",
    ast.FunctionDef: "def", ast.AsyncFunctionDef: "async def", ast.ClassDef: "class", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield from", ast.While: "while loop", ast.AsyncFor: "async for",
    ast.AsyncWith: "async with", ast.With: "with", ast.Try: "try", ast.TryStar: "try", ast.Raise: "raise",
    ast.Match: "match statement", ast.AnnAssign: "annotation", ast.Return: "return",
}  # fmt: skip
_SEQUENCE_BUILDERS = (ast.Mult, ast.Pow, ast.LShift, ast.Mod)
"""Operators that can build a value far larger than their operands; script_guards checks them."""


def check_script(source: str, mode: str = "exec") -> None:
    """Statically check a script or expression before it is compiled or published.

    Args:
        source: The Python source of a script task, a condition or a DMN entry.
        mode: "exec" for scripts, "eval" for expressions.

    Raises:
        ScriptRejectedError: The source is too long or deep, or uses a forbidden construct
            (ScriptLimitError when a constant breaks a size limit).
        SyntaxError: The source is not valid Python.
    """
    checked_tree(source, mode)


def checked_tree(source: str, mode: str = "exec") -> ast.AST:
    """check_script, returning the tree it checked so that exactly that tree is compiled."""
    if not isinstance(source, str):
        raise ScriptRejectedError(f"Script must be a string, not {type(source).__name__}")
    if len(source) > MAX_SOURCE_CHARS:
        raise ScriptRejectedError(f"Script is longer than {MAX_SOURCE_CHARS} characters")
    if not source.isascii() and _SURROGATE.search(source):
        raise ScriptRejectedError("Script contains an unpaired surrogate character")
    try:
        tree = ast.parse(source, mode=mode)
    except (RecursionError, MemoryError) as exc:
        raise ScriptRejectedError("Script is nested too deeply") from exc
    except SyntaxError as exc:
        if "too many nested" in str(exc) or "too complex" in str(exc):
            raise ScriptRejectedError("Script is nested too deeply") from exc
        raise
    _visit(tree, _Context(_bound_names(tree), in_lambda=False, steps=1))
    return tree


@dataclass(frozen=True)
class _Context:
    bound: set[str]
    """Names the script assigns or takes as lambda parameters."""
    in_lambda: bool
    steps: int
    """How many times the enclosing loops run, as far as their range() sizes are known."""


def _bound_names(tree: ast.AST) -> set[str]:
    """The names the script assigns or takes as lambda parameters, checking on the way (without
    recursion) that the tree is shallow enough for the recursive checks and rewriting after it."""
    bound, stack = set(), [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ScriptRejectedError(f"Script is nested more than {MAX_NESTING} levels deep")
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(_name(node.id))
        elif isinstance(node, ast.arg):
            bound.add(_name(node.arg))
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return bound


def _visit(node: ast.AST, context: _Context) -> None:
    try:
        _check_node(node, context)
        inner = _inner_context(node, context)
    except ScriptRejectedError as exc:
        raise type(exc)(f"{exc} (line {getattr(node, 'lineno', '?')})") from None
    for child in ast.iter_child_nodes(node):
        # A for loop's iterable is evaluated once, outside the loop it drives.
        _visit(child, context if isinstance(node, ast.For) and child is node.iter else inner)


def _inner_context(node: ast.AST, context: _Context) -> _Context:
    if isinstance(node, ast.Lambda):
        return _Context(context.bound, True, context.steps)
    if isinstance(node, ast.For):
        return _loop(context, [node.iter])
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return _loop(context, [g.iter for g in node.generators])
    return context


def _loop(context: _Context, iterables: list[ast.expr]) -> _Context:
    steps = context.steps
    for iterable in iterables:
        steps *= _range_size(iterable) or 1
    if steps > MAX_LOOP_STEPS:
        raise ScriptLimitError(f"Loops would run more than {MAX_LOOP_STEPS} times")
    return _Context(context.bound, context.in_lambda, steps)


def _check_node(node: ast.AST, context: _Context) -> None:
    if type(node) not in _ALLOWED_NODES and not isinstance(node, _ALLOWED_KINDS):
        raise ScriptRejectedError(f"'{_NODE_LABELS.get(type(node), type(node).__name__)}' is not allowed")
    if isinstance(node, ast.Name):
        name = _name(node.id)
        if name.startswith("__"):
            raise ScriptRejectedError(f"Name '{name}' is not allowed")
        if name in _DENIED_NAMES:
            raise ScriptRejectedError(f"'{name}' is not allowed in scripts")
    elif isinstance(node, ast.Attribute):
        attr = _name(node.attr)
        if attr.startswith("_") or attr not in ALLOWED_ATTRIBUTES:
            raise ScriptRejectedError(f"Attribute '.{attr}' is not allowed")
        if not isinstance(node.ctx, ast.Load):
            raise ScriptRejectedError(f"Assigning or deleting attribute '.{attr}' is not allowed")
    elif isinstance(node, ast.Call):
        _check_call(node, context)
    elif isinstance(node, ast.BinOp):
        _check_binop(node)
    elif isinstance(node, ast.AugAssign) and isinstance(node.op, _SEQUENCE_BUILDERS):
        if not isinstance(node.target, ast.Name):
            raise ScriptRejectedError("This augmented assignment works on names only; write x[k] = x[k] * v")
    elif isinstance(node, ast.comprehension) and node.is_async:
        raise ScriptRejectedError("'async for' is not allowed")
    elif isinstance(node, ast.FormattedValue) and _text(node.format_spec) is not None:
        check_format_spec(str(_text(node.format_spec)))


def _check_call(node: ast.Call, context: _Context) -> None:
    func = node.func
    name = _name(func.id) if isinstance(func, ast.Name) else None
    if name in _UNCALLABLE and not name.startswith("__"):  # dunders are refused as names, whatever their use
        raise ScriptRejectedError(f"'{name}()' is not allowed in scripts")
    # Recursion needs a lambda that calls itself, by name or through a parameter (lambda f: f(f)).
    calls_builtin = name in BUILTIN_NAMES and name not in context.bound
    if context.in_lambda and not isinstance(func, ast.Attribute) and not calls_builtin:
        raise ScriptRejectedError("A lambda may only call built-in functions and methods")
    args = [_fold(a) for a in node.args]
    if name == "range" and args and None not in args and not node.keywords:
        range_size(*(a for a in args if a is not None))
    elif name == "round" and len(args) == 2 and args[1] is not None:
        check_round_digits(args[1])
    elif isinstance(func, ast.Attribute) and func.attr in _WIDTH_METHODS and args and args[0] is not None:
        check_length(args[0], f"{func.attr}()")
    elif isinstance(func, ast.Attribute) and func.attr == "strftime" and node.args and _text(node.args[0]):
        check_strftime(str(_text(node.args[0])))


def _check_binop(node: ast.BinOp) -> None:
    if not isinstance(node.op, _SEQUENCE_BUILDERS):
        return
    if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
        check_printf(node.left.value)
    elif isinstance(node.op, ast.Mult):
        for seq, count in ((node.left, node.right), (node.right, node.left)):
            times = _fold(count)
            if times is not None and _least_length(seq):
                check_length(_least_length(seq) * times, "'*'")
    _fold(node)


def _fold(node: ast.AST) -> int | None:
    """The value of an integer constant expression, checked against the size rules; None if not one."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return int(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Invert)):
        value = _fold(node.operand)
        if value is None:
            return None
        return -value if isinstance(node.op, ast.USub) else ~value if isinstance(node.op, ast.Invert) else value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Pow, ast.LShift)):
        left, right = _fold(node.left), _fold(node.right)
        if left is None or right is None or (isinstance(node.op, (ast.Pow, ast.LShift)) and right < 0):
            return None
        if isinstance(node.op, ast.Mult):
            check_int_product(left, right)
            return left * right
        if isinstance(node.op, ast.Pow):
            check_power(left, right)
            return int(left**right)
        if isinstance(node.op, ast.LShift):
            check_shift(left, right)
            return left << right
        return left + right if isinstance(node.op, ast.Add) else left - right
    return None


def _least_length(node: ast.AST) -> int:
    """How long a sequence expression is at least, when that shows in the source (0 if unknown)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        return len(node.value)
    if isinstance(node, (ast.List, ast.Tuple)):
        return sum(not isinstance(e, ast.Starred) for e in node.elts)
    if isinstance(node, ast.JoinedStr):
        return sum(len(v.value) for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _least_length(node.left) + _least_length(node.right)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for seq, count in ((node.left, node.right), (node.right, node.left)):
            times = _fold(count)
            if times is not None and times > 0:
                return _least_length(seq) * times
    return 0


def _text(node: ast.AST | None) -> str | None:
    """The value of a constant string or of an f-string (a format spec) made of constants only."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    return None


def _range_size(node: ast.AST) -> int | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and _name(node.func.id) == "range":
        args = [_fold(a) for a in node.args]
        if args and None not in args and not node.keywords:
            return range_size(*(a for a in args if a is not None))
    return None


def _name(identifier: str) -> str:
    # The parser already applies NFKC to identifiers (so `ℯval` is `eval`); normalising again keeps this
    # check right for trees built some other way.
    return unicodedata.normalize("NFKC", identifier)
