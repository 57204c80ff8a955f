"""Envelopes of an officer's saved filters (GET/POST /saved-filters, DELETE /saved-filters/{id}).

Only the envelope's shape is checked here; what a filter may hold (its list, name, query) is the domain's rule
(engine/domain/saved_filter.py), so the pages and the API refuse the same things with the same pointers.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas.common import LocalDateTime
from engine.domain.saved_filter import FilteredList


class SavedFilterReadSchema(Schema):
    id = fields.Integer()
    page = fields.Enum(FilteredList, by_value=True, metadata={"description": "the list it filters"})
    name = fields.String()
    query = fields.String(metadata={"description": "the list's query string, without paging"})
    created_at = LocalDateTime()


class SavedFilterWriteSchema(Schema):
    page = fields.String(required=True, metadata={"description": "inbox or dossiers"})
    name = fields.String(required=True, metadata={"description": "1 to 60 characters; the same name replaces"})
    query = fields.String(load_default="", metadata={
        "description": "the list's query string (e.g. status=ready&urgency=urgent): filters only, at most 500 "
                       "characters; paging is dropped"})


class SavedFilterQuery(Schema):
    page = fields.Enum(FilteredList, by_value=True)
