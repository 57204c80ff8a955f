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
