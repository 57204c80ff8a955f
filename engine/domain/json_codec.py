"""The one JSON codec for what is stored: orjson both ways, so nothing is written that cannot be read back.

`dumps`/`loads` serve the database's JSON columns, `copy` gives a value as a column gives it back, and
`canonical` the text a digest is taken over. `parse` is the strict reader for JSON from outside (request
bodies, stored text being checked): it refuses what the codec could not store. Pure Python over orjson.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from engine.domain.errors import FieldError, ValidationFailedError

INT_MIN, INT_MAX = -(2**63), 2**64 - 1
"""The integers orjson writes and reads back as integers (beyond them it reads a float, or fails)."""
MAX_DEPTH = 254
"""The deepest nesting orjson writes (it reads up to 1,024 levels)."""

_OPTIONS = orjson.OPT_NON_STR_KEYS  # integer keys become text, as the standard library writes them
# Every integer beyond 64 bits has at least 19 digits; only then is the slow, exact check needed.
_LONG_DIGITS = re.compile(rb"[0-9]{19}")


class UnstorableValueError(ValidationFailedError):
    """A value the codec cannot write (an unpaired surrogate, an integer beyond 64 bits, nesting deeper than
    254 levels): refused when it is written, never stored in another form."""

    code = "unstorable_value"

    def __init__(self, what: str):
        super().__init__(f"the data cannot be stored: {what}", [FieldError("", what)])


class RefusedJSONError(ValueError):
    """JSON from outside that is malformed or holds what the codec cannot store; the message says which."""


def dumps(value: Any) -> str:
    """`value` as JSON text; UnstorableValueError if orjson cannot write it (NaN and infinities become null)."""
    return _encode(value, _OPTIONS).decode()


def loads(data: str | bytes) -> Any:
    """The value of JSON text `dumps` wrote; orjson.JSONDecodeError (a ValueError) on anything else."""
    return orjson.loads(data)


def copy(value: Any) -> Any:
    """`value` exactly as a JSON column gives it back (tuples become lists, keys text), as a deep copy."""
    return orjson.loads(_encode(value, _OPTIONS))


def canonical(value: Any) -> bytes:
    """Sorted keys, no spaces: equal JSON values give equal bytes, whatever their key order."""
    return _encode(value, _OPTIONS | orjson.OPT_SORT_KEYS)


def parse(data: str | bytes) -> Any:
    """Read JSON from outside strictly: RefusedJSONError unless it is valid UTF-8 JSON without unpaired
    surrogates, NaN or infinite numbers, whose integers fit in 64 bits and whose nesting `dumps` can write.
    What it accepts, `dumps` writes and `loads` reads back unchanged."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        if _LONG_DIGITS.search(raw):
            _check_integers(raw)  # a clearer message than orjson's "number is infinity"
        raise RefusedJSONError(f"{_explain(error.msg)}, at line {error.lineno}, column {error.colno}") from None
    if _LONG_DIGITS.search(raw):
        _check_integers(raw)  # orjson reads these as floats: the value would change silently
    try:
        orjson.dumps(value, option=_OPTIONS)
    except orjson.JSONEncodeError as error:
        raise RefusedJSONError(_explain(str(error))) from None
    return value


def _encode(value: Any, options: int) -> bytes:
    try:
        return orjson.dumps(value, option=options)
    except orjson.JSONEncodeError as error:
        raise UnstorableValueError(_explain(str(error))) from None


def _explain(message: str) -> str:
    """orjson's message in the words of this codec's rules."""
    if "not valid UTF-8" in message:  # orjson says so of lone surrogates in a str, and of bytes not UTF-8
        return "a text is not valid UTF-8 (an unpaired UTF-16 surrogate, U+D800 to U+DFFF, or other bad bytes)"
    if "surrogate" in message:
        return "a text holds an unpaired UTF-16 surrogate escape (\\ud800 to \\udfff)"
    if "64-bit" in message or "infinity" in message:
        return "a number is too large: integers must fit in 64 bits, other numbers must be finite"
    if "ecursion" in message or "depth" in message:
        return f"it is nested deeper than {MAX_DEPTH} levels"
    return f"it is not valid JSON: {message}"


def _check_integers(raw: bytes) -> None:
    try:
        json.loads(raw, parse_int=_bounded_int)
    except RefusedJSONError:
        raise
    except (ValueError, RecursionError):
        return  # malformed or not UTF-8: orjson's own message says so


def _bounded_int(text: str) -> int:
    # The digits are counted first: int() refuses 4,300 digits and more with an error of its own.
    value = int(text) if len(text.lstrip("-")) <= len(str(INT_MAX)) else None
    if value is None or not INT_MIN <= value <= INT_MAX:
        raise RefusedJSONError("an integer does not fit in 64 bits (from -2^63 to 2^64 - 1)")
    return value
