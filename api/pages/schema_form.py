"""HTML forms from a form's JSON Schema, and the submitted fields back into the JSON it describes.

Inputs are named by their JSON pointer (`/application/child/full_name`), the same pointer the
server's validation errors carry, so each message lands next to its field. The server validates;
the browser only helps (no `required` attribute stops a submission before the server speaks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from api.pages.i18n import lang
from engine.domain import json_codec

TEXTAREA_FROM = 300  # strings allowed longer than this get a multi-line box


@dataclass
class Field:
    pointer: str
    kind: str  # group, text, textarea, integer, number, checkbox, select, date, email
    label: str
    hint: str = ""
    required: bool = False
    value: Any = None
    error: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    children: list[Field] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return "f" + self.pointer.replace("/", "-")


def fields_of(schema: dict[str, Any], prefix: str, values: Any = None,
              errors: dict[str, str] | None = None) -> list[Field]:
    """The fields of an object schema, filled with `values` and marked with `errors` (pointer → text)."""
    values = values if isinstance(values, dict) else {}
    required = set(schema.get("required", ()))
    return [_field(sub, f"{prefix}/{name}", name in required, values.get(name), errors or {})
            for name, sub in schema.get("properties", {}).items()]


def _field(schema: dict[str, Any], pointer: str, required: bool, value: Any, errors: dict[str, str]) -> Field:
    english = lang() == "en"
    label = str((english and schema.get("x-title-en")) or schema.get("title") or pointer.rsplit("/", 1)[-1])
    hint = "" if english else str(schema.get("description", ""))
    made = Field(pointer, _kind(schema), label, hint, required, value, errors.get(pointer, ""))
    if made.kind == "group":
        made.children = fields_of(schema, pointer, value, errors)
    elif made.kind == "select":
        titles = schema.get("x-enum-titles-en" if english else "x-enum-titles") or schema["enum"]
        made.options = [(str(v), str(title)) for v, title in zip(schema["enum"], titles, strict=False)]
    made.attrs = {key: schema[key] for key in ("maxLength", "minimum", "maximum") if key in schema}
    if pointer.endswith("unit_id"):
        made.attrs["list"] = "communes"  # a datalist of the province's communes, by code and name
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
    if schema.get("format") in ("date", "email"):
        return str(schema["format"])
    return "textarea" if schema.get("maxLength", 0) > TEXTAREA_FROM else "text"


def read_form(schema: dict[str, Any], prefix: str, form: MultiDict[str, str]) -> dict[str, Any]:
    """The JSON a submitted form stands for. Empty optional inputs are left out; values that do not
    convert (letters in a number box) are kept as text so the schema names the field that is wrong."""
    data: dict[str, Any] = {}
    for name, sub in schema.get("properties", {}).items():
        pointer = f"{prefix}/{name}"
        kind = _kind(sub)
        if kind == "group":
            nested = read_form(sub, pointer, form)
            if nested or name in schema.get("required", ()):
                data[name] = nested
        elif kind == "checkbox":
            data[name] = form.get(pointer) == "on"
        elif (raw := form.get(pointer, "").strip()) != "":
            data[name] = _convert(kind, raw)
    return data


def _convert(kind: str, raw: str) -> Any:
    # Numbers the stored JSON cannot hold (integers beyond 64 bits, "inf", "nan") stay text as well.
    try:
        if kind == "integer" and json_codec.INT_MIN <= (number := int(raw)) <= json_codec.INT_MAX:
            return number
        if kind == "number" and math.isfinite(decimal := float(raw)):
            return decimal
    except ValueError:
        return raw
    return raw
