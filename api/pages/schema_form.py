"""HTML forms from a form's JSON Schema, and the submitted fields back into the JSON it describes.

Inputs are named by their JSON pointer (`/application/child/full_name`), the same pointer the
server's validation errors carry, so each message lands next to its field. The server validates;
the browser only helps (no `required` attribute stops a submission before the server speaks; the counter's
counter.js checks the same JSON Schema as the officer types).

Dates are text typed day/month/year (api/pages/form_values.py reads them into the schema's ISO `format: date`,
whatever the browser's language); a property marked `"x-unit": "commune"` is typed by the commune's name and
read back into its id; an object marked `x-copy-from` gets buttons copying another group's sub-fields
(engine/domain/form_keywords.py checks both keywords when a form is published).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from api.pages.form_values import UNIT_ID, iso_date, shown_date, unit_id_of
from api.pages.i18n import lang, rule_message
from engine.domain import json_codec
from engine.domain.form_keywords import COPY_FROM, UNIT

TEXTAREA_FROM = 300  # strings allowed longer than this get a multi-line box


@dataclass
class Field:
    pointer: str
    kind: str  # group, text, textarea, integer, number, checkbox, select, date, email, unit
    label: str
    hint: str = ""
    required: bool = False
    value: Any = None
    error: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    children: list[Field] = field(default_factory=list)
    copies: list[tuple[str, str]] = field(default_factory=list)  # (the source group's pointer, the button's label)

    @property
    def dom_id(self) -> str:
        return "f" + self.pointer.replace("/", "-")


def fields_of(schema: dict[str, Any], prefix: str, values: Any = None,
              errors: dict[str, str] | None = None, unit_names: Mapping[str, str] | None = None,
              root: str | None = None) -> list[Field]:
    """The fields of an object schema, filled with `values` and marked with `errors` (pointer → text); a unit
    field shows the name `unit_names` (id → name) gives its id. `root`: the form's own prefix, below which
    `x-copy-from` pointers are (the prefix itself at the top)."""
    values = values if isinstance(values, dict) else {}
    required = set(schema.get("required", ()))
    context = _Context(errors or {}, unit_names or {}, prefix if root is None else root)
    return [_field(sub, f"{prefix}/{name}", name in required, values.get(name), context)
            for name, sub in schema.get("properties", {}).items()]


@dataclass(frozen=True)
class _Context:
    errors: dict[str, str]
    unit_names: Mapping[str, str]
    root: str


def _field(schema: dict[str, Any], pointer: str, required: bool, value: Any, context: _Context) -> Field:
    errors, unit_names = context.errors, context.unit_names
    made = Field(pointer, _kind(schema), _label(schema, pointer), "" if lang() == "en" else
                 str(schema.get("description", "")), required, value, errors.get(pointer, ""))
    if made.kind == "group":
        made.children = fields_of(schema, pointer, value, errors, unit_names, context.root)
        made.copies = _copies(schema, context.root)
    elif made.kind == "select":
        titles = schema.get("x-enum-titles-en" if lang() == "en" else "x-enum-titles") or schema["enum"]
        made.options = [(str(v), str(title)) for v, title in zip(schema["enum"], titles, strict=False)]
    elif made.kind == "date":
        if made.error and value not in (None, "") and iso_date(str(value)) is None:
            made.error = _("Not a valid date: type day/month/year, e.g. 02/07/2025.")
        made.value = shown_date(value) if value is not None else None
    elif made.kind == "unit":
        if made.error and value not in (None, "") and not UNIT_ID.fullmatch(str(value)):
            made.error = _("No commune has that name: type the name and choose it from the list.")
        made.value = unit_names.get(str(value), value) if value is not None else None
    made.attrs = {key: schema[key] for key in ("maxLength", "minimum", "maximum") if key in schema}
    return made


def _label(schema: dict[str, Any], pointer: str) -> str:
    english = lang() == "en"
    return str((english and schema.get("x-title-en")) or schema.get("title") or pointer.rsplit("/", 1)[-1])


def _copies(schema: dict[str, Any], root: str) -> list[tuple[str, str]]:
    """The group's copy buttons: the source group's input name, and the button's words (the form's, else
    "Copy from <the source's name>")."""
    declared = schema.get(COPY_FROM) or []
    made = []
    for copy in declared if isinstance(declared, list) else [declared]:
        label = copy.get("label-en" if lang() == "en" else "label") or copy.get("label")
        made.append((root + copy["from"], str(label or _("Copy from %(group)s", group=copy["from"][1:]))))
    return made


def _kind(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if kind == "object":
        return "group"
    if "enum" in schema:
        return "select"
    if kind in ("integer", "number"):
        return str(kind)
    if kind == "boolean":
        return "checkbox"
    if schema.get(UNIT) and kind == "string":
        return "unit"
    if schema.get("format") in ("date", "email"):
        return str(schema["format"])
    return "textarea" if schema.get("maxLength", 0) > TEXTAREA_FROM else "text"


def read_form(schema: dict[str, Any], prefix: str, form: MultiDict[str, str],
              unit_names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The JSON a submitted form stands for. Empty optional inputs are left out; values that do not
    convert (letters in a number box, 31/02/2025, a name no commune of `unit_names` has) are kept as text
    so the schema names the field that is wrong."""
    data: dict[str, Any] = {}
    for name, sub in schema.get("properties", {}).items():
        pointer = f"{prefix}/{name}"
        kind = _kind(sub)
        if kind == "group":
            nested = read_form(sub, pointer, form, unit_names)
            if nested or name in schema.get("required", ()):
                data[name] = nested
        elif kind == "checkbox":
            data[name] = form.get(pointer) == "on"
        elif (raw := form.get(pointer, "").strip()) != "":
            data[name] = _convert(kind, raw, unit_names or {})
    return data


def _convert(kind: str, raw: str, unit_names: Mapping[str, str]) -> Any:
    # Numbers the stored JSON cannot hold (integers beyond 64 bits, "inf", "nan") stay text as well.
    if kind == "date":
        return iso_date(raw) or raw
    if kind == "unit":
        return unit_id_of(raw, unit_names)
    try:
        if kind == "integer" and json_codec.INT_MIN <= (number := int(raw)) <= json_codec.INT_MAX:
            return number
        if kind == "number" and math.isfinite(decimal := float(raw)):
            return decimal
    except ValueError:
        return raw
    return raw


def focus_first(fields: list[Field]) -> None:
    """Mark the field the officer starts with (`autofocus`): the first the server found wrong, else the first."""
    leaves = list(_leaves(fields))
    chosen = next((f for f in leaves if f.error), leaves[0] if leaves else None)
    if chosen is not None:
        chosen.attrs["autofocus"] = True


def _leaves(fields: list[Field]) -> Iterator[Field]:
    for f in fields:
        if f.kind == "group":
            yield from _leaves(f.children)
        else:
            yield f


def client_messages() -> dict[str, str]:
    """The words static/counter.js shows beside a field it checks, in the page's language: the server's own
    for each JSON Schema keyword, and the date's and the commune picker's."""
    rules = ("required", "pattern", "format", "enum", "type", "minLength", "maxLength", "minimum", "maximum")
    return {**{rule: rule_message(rule, "") for rule in rules},
            "date": _("Not a valid date: type day/month/year, e.g. 02/07/2025."),
            "unit": _("No commune has that name: type the name and choose it from the list.")}
