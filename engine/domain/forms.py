"""Form content checked against its JSON Schema, the single contract for what a form holds.

Admins publish the schemas, so they are untrusted: a schema may refer only to itself and to the other
forms of its procedure (a registry that can fetch nothing: no URL, no file), and its patterns run on RE2,
whose time is linear in the input, instead of Python's backtracking `re`. `schema_problems` says what a
draft breaks, with a JSON pointer; errors on data come back as one FieldError per failing field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urldefrag, urljoin

import re2
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError, ValidationError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT202012

from engine.domain.errors import FieldError, ProcedureDefinitionError, ValidationFailedError

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_REFERENCES = ("$ref", "$dynamicRef")


def _pattern_options() -> Any:
    options = re2.Options()
    options.log_errors = False  # a bad pattern is reported as a problem, not logged by the library
    return options


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> Any:
    """The pattern compiled by RE2; re2.error for what RE2 does not support (backreferences, look-around)."""
    return re2.compile(pattern, _pattern_options())


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any,
                        schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        compiled = _compiled(pattern)
        for key, value in instance.items():
            if compiled.search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


# Draft 2020-12 with RE2 for the two keywords that match text against a pattern.
FormValidator = validators.extend(Draft202012Validator, {"pattern": _pattern, "patternProperties": _pattern_properties})


def _refuse(uri: str) -> Resource[Any]:
    raise NoSuchResource(uri)  # nothing is ever fetched: a form refers only to its procedure's forms


def form_registry(forms: Mapping[str, Any]) -> Registry[Any]:
    """The procedure's forms, each under its `$id` (else its form id), and nothing else."""
    resources = [(_base(form_id, schema), DRAFT202012.create_resource(schema)) for form_id, schema in forms.items()
                 if isinstance(schema, dict)]
    return Registry(retrieve=_refuse).with_resources(resources)  # type: ignore[call-arg]  # an attrs alias


def compile_form(schema: dict[str, Any], registry: Registry[Any] | None = None) -> Any:
    """A validator for `schema`, resolving references in `registry` only (by default, the schema alone)."""
    FormValidator.check_schema(schema)
    return FormValidator(schema, registry=registry or form_registry({"form": schema}),
                         format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_problems(forms: Mapping[str, Any]) -> list[str]:
    """What each form breaks, with the JSON pointer: the draft 2020-12 meta-schema, a `$schema` other than
    draft 2020-12, a reference outside the procedure's forms, a nested `$id`, a pattern RE2 cannot run."""
    ids = {_base(form_id, schema) for form_id, schema in forms.items() if isinstance(schema, dict)}
    problems = []
    for form_id, schema in forms.items():
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            problems.append(f"form {form_id!r} is not a valid JSON Schema at {_pointer(exc.absolute_path)}: "
                            f"{exc.message}")
            continue
        base = _base(form_id, schema)
        problems += [f"form {form_id!r} at {_pointer(path)}: {message}" for path, message in _walk(schema, base, ids)]
    return problems


def _walk(schema: Any, base: str, ids: set[str]) -> Iterator[tuple[list[Any], str]]:
    stack: list[tuple[Any, list[Any]]] = [(schema, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, list):
            stack.extend((item, [*path, i]) for i, item in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        yield from _node_problems(node, path, base, ids)
        for key, value in node.items():
            if key not in ("enum", "const", "examples", "default"):  # data, not schemas
                stack.append((value, [*path, key]))


def _node_problems(node: dict[str, Any], path: list[Any], base: str, ids: set[str]) -> Iterator[tuple[list[Any], str]]:
    if "$schema" in node and (path or node["$schema"].rstrip("#") != DIALECT):
        yield [*path, "$schema"], f"only {DIALECT} is accepted, at the top"
    if "$id" in node and path:
        yield [*path, "$id"], "only the form itself may have an $id"
    for keyword in _REFERENCES:
        if isinstance(node.get(keyword), str):
            target = urldefrag(urljoin(base, node[keyword])).url
            if target not in ids:
                yield [*path, keyword], f"refers to {node[keyword]!r}; a form may refer only to itself and to the " \
                                        "other forms of its procedure"
    patterns = [([*path, "pattern"], node["pattern"])] if isinstance(node.get("pattern"), str) else []
    if isinstance(node.get("patternProperties"), dict):
        patterns += [([*path, "patternProperties", key], key) for key in node["patternProperties"]]
    for where, pattern in patterns:
        try:
            _compiled(pattern)
        except re2.error as exc:
            reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
            yield where, f"the pattern cannot run on RE2 ({reason}); write it without backreferences or look-around"


def _base(form_id: str, schema: Any) -> str:
    declared = schema.get("$id") if isinstance(schema, dict) else None
    return urldefrag(declared).url if isinstance(declared, str) and declared else form_id


def _pointer(path: Any) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def check_form(validator: Any, data: Any, *, form_id: str, prefix: str = "") -> None:
    """Raise ValidationFailedError listing every failing field of `data`."""
    try:
        errors = [_field_error(e, prefix) for e in validator.iter_errors(data)]
    except Unresolvable as exc:  # a form stored before references were checked
        raise ProcedureDefinitionError(f"form '{form_id}' refers to {exc.ref!r}, outside its procedure") from None
    except re2.error as exc:
        raise ProcedureDefinitionError(f"form '{form_id}' has a pattern RE2 cannot run: {exc}") from None
    if errors:
        errors.sort(key=lambda e: e.pointer)
        raise ValidationFailedError(f"the data does not match the form '{form_id}'", errors)


def _field_error(error: ValidationError, prefix: str) -> FieldError:
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        # Point at the missing field itself, not at its parent object.
        message = error.message
        path.append(message.split("'")[1] if "'" in message else "")
    pointer = prefix + "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in path)
    return FieldError(pointer or "/", _describe(error), str(error.validator))


def _describe(error: ValidationError) -> str:
    """Say which rule failed from the schema alone: jsonschema's own messages repeat the submitted
    value, which may be an ID number or a name."""
    rule, value = str(error.validator), error.validator_value
    described = {
        "required": "is required",
        "pattern": f"does not match the pattern {value}",
        "format": f"is not a valid {value}",
        "enum": f"must be one of {value}",
        "const": f"must be {value!r}",
        "type": f"must be of type {value}",
        "minLength": f"must have at least {value} characters",
        "maxLength": f"must have at most {value} characters",
        "minimum": f"must be at least {value}",
        "maximum": f"must be at most {value}",
        "minItems": f"must have at least {value} items",
        "maxItems": f"must have at most {value} items",
        "additionalProperties": "has fields the form does not define"
        + (f": {sorted(set(error.instance) - set(error.schema.get('properties', {})))}"
           if isinstance(error.instance, dict) else ""),
    }
    return described.get(rule, f"does not satisfy the form's '{rule}' rule")
