"""Form content checked against its JSON Schema, the single contract for what a form holds.

Errors come back as one FieldError per failing field, with a JSON pointer into the submitted data.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from engine.domain.errors import FieldError, ValidationFailedError


def compile_form(schema: dict[str, Any]) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def check_form(validator: Draft202012Validator, data: Any, *, form_id: str, prefix: str = "") -> None:
    """Raise ValidationFailedError listing every failing field of `data`."""
    errors = [_field_error(e, prefix) for e in validator.iter_errors(data)]
    if errors:
        errors.sort(key=lambda e: e.pointer)
        raise ValidationFailedError(f"the data does not match the form '{form_id}'", errors)


def _field_error(error: ValidationError, prefix: str) -> FieldError:
    path = [str(p) for p in error.absolute_path]
    message = error.message
    if error.validator == "required":
        # Point at the missing field itself, not at its parent object.
        missing = message.split("'")[1] if "'" in message else ""
        path.append(missing)
        message = "is required"
    elif error.validator in {"pattern", "format", "enum", "const", "type"}:
        # The default message repeats the submitted value, which may be personal data.
        message = _describe(error)
    pointer = prefix + "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in path)
    return FieldError(pointer or "/", message)


def _describe(error: ValidationError) -> str:
    rule = error.validator_value
    return {
        "pattern": f"does not match the pattern {rule}",
        "format": f"is not a valid {rule}",
        "enum": f"must be one of {rule}",
        "const": f"must be {rule!r}",
        "type": f"must be of type {rule}",
    }[str(error.validator)]
