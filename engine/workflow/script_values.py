"""What may cross between the engine and a script's worker process: JSON data, exactly what the workflow
state (and every JSON column) stores and reads back unchanged.

Pure Python: must not import SpiffWorkflow. Both sides encode with `encode`, which refuses anything else
with a ScriptValueError naming the variable and the place inside it: sets, bytes, dates and time spans,
ranges, views, generators, dicts with keys that are not text, integers beyond 64 bits (the range of the
JSON columns' codec, engine.domain.json_codec), NaN and infinities, and text with unpaired surrogates.
"""

from __future__ import annotations

import math
import re
from typing import Any

import orjson

from engine.domain.json_codec import INT_MAX, INT_MIN
from engine.workflow.script_rules import ScriptRejectedError

_SURROGATE = re.compile("[\ud800-\udfff]")


class ScriptValueError(ScriptRejectedError):
    """A value a script left, or was given, is not data the workflow can store."""


def encode(message: dict[str, Any], *, checked: dict[str, Any]) -> bytes:
    """orjson bytes of `message`, after checking every value of `checked` (name → value) is JSON data.

    Raises:
        ScriptValueError: One of the values is not JSON data; the message names it and where.
    """
    for name, value in checked.items():
        check_value(value, name)
    try:
        return orjson.dumps(message)
    except orjson.JSONEncodeError as exc:  # nesting deeper than orjson writes (and so reads back)
        culprit = next((name for name, value in checked.items() if not _dumps(value)), "A value")
        raise ScriptValueError(f"'{culprit}' cannot be stored: {exc}") from None


def _dumps(value: Any) -> bool:
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError:
        return False
    return True


def check_value(root: Any, name: str) -> None:
    """Raise ScriptValueError unless `root` is JSON data (tuples are taken as lists)."""
    if _problem(root, None) is not None:
        raise ScriptValueError(str(_problem(root, name)))  # walked again, naming where: only on failure


def _problem(root: Any, name: str | None) -> str | None:
    """What is wrong with `root`, or None; with a name, the message says where (slower: paths are built)."""
    stack: list[tuple[Any, str]] = [(root, name or "")]
    push = stack.append
    while stack:
        value, where = stack.pop()
        kind = type(value)
        if kind is str:
            if not _text_ok(value):
                return f"'{where}' holds an unpaired surrogate character, which cannot be stored"
        elif kind is dict:
            for key, item in value.items():
                if type(key) is not str or not _text_ok(key):
                    return f"'{where}' has a key that is not text ({type(key).__name__}); only text keys can be stored"
                push((item, f"{where}[{key!r}]" if name else ""))
        elif kind is list or kind is tuple:
            for i, item in enumerate(value):
                push((item, f"{where}[{i}]" if name else ""))
        elif kind is int:
            if not INT_MIN <= value <= INT_MAX:
                return f"'{where}' is an integer beyond 64 bits, which cannot be stored"
        elif kind is float:
            if not math.isfinite(value):
                return f"'{where}' is {value}, which cannot be stored"
        elif value is not None and kind is not bool:
            return (f"'{where}' is a {kind.__name__}, which cannot be stored: a step can keep text, numbers, "
                    "true/false, lists and dicts (dates as text: .isoformat())")
    return None


def _text_ok(text: str) -> bool:
    return text.isascii() or _SURROGATE.search(text) is None
