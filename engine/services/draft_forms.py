"""The forms of an admin's draft, one at a time: a form's text checked as it is typed (the JSON, then the schema
among the draft's other forms), saved into the draft, added, and removed when nothing uses it. No web or
database imports.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.domain import json_codec
from engine.domain.actor import Actor
from engine.domain.errors import ConflictError, FieldError, NotFoundError, ValidationFailedError
from engine.domain.form_schema import DIALECT, schema_problems
from engine.domain.ports import UnitOfWork
from engine.domain.procedure_draft import ProcedureDraft
from engine.services.model_drafts import open_draft, save_draft
from engine.workflow import DiagramError, diagram_elements

FORM_NAME = r"[a-z][a-z0-9_]{0,39}"
_AT = re.compile(r"at line (\d+), column (\d+)")


@dataclass(frozen=True)
class FormCheck:
    """A form's text checked: the schema when it is a JSON object, what is wrong with it, and where the JSON
    breaks (line and column, 1-based) when it does not parse."""

    schema: dict[str, Any] | None
    problems: list[str] = field(default_factory=list)
    line: int | None = None
    column: int | None = None


def check_form(draft: ProcedureDraft, form_id: str, text: str) -> FormCheck:
    """`text` as form `form_id` of `draft`: parsed strictly, then checked as the publication checks it, in the
    context of the draft's other forms (only this form's problems are listed)."""
    try:
        schema = json_codec.parse(text)
    except json_codec.RefusedJSONError as error:
        at = _AT.search(str(error))
        return FormCheck(None, [f"JSON: {error}"], *(map(int, at.groups()) if at else (None, None)))
    if not isinstance(schema, dict):
        return FormCheck(None, ["JSON: a form is a JSON object ({…}), not " + type(schema).__name__])
    own = f"form {form_id!r}"
    problems = [p for p in schema_problems({**draft.forms, form_id: schema}) if p.startswith(own)]
    return FormCheck(schema, problems)


def preview_form(uow: UnitOfWork, *, actor: Actor, code: str, form_id: str, text: str) -> FormCheck:
    """check_form on the saved draft of `code` (or its latest version)."""
    return check_form(open_draft(uow, actor=actor, code=code), form_id, text)


def save_form(uow: UnitOfWork, *, actor: Actor, code: str, revision: int, form_id: str, text: str,
              clock: Callable[[], datetime]) -> ProcedureDraft:
    """Write form `form_id` into the draft; a schema with problems is kept too (drafts hold unfinished work,
    publishing refuses it), a text that is not a JSON object is not.

    Raises:
        ValidationFailedError: The text is not a JSON object (pointer /schema).
        NotFoundError: The draft has no form `form_id`.
    """
    draft = open_draft(uow, actor=actor, code=code)
    if form_id not in draft.forms:
        raise NotFoundError(f"the draft of {code} has no form {form_id}")
    checked = check_form(draft, form_id, text)
    if checked.schema is None:
        raise ValidationFailedError(checked.problems[0], [FieldError("/schema", checked.problems[0], "type")])
    return save_draft(uow, actor=actor, code=code, revision=revision, parts={"forms": {
        **draft.forms, form_id: checked.schema}}, clock=clock)


def add_form(uow: UnitOfWork, *, actor: Actor, code: str, revision: int, name: str,
             clock: Callable[[], datetime]) -> tuple[ProcedureDraft, str]:
    """A new empty form `<prefix>/<name>` in the draft (prefix: the application form's); returns its id too.

    Raises:
        ValidationFailedError: The name is not snake_case or the form exists (pointer /name).
    """
    draft = open_draft(uow, actor=actor, code=code)
    prefix = str(draft.manifest.get("application_form", code)).split("/")[0]
    form_id = f"{prefix}/{name}"
    if not re.fullmatch(FORM_NAME, name) or form_id in draft.forms:
        message = f"{name!r} is not a new snake_case form name (a to z, digits, _)"
        raise ValidationFailedError(message, [FieldError("/name", message, "pattern")])
    schema = {"$schema": DIALECT, "$id": form_id, "title": name, "type": "object", "properties": {},
              "additionalProperties": False}
    saved = save_draft(uow, actor=actor, code=code, revision=revision,
                       parts={"forms": {**draft.forms, form_id: schema}}, clock=clock)
    return saved, form_id


def remove_form(uow: UnitOfWork, *, actor: Actor, code: str, revision: int, form_id: str,
                clock: Callable[[], datetime]) -> ProcedureDraft:
    """Take form `form_id` out of the draft.

    Raises:
        ConflictError: It is the application form, or a step of the diagram names it (or the diagram cannot
            be read to tell).
    """
    draft = open_draft(uow, actor=actor, code=code)
    if form_id not in draft.forms:
        raise NotFoundError(f"the draft of {code} has no form {form_id}")
    used = forms_in_use(draft)
    if used is None or form_id in used:
        raise ConflictError(f"form {form_id} is the application form or a step's form; it cannot be removed")
    return save_draft(uow, actor=actor, code=code, revision=revision,
                      parts={"forms": {k: v for k, v in draft.forms.items() if k != form_id}}, clock=clock)


def forms_in_use(draft: ProcedureDraft) -> set[str] | None:
    """The application form and the forms the diagram's steps name; None when the diagram cannot be read."""
    try:
        elements = diagram_elements(draft.bpmn)
    except DiagramError:
        return None
    named = {e.facts["properties/form"] for e in elements.values() if "properties/form" in e.facts}
    return named | {str(draft.manifest.get("application_form"))}
