"""Envelopes of the directory and the procedure catalogue (GET /units, /procedures, /procedures/{code})."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.domain.manifest import AGENCY_KINDS


class UnitQuery(Schema):
    province_id = fields.String()
    kind = fields.String(validate=validate.OneOf(["province", "commune", "agency"]))
    agency = fields.String(validate=validate.OneOf(AGENCY_KINDS))


class UnitReadSchema(Schema):
    id = fields.String()
    name = fields.String()
    kind = fields.Function(lambda u: u.kind.value)
    province_id = fields.String(allow_none=True)
    division_type = fields.String()
    agency = fields.String(allow_none=True)
    parent_id = fields.String(allow_none=True)
    has_centre = fields.Boolean()
    agency_code = fields.String(allow_none=True, metadata={
        "description": "the electronic identifier (Decision 20/2020/QĐ-TTg) that starts its dossiers' codes"})


class ProcedureReadSchema(Schema):
    code = fields.String()
    version = fields.Integer()
    name = fields.Function(lambda p: p.manifest["name"])
    field = fields.Function(lambda p: p.manifest.get("field"))
    field_code = fields.Function(lambda p: p.manifest.get("field_code"), metadata={
        "description": "the national field code (MaLinhVuc); null while not confirmed"})
    field_name = fields.Function(lambda p: p.manifest.get("field_name"))
    level = fields.Function(lambda p: p.manifest.get("level"))
    time_limit = fields.Function(lambda p: p.manifest["time_limit"])
    cross_boundary = fields.Boolean()
    lanes = fields.Function(lambda p: p.manifest["lanes"])
    documents = fields.Function(lambda p: p.manifest.get("documents", []))
    fees = fields.Function(lambda p: p.manifest.get("fees", []))


class ProcedureDetailSchema(ProcedureReadSchema):
    application_form = fields.String()
    forms = fields.Dict(keys=fields.String(), values=fields.Dict())
