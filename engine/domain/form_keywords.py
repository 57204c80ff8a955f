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


# The form keywords for the counter's page (issue 22), checked when a form is published: an admin writes them,
# the page reads them, so a value the page could not use is refused with its pointer rather than ignored.
COPY_FROM = "x-copy-from"
UNIT = "x-unit"
UNIT_KINDS = ("commune",)
MAX_COPIES = 5
MAX_LABEL = 100
_COPY_KEYS = frozenset({"from", "label", "label-en"})


def page_keyword_problems(form: Any) -> list[tuple[list[Any], str]]:
    """What the form's `x-copy-from` and `x-unit` keywords break, with the path of each keyword.

    `x-copy-from`, on an object property: {"from": "/applicant", "label": "…", "label-en": "…"} or a list of at
    most MAX_COPIES of them; `from` is the data pointer of another object property of the same form (the page
    copies the sub-fields both have), not the property itself nor one holding or held by it; the labels are
    short plain strings. `x-unit`, on a string property: "commune" (the field holds a commune's id and the
    page offers the communes by name)."""
    found: list[tuple[list[Any], str]] = []
    for path, node, data_path in _properties(form, [], []):
        if COPY_FROM in node:
            found += [([*path, COPY_FROM, *where], message)
                      for where, message in _copy_problems(form, node[COPY_FROM], data_path)]
        if UNIT in node and (node[UNIT] not in UNIT_KINDS or node.get("type") != "string"):
            found.append(([*path, UNIT], f"must be one of {list(UNIT_KINDS)}, on a property of type string"))
    return found


def _properties(node: Any, path: list[Any], data_path: list[str]) -> Iterator[tuple[list[Any], Any, list[str]]]:
    """Each schema reached through `properties` from the top, with its data path (depth-bounded by the form's
    own size check, which runs first)."""
    if not isinstance(node, dict):
        return
    yield path, node, data_path
    properties = node.get("properties")
    if isinstance(properties, dict):
        for name, sub in properties.items():
            yield from _properties(sub, [*path, "properties", name], [*data_path, name])


def _copy_problems(form: Any, value: Any, target: list[str]) -> Iterator[tuple[list[Any], str]]:
    declared = value if isinstance(value, list) else [value]
    if isinstance(value, list) and not 1 <= len(value) <= MAX_COPIES:
        yield [], f"holds 1 to {MAX_COPIES} copies"
        return
    for i, copy in enumerate(declared):
        where = [i] if isinstance(value, list) else []
        if not isinstance(copy, dict) or not isinstance(copy.get("from"), str) or set(copy) - _COPY_KEYS:
            yield where, 'must be {"from": "/pointer", "label": "…", "label-en": "…"} (label optional)'
            continue
        for key in ("label", "label-en"):
            if key in copy and (not isinstance(copy[key], str) or not 0 < len(copy[key]) <= MAX_LABEL):
                yield [*where, key], f"must be a text of 1 to {MAX_LABEL} characters"
        if problem := _source_problem(form, copy["from"], target):
            yield [*where, "from"], problem


def _source_problem(form: Any, pointer: str, target: list[str]) -> str | None:
    if len(pointer) > 200 or not pointer.startswith("/"):
        return "must be the JSON pointer of another object property of this form, such as /applicant"
    source = pointer[1:].split("/")
    if source[: len(target)] == target or target[: len(source)] == source:
        return "must not be the property itself, nor one that holds it or that it holds"
    node = form
    for name in source:
        properties = node.get("properties") if isinstance(node, dict) else None
        node = properties.get(name) if isinstance(properties, dict) else None
        if node is None:
            return f"names no property of this form ({pointer!r})"
    if not isinstance(node, dict) or node.get("type") != "object":
        return f"{pointer!r} is not an object property"
    return None
