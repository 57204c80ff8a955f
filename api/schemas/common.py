"""What every API envelope shares: times in Vietnam's zone, paging, a status's national code and Vietnamese label.

marshmallow validates the envelopes only; form content (applications, task data) is a plain dict, its
contract the JSON Schema the engine validates, so no field of a form is defined twice.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale
from marshmallow import Schema, fields, validate

from engine.domain.calendar import VN_TZ
from engine.domain.status import DossierStatus


class LocalDateTime(fields.AwareDateTime):
    """Times are written in Vietnam's time zone, as officers and citizens read them."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return super()._serialize(value.astimezone(VN_TZ) if value else value, attr, obj, **kwargs)


MAX_OFFSET = 2**31 - 1  # larger offsets overflow the databases' integer parameters (a 500, not a 422)


class PageQuery(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


def in_vietnamese(words: Callable[[Any], str], value: Any) -> str:
    """A label the API gives in Vietnamese whatever the caller's language, as DVCQG names statuses: the pages'
    words (`words`, an api/pages function) from the Vietnamese catalogue."""
    with force_locale("vi"):
        return words(value)


def remembered_per_app(key: Hashable, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`make()`'s fields, made once per app and key: Vietnamese labels from the app's catalogue, fixed for the
    app's life, whose lookup (switching the locale) cost more than all of an answer's other fields. Outside an
    app a label is untranslated, so nothing is remembered. Each answer gets its own copy."""
    if not has_app_context():
        return make()
    known = _REMEMBERED.setdefault(current_app._get_current_object(), {})  # type: ignore[attr-defined]
    if key not in known:
        known[key] = make()
    return dict(known[key])


_REMEMBERED: WeakKeyDictionary[Flask, dict[Hashable, dict[str, Any]]] = WeakKeyDictionary()


def status_fields(status: DossierStatus) -> dict[str, Any]:
    """The status, its national code and Vietnamese label."""
    def make() -> dict[str, Any]:
        from api.pages.i18n import status_label  # imported late: the pages package imports the schemas

        return {"status": status.value, "national_code": status.national_code,
                "label": in_vietnamese(status_label, status)}

    return remembered_per_app(("status", status), make)


def page(items: list[Any], total: int, query: dict[str, Any]) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": query["limit"], "offset": query["offset"]}


def page_schema(item: type[Schema]) -> type[Schema]:
    return Schema.from_dict({"items": fields.List(fields.Nested(item)), "total": fields.Integer(),
                             "limit": fields.Integer(), "offset": fields.Integer()},
                            name=f"{item.__name__.removesuffix('Schema')}PageSchema")
