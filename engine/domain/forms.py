"""Form content checked against its JSON Schema, the single contract for what a form holds: a procedure's
forms compiled into validators, and the data's errors as one FieldError per failing field.

The schemas are an admin's, so a form runs only once engine.domain.form_schema finds nothing wrong with it
(a version stored before those checks fails with the problems), on RE2 and with a registry that fetches
nothing. Pure Python over jsonschema; no Flask, SQLAlchemy or SpiffWorkflow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import re2
from jsonschema.exceptions import ValidationError
from referencing.exceptions import Unresolvable

from engine.domain.errors import FieldError, Problem, ProcedureDefinitionError, ValidationFailedError
from engine.domain.form_keywords import FORMATS, FormValidator
from engine.domain.form_schema import form_registry, runnable, schema_problems


def compile_forms(forms: Mapping[str, Any]) -> dict[str, Any]:
    """A validator for each of a procedure's forms, references resolved among these forms only.

    Raises:
        ProcedureDefinitionError: a form breaks the rules for forms (a version stored before they were
            checked), with every problem: such a form is never run.
    """
    problems = schema_problems(forms)
    if problems:
        raise ProcedureDefinitionError(f"the forms cannot be used: {problems[0]}",
                                       [Problem(None, problem) for problem in problems])
    registry = form_registry(forms)
    return {form_id: FormValidator(runnable(form_id, schema), registry=registry, format_checker=FORMATS)
            for form_id, schema in forms.items()}


def compile_form(schema: Any, *, form_id: str | None = None) -> Any:
    """A validator for a form on its own, which may refer only to itself; as compile_forms. Its form id is
    `form_id`, else its `$id`, else "form"."""
    declared = schema.get("$id") if isinstance(schema, dict) else None
    form_id = form_id or (declared if isinstance(declared, str) and declared else "form")
    return compile_forms({form_id: schema})[form_id]


def check_form(validator: Any, data: Any, *, form_id: str, prefix: str = "") -> None:
    """Raise ValidationFailedError listing every failing field of `data`."""
    try:
        errors = [_field_error(e, prefix) for e in validator.iter_errors(data)]
    except Unresolvable as exc:  # compile_forms refuses these; a validator built otherwise still fetches nothing
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


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at a JSON pointer of plain names (/applicant/residence), or None where there is none."""
    for part in pointer.strip("/").split("/"):
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document
