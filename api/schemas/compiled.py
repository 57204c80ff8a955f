"""Answers of the hot API calls without marshmallow's per-call machinery (issue 27).

`dumper(SchemaClass)` compiles a schema once into a plain function giving exactly what `SchemaClass().dump(obj)`
gives, keys in the same order: `Schema()` deep-copies and binds every field on each call, which cost a dossier's
detail about 2 ms. The function walks the fields of one instance made at compile time, as marshmallow 4's
Schema._serialize and Field.serialize do: the value read as the schema reads it (`attribute`, dotted keys, an
overridden `get_attribute`), `dump_default` when absent, then the field's own `_serialize`; Nested fields call the
nested schema's compiled function, Function and Method fields their function. A schema with dump hooks, or with
a field type not known here to be a pure function of its value, falls back to `SchemaClass().dump`.

The views still declare the schema in `@blp.response` (the OpenAPI document), and return `answer(...)`, a
Response flask-smorest passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from marshmallow import Schema, fields, missing, utils
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from werkzeug.sansio.response import Response as BaseResponse

from api.schemas.common import LocalDateTime

Dumper = Callable[[Any], dict[str, Any]]
Convert = Callable[[Any, str, Any], Any]
Step = tuple[str, str, str | None, Any, Convert]
"""Per dumped field: the answer's key, the field's name, where its value is read (None: not read, as for
Function and Method), its dump_default, and how the value becomes the answer's."""

_PURE = frozenset({
    fields.String, fields.Integer, fields.Float, fields.Boolean, fields.Dict, fields.Enum, fields.DateTime,
    fields.AwareDateTime, fields.NaiveDateTime, fields.Date, fields.Raw, fields.Field, LocalDateTime,
})
"""Field types whose `_serialize` depends on the value alone (Dict: when its keys and values are such fields)."""

_DUMPERS: dict[type[Schema], Dumper] = {}
_COMPILING: set[type[Schema]] = set()


def dumper(schema_class: type[Schema]) -> Dumper:
    """`schema_class().dump` as a plain function, compiled on first use."""
    found = _DUMPERS.get(schema_class)
    if found is None:
        found = _DUMPERS.setdefault(schema_class, _compile(schema_class))
    return found


def answer(schema_class: type[Schema], obj: Any, status: int = 200) -> BaseResponse:
    """The JSON answer `@blp.response(status, schema_class)` would give for `obj`, dumped by the compiled schema."""
    response = current_app.json.response(dumper(schema_class)(obj))
    response.status_code = status
    return response


def _compile(schema_class: type[Schema]) -> Dumper:
    schema = schema_class()
    if schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP] or schema.many or schema.dict_class is not dict:
        return _fallback(schema_class)
    overridden = type(schema).get_attribute is not Schema.get_attribute
    _COMPILING.add(schema_class)
    try:
        steps = [_step(name, field) for name, field in schema.dump_fields.items()]
    finally:
        _COMPILING.discard(schema_class)
    if any(step is None for step in steps):
        return _fallback(schema_class)
    plan: tuple[Step, ...] = tuple(step for step in steps if step is not None)
    dotted = any(source and "." in source for _, _, source, _, _ in plan)
    accessor = schema.get_attribute if overridden else utils.get_value
    return _dumper(plan, accessor, fixed_accessor=overridden or dotted)


def _fallback(schema_class: type[Schema]) -> Dumper:
    def dump(obj: Any) -> dict[str, Any]:
        return schema_class().dump(obj)

    return dump


def _dumper(plan: tuple[Step, ...], accessor: Callable[[Any, str, Any], Any], *, fixed_accessor: bool) -> Dumper:
    def dump(obj: Any) -> dict[str, Any]:
        # For an object without __getitem__ marshmallow's get_value is getattr (a dict is read by key).
        read = accessor if fixed_accessor or hasattr(obj, "__getitem__") else getattr
        answer: dict[str, Any] = {}
        for key, name, source, default, convert in plan:
            if source is None:
                value = None
            else:
                value = read(obj, source, missing)
                if value is missing:
                    value = default() if callable(default) else default
                    if value is missing:
                        continue
            value = convert(value, name, obj)
            if value is not missing:
                answer[key] = value
        return answer

    return dump


def _step(name: str, field: fields.Field) -> Step | None:
    convert = _converter(field)
    if convert is None:
        return None
    key = field.data_key if field.data_key is not None else name
    source = (field.attribute or name) if field._CHECK_ATTRIBUTE else None
    return key, name, source, field.dump_default, convert


def _converter(field: fields.Field) -> Convert | None:
    """How the field turns a value into the answer's, as its `_serialize` does; None if not known to be pure."""
    kind = type(field)  # the exact type: a subclass may serialize otherwise
    if kind is fields.String:
        return lambda value, name, obj: value if type(value) is str else field._serialize(value, name, obj)
    if isinstance(field, fields.Integer) and kind is fields.Integer and not field.as_string:
        return lambda value, name, obj: value if type(value) is int else field._serialize(value, name, obj)
    if isinstance(field, fields.Function) and kind is fields.Function:
        function = field.serialize_func
        return (lambda value, name, obj: function(obj)) if function else None
    if isinstance(field, fields.Method) and kind is fields.Method:
        method = field._serialize_method
        return (lambda value, name, obj: method(obj)) if method else (lambda value, name, obj: missing)
    if isinstance(field, fields.Nested) and kind is fields.Nested:
        return _nested(field)
    if isinstance(field, fields.List) and kind is fields.List:
        return _listed(field)
    if isinstance(field, fields.Dict) and not all(_pure(inner) for inner in (field.key_field, field.value_field)):
        return None
    return field._serialize if kind in _PURE else None


def _pure(field: fields.Field | None) -> bool:
    if isinstance(field, fields.Dict):
        return type(field) is fields.Dict and all(_pure(inner) for inner in (field.key_field, field.value_field))
    return field is None or type(field) in _PURE


def _nested(field: fields.Nested) -> Convert:
    nested = field.nested
    if not (isinstance(nested, type) and issubclass(nested, Schema)) or field.only or field.exclude \
            or nested in _COMPILING:
        # An instance, a name, a subset or a schema nesting itself: the bound field dumps it through the one
        # nested schema it made, still without a schema per call.
        return field._serialize
    dump = dumper(nested)
    if field.many:
        return lambda value, name, obj: None if value is None else [dump(each) for each in value]
    return lambda value, name, obj: None if value is None else dump(value)


def _listed(field: fields.List) -> Convert | None:
    inner = field.inner
    if type(inner) is fields.Nested:
        item = _nested(inner)
        return lambda value, name, obj: None if value is None else [item(each, name, obj) for each in value]
    return field._serialize if _pure(inner) else None
