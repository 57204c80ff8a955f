"""The JSON Schema keywords that match text against a form's patterns, run on RE2 (google-re2), whose time
is linear in the text, instead of the backtracking `re` jsonschema uses: the patterns are an admin's, the
text an applicant's. Also the format checkers forms use. Pure Python over jsonschema and re2.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from engine.domain.errors import ProcedureDefinitionError

_MAX_PROGRAM_BYTES = 1 << 18
"""RE2's memory for one compiled pattern and its matching state: a form's patterns are short (an ID number,
a phone), and the compiled ones stay cached, so an admin cannot make each hold RE2's default 8 MiB."""


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # a bad pattern is reported as a problem, not logged by the library
    options.max_mem = _MAX_PROGRAM_BYTES
    return options


@lru_cache(maxsize=512)
def compiled(pattern: str) -> Any:
    """`pattern` compiled by RE2; re2.error for what RE2 cannot run (backreferences, look-around, too big)."""
    return re2.compile(pattern, _options())


def re2_refusal(pattern: str) -> str | None:
    """Why RE2 cannot run `pattern`, or None when it can."""
    try:
        compiled(pattern)
    except re2.error as exc:
        return exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
    return None


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not compiled(pattern).search(instance):
        yield ValidationError("does not match the pattern")  # jsonschema's message would repeat the value


def _pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any,
                        schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        expression = compiled(pattern)
        for key, value in instance.items():
            if expression.search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, additional: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    # jsonschema's own matches the keys against patternProperties with `re`.
    if not validator.is_type(instance, "object"):
        return
    expressions = [compiled(p) for p in schema.get("patternProperties", {})]
    extras = [key for key in instance if key not in schema.get("properties", {})
              and not any(e.search(key) for e in expressions)]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif additional is False and extras:
        yield ValidationError("has properties the form does not define")


def _unevaluated_properties(validator: Any, unevaluated: Any, instance: Any, schema: Any) -> Iterator[Any]:
    # jsonschema's own matches patternProperties with `re`; forms are refused it when they are checked.
    raise ProcedureDefinitionError("forms do not support unevaluatedProperties")


def _is_re2_pattern(instance: object) -> bool:
    return not isinstance(instance, str) or re2_refusal(instance) is None


def _format_checker(*, regex: bool) -> FormatChecker:
    checker = FormatChecker(())
    checker.checkers = {name: check for name, check in Draft202012Validator.FORMAT_CHECKER.checkers.items()
                        if name != "regex"}
    if regex:
        checker.checkers["regex"] = (_is_re2_pattern, ())
    return checker


FORMATS = _format_checker(regex=True)
"""Draft 2020-12's formats, `regex` meaning "RE2 can run it" (jsonschema's compiles with `re`, which
an applicant's deeply nested brackets send into a RecursionError)."""
SCHEMA_FORMATS = _format_checker(regex=False)
"""For checking a form against the meta-schema: its patterns are checked with RE2 by engine.domain.form_schema."""

FormValidator = validators.extend(Draft202012Validator, {
    "pattern": _pattern, "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties, "unevaluatedProperties": _unevaluated_properties})
"""Draft 2020-12 with RE2 wherever a keyword matches text against a pattern."""
