"""Envelopes of the audit of searches of personal data (GET /audit/searches, admins)."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas.common import LocalDateTime, page_schema


class SearchAuditReadSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer(metadata={"description": "the officer who searched"})
    unit_id = fields.String(metadata={"description": "their unit"})
    at = LocalDateTime()
    kind = fields.Function(lambda e: e.kind.value, metadata={"description": "name, id_number or phone"})
    text = fields.String(metadata={"description": "what was typed"})
    found = fields.Integer(metadata={"description": "how many dossiers the search found"})


SearchAuditPageSchema = page_schema(SearchAuditReadSchema)
