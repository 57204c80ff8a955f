"""Envelopes of the process models the BPMN modeler reads, checks and publishes (/process-models)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import LocalDateTime


class ProcessModelDraftSchema(Schema):
    """A draft from the BPMN modeler: the diagram, and optionally the whole forms dict and the manifest."""

    bpmn = fields.String(required=True, validate=validate.Length(min=1), metadata={"description": "BPMN 2.0 XML"})
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=None, allow_none=True,
                        metadata={"description": "JSON Schemas by form id; replaces all forms of the latest version"})
    manifest = fields.Dict(load_default=None, allow_none=True,
                           metadata={"description": "procedure.json; replaces the latest version's manifest"})


class ProcessModelPublishSchema(ProcessModelDraftSchema):
    base_version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1), metadata={
        "description": "the version the draft was made from; 409 when a newer one was published since"})


class DraftProblemReadSchema(Schema):
    element_id = fields.String(allow_none=True, metadata={"description": "the BPMN element it is on, or null"})
    message = fields.String()


class DraftCheckReadSchema(Schema):
    valid = fields.Boolean()
    problems = fields.List(fields.Nested(DraftProblemReadSchema))


class ProcessModelVersionReadSchema(Schema):
    code = fields.String()
    version = fields.Integer()
    published_at = LocalDateTime()
    checksum = fields.String()


class ProcessModelSummaryReadSchema(Schema):
    code = fields.String()
    name = fields.Dict(keys=fields.String(), values=fields.String())
    latest_version = fields.Function(lambda m: m.versions[-1].version)
    versions = fields.List(fields.Nested(ProcessModelVersionReadSchema))


class ProcessModelReadSchema(ProcessModelVersionReadSchema):
    name = fields.Function(lambda m: m.manifest.get("name"))
    manifest = fields.Dict()
    bpmn = fields.String()
    forms = fields.Dict(keys=fields.String(), values=fields.Dict())
    decisions = fields.Dict(keys=fields.String(), values=fields.String())
    versions = fields.List(fields.Nested(ProcessModelVersionReadSchema))


class DraftReadSchema(Schema):
    """An admin's draft of a procedure (revision 0: not saved yet, the latest version's content)."""

    code = fields.String()
    base_version = fields.Integer(allow_none=True, metadata={"description": "null for a procedure never published"})
    revision = fields.Integer(metadata={"description": "send it back with the next save or publish"})
    name = fields.Function(lambda d: d.manifest.get("name") if isinstance(d.manifest, dict) else None)
    manifest = fields.Dict()
    bpmn = fields.String()
    forms = fields.Dict(keys=fields.String(), values=fields.Dict())
    decisions = fields.Dict(keys=fields.String(), values=fields.String())
    updated_at = LocalDateTime(allow_none=True)
    updated_by = fields.String(allow_none=True)


class DraftRevisionSchema(Schema):
    revision = fields.Integer(required=True, validate=validate.Range(0), metadata={
        "description": "the draft's revision as read; 409 when someone saved it since"})


class DraftSaveSchema(DraftRevisionSchema):
    """The parts to replace, each whole; parts left out stay as they are."""

    manifest = fields.Dict(metadata={"description": "procedure.json"})
    bpmn = fields.String(validate=validate.Length(min=1), metadata={"description": "BPMN 2.0 XML"})
    forms = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[a-z0-9_]+/[a-z0-9_]+$")), values=fields.Dict(),
                        metadata={"description": "JSON Schemas by form id"})
    decisions = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[a-z0-9_]+\.dmn$")),
                            values=fields.String(validate=validate.Length(min=1)),
                            metadata={"description": "DMN XML by file name"})
