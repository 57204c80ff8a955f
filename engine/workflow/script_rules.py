"""The limits scripts run under and the size rules behind them, shared by the static check (which
applies them to constants, engine.workflow.script_check) and the run-time guards (which apply them to
values, engine.workflow.script_guards), so a refusal reads the same at publication and at run time.

Pure Python: must not import SpiffWorkflow or the other script modules.
"""

from __future__ import annotations

import re

MAX_SOURCE_CHARS = 10_000
MAX_NESTING = 100
"""Depth of the syntax tree; deeper source exhausts the parser or the compiler's recursion."""
MAX_RANGE_ITEMS = 10_000
MAX_LOOP_STEPS = 1_000_000
"""Product of the known range() sizes of nested loops and comprehensions."""
MAX_ITEMS = 1_000_000
"""Length of a string, list or tuple built in one operation (`*`, join, replace, padding)."""
MAX_INT_BITS = 65_536
MAX_FORMAT_WIDTH = 1_000
"""Width or precision in a format, and round()'s digits."""


class ScriptRejectedError(ValueError):
    """A script or expression uses a construct the restricted engine refuses to run."""


class ScriptLimitError(ScriptRejectedError):
    """A script would go over a limit: a value too large, or too much time or memory at run time."""


def check_length(length: int, what: str) -> None:
    if length > MAX_ITEMS:
        raise ScriptLimitError(f"{what} would build {length} items; the limit is {MAX_ITEMS}")


def check_int_product(left: int, right: int) -> None:
    if left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise ScriptLimitError(f"The product would have more than {MAX_INT_BITS} bits")


def check_power(base: int, exponent: int) -> None:
    if exponent > 0 and abs(base) > 1 and base.bit_length() * exponent > MAX_INT_BITS:
        raise ScriptLimitError(f"The power would have more than {MAX_INT_BITS} bits")


def check_shift(value: int, places: int) -> None:
    if value and value.bit_length() + places > MAX_INT_BITS:
        raise ScriptLimitError(f"The shift would give more than {MAX_INT_BITS} bits")


def check_round_digits(digits: int) -> None:
    if abs(digits) > MAX_FORMAT_WIDTH:
        raise ScriptLimitError(f"round() takes at most {MAX_FORMAT_WIDTH} digits")


def range_size(*args: int) -> int:
    """len(range(*args)), refusing ranges over MAX_RANGE_ITEMS (slicing, since len() overflows on huge ones)."""
    items = range(*args)
    if items[MAX_RANGE_ITEMS:]:
        raise ScriptLimitError(f"range() is limited to {MAX_RANGE_ITEMS} items")
    return len(items)


_PRINTF = re.compile(r"%%|%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_STRFTIME_WIDTH = re.compile(r"%[-_0^#]*(\d+)")


def check_printf(template: str) -> None:
    """A `%` template: no `*` widths, widths and precisions up to MAX_FORMAT_WIDTH."""
    total = len(template)
    for match in _PRINTF.finditer(template):
        for number in match.groups():
            if number == "*":
                raise ScriptLimitError("'*' widths in % formatting are not allowed")
            total += _width(number)
    check_length(total, "% formatting")


def check_format_spec(spec: str) -> None:
    """An f-string format spec: strftime directives for dates, else the format mini-language."""
    if "%" in spec:
        check_strftime(spec)
        return
    for number in re.findall(r"\d+", spec):
        _width(number)


def check_strftime(template: str) -> None:
    widths = sum(_width(n) for n in _STRFTIME_WIDTH.findall(template))
    # No directive writes more than a few dozen characters besides its width.
    check_length(len(template) * 32 + widths, "strftime()")


def _width(number: str | None) -> int:
    if number is None:
        return 0
    if len(number) > 4 or int(number) > MAX_FORMAT_WIDTH:
        raise ScriptLimitError(f"Format widths and precisions are limited to {MAX_FORMAT_WIDTH}")
    return int(number)
