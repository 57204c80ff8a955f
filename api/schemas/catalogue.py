"""Envelopes of the procedure catalogue import (POST /process-models/catalogue): its query and its summary."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from engine.services.catalogue_import import NEW, NEW_VERSION, UNCHANGED


class CatalogueQuerySchema(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "check the file and say what would be published, storing nothing"})


class CatalogueRowReadSchema(Schema):
    line = fields.Integer(metadata={"description": "the row's line in the file"})
    code = fields.String()
    key = fields.String(metadata={"description": "the row's key: the BPMN process id"})
    name = fields.Dict(keys=fields.String(), values=fields.String())
    outcome = fields.String(metadata={"description": f"{NEW}, {NEW_VERSION} or {UNCHANGED}"})
    version = fields.Integer(metadata={"description": "the version published, or the stored one equal to the row"})


class CatalogueImportReadSchema(Schema):
    dry_run = fields.Boolean()
    counts = fields.Method("_counts", metadata={"description": "rows by outcome"})
    rows = fields.List(fields.Nested(CatalogueRowReadSchema))

    def _counts(self, result: Any) -> dict[str, int]:
        return {outcome: result.count(outcome) for outcome in (NEW, NEW_VERSION, UNCHANGED)}


CATALOGUE_BODY = {
    "required": True,
    "description": "The catalogue file (processes/catalogue/README.md): UTF-8 CSV, at most 2,000,000 bytes and 2,000 "
                   "rows, as the body (text/csv) or as the `file` part of multipart/form-data.",
    "content": {"text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                                   "properties": {"file": {"type": "string", "format": "binary"}}}}},
}
