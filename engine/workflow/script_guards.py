"""What a script may do while it runs: the builtins it gets, and the guards engine.workflow.script_compile
compiles in place of operations able to build a value far larger than their operands.

Pure Python: must not import SpiffWorkflow. No single `*`, `**`, `<<`, `%`, f-string field, join,
replace, padding or strftime may build more than MAX_ITEMS items or an int over MAX_INT_BITS bits
(engine.workflow.script_rules, which the static check applies to constants); sum() and round() refuse
their quadratic and exponential cases. Time and memory are engine.workflow.script_limits' business.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from engine.workflow.script_limits import CONTAINERS, written_size
from engine.workflow.script_rules import (
    MAX_INT_BITS,
    MAX_ITEMS,
    ScriptLimitError,
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

# Guards: script_compile compiles `a * b` into guarded_mul(a, b, tick), and so on. Arithmetic on plain
# numbers takes a fast path with no tick: its results stay small. Any other operand may be a large value
# being copied, so the run's tick (time and memory, script_limits) comes first.

_NUMBERS = frozenset({int, float})
_SEQUENCES = (str, bytes, list, tuple)
Tick = Callable[[], bool]


def guarded_add(left: Any, right: Any, tick: Tick) -> Any:
    if type(left) not in _NUMBERS or type(right) not in _NUMBERS:
        tick()
    return left + right


def guarded_sub(left: Any, right: Any, tick: Tick) -> Any:
    if type(left) not in _NUMBERS or type(right) not in _NUMBERS:
        tick()
    return left - right


def guarded_mul(left: Any, right: Any, tick: Tick) -> Any:
    if type(left) is int and type(right) is int:
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            check_int_product(left, right)
    elif type(left) is not float and type(right) is not float:
        tick()
        _check_mul(left, right)
    return left * right


def guarded_imul(left: Any, right: Any, tick: Tick) -> Any:
    """`x *= n`, in place for lists as Python does it."""
    tick()
    _check_mul(left, right)
    left *= right
    return left


def _check_mul(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int):
        check_int_product(left, right)
    elif isinstance(right, int) and isinstance(left, _SEQUENCES):
        check_length(len(left) * right, "'*'")
    elif isinstance(left, int) and isinstance(right, _SEQUENCES):
        check_length(len(right) * left, "'*'")


def guarded_pow(base: Any, exponent: Any, tick: Tick) -> Any:
    if isinstance(base, int) and isinstance(exponent, int):
        check_power(base, exponent)
    else:
        tick()
    return base**exponent


def guarded_lshift(value: Any, places: Any, tick: Tick) -> Any:
    if isinstance(value, int) and isinstance(places, int):
        check_shift(value, places)
    else:
        tick()
    return value << places


def guarded_mod(left: Any, right: Any, tick: Tick) -> Any:
    if isinstance(left, (str, bytes)):
        tick()
        check_printf(left if isinstance(left, str) else left.decode("latin-1"))
        _check_text(right)
    return left % right


_CONVERSIONS: dict[int, Callable[[Any], str]] = {115: str, 114: repr, 97: ascii}


def guarded_format(value: Any, conversion: int, spec: str) -> str:
    """One f-string field: `{value!conversion:spec}`."""
    check_format_spec(spec)
    _check_text(value)
    if conversion in _CONVERSIONS:
        value = _CONVERSIONS[conversion](value)
    return format(value, spec)


def _check_text(value: Any) -> None:
    """Writing out a container costs its whole nested size: refuse one that would exceed MAX_ITEMS."""
    if isinstance(value, CONTAINERS) and written_size([value], MAX_ITEMS) > MAX_ITEMS:
        raise ScriptLimitError(f"The value is too large to write out; the limit is {MAX_ITEMS} items")


def guarded_method(owner: Any, name: str) -> Any:
    """`owner.name` for a method in script_check.GUARDED_METHODS: the method, checked when called."""
    method = getattr(owner, name)
    kind = owner if isinstance(owner, type) else type(owner)
    if not issubclass(kind, (date, time) if name == "strftime" else (str, bytes)):
        return method  # date.replace() and the like build nothing large
    guard = _METHOD_GUARDS[name]
    if isinstance(owner, type):  # str.join(sep, items): the instance comes first
        return guard
    return lambda *args, **kwargs: guard(owner, *args, **kwargs)


def _join(sep: Any, items: Iterable[Any], /) -> Any:
    items = list(items)
    parts = sum(len(i) for i in items if isinstance(i, (str, bytes)))
    check_length(parts + len(sep) * max(len(items) - 1, 0), "join()")
    return sep.join(items)


def _replace(text: Any, old: Any, new: Any, count: Any = -1, /) -> Any:
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    check_length(len(text) + found * (len(new) - len(old)), "replace()")
    return text.replace(old, new, count)


def _padding(name: str) -> Callable[..., Any]:
    def pad(text: Any, width: Any, *args: Any) -> Any:
        if isinstance(width, int):
            check_length(width, f"{name}()")
        return getattr(text, name)(width, *args)

    return pad


def _strftime(moment: Any, template: Any, /) -> Any:
    if isinstance(template, str):
        check_strftime(template)
    return moment.strftime(template)


_METHOD_GUARDS: dict[str, Callable[..., Any]] = {
    "join": _join, "replace": _replace, "strftime": _strftime,
    **{name: _padding(name) for name in ("center", "ljust", "rjust", "zfill")},
}  # fmt: skip

GUARDS: dict[str, Callable[..., Any]] = {
    "__guard_add": guarded_add, "__guard_sub": guarded_sub, "__guard_mul": guarded_mul,
    "__guard_imul": guarded_imul, "__guard_pow": guarded_pow, "__guard_lshift": guarded_lshift,
    "__guard_mod": guarded_mod, "__guard_format": guarded_format, "__guard_method": guarded_method,
}  # fmt: skip
"""Names the compiled code calls the guards by; scripts cannot write names that start with `__`."""


# Builtins: the only names a script can call besides what the task data holds.


def _range(*args: int) -> range:
    """range() refusing more than MAX_RANGE_ITEMS items."""
    range_size(*args)
    return range(*args)


def _round(number: Any, ndigits: Any = None) -> Any:
    """round(); round(n, -big) computes 10**big, so the digits are limited."""
    if isinstance(ndigits, int):
        check_round_digits(ndigits)
    return round(number, ndigits)


def _sum(items: Iterable[Any], /, start: Any = 0) -> Any:
    """sum() of numbers or time spans; summing lists or tuples copies quadratically in C."""
    if not isinstance(start, (int, float, timedelta)):
        raise ScriptLimitError("sum() adds numbers or time spans only")
    return sum(items, start)


_SAFE_CALLABLES = (
    abs, all, any, bool, dict, enumerate, float, int, isinstance, len, list, max, min,
    reversed, set, sorted, str, tuple, zip,
)  # fmt: skip
SAFE_BUILTINS: dict[str, Any] = {
    **{f.__name__: f for f in _SAFE_CALLABLES},
    "range": _range,
    "round": _round,
    "sum": _sum,
    "date": date,
    "datetime": datetime,
    "timedelta": timedelta,
}
