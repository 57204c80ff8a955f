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


class NewDocumentSchema(Schema):
    name_vi = fields.String(required=True)
    name_en = fields.String(load_default="")
    form = fields.String(load_default="original", metadata={"description": "original, certified_copy, photocopy, "
                                                                           "electronic"})
    copies = fields.Integer(load_default=1)
    required = fields.Boolean(load_default=True)


class NewFeeSchema(Schema):
    name_vi = fields.String(required=True)
    name_en = fields.String(load_default="")
    amount_vnd = fields.Integer(required=True)
    per = fields.String(load_default="case", metadata={"description": "case, copy or page"})


class NewProcedureSchema(Schema):
    """A procedure on the standard path, as an admin types it; the values are checked against the manifest's
    schema by the service, which names each wrong one by its pointer (e.g. /documents/0/copies)."""

    code = fields.String(required=True, metadata={"description": "national procedure code d.dddddd"})
    key = fields.String(required=True, metadata={"description": "snake_case process id and form prefix"})
    name_vi = fields.String(required=True)
    name_en = fields.String(load_default="", metadata={"description": "empty: the Vietnamese name"})
    field = fields.String(required=True, metadata={"description": "one of the manifest's fields"})
    field_code = fields.String(load_default=None, allow_none=True)
    field_name_vi = fields.String(required=True)
    field_name_en = fields.String(load_default="")
    level = fields.String(required=True, metadata={"description": "commune, province or commune_to_province"})
    working_days = fields.Integer(required=True)
    verification_extra_days = fields.Integer(load_default=None, allow_none=True)
    limit_vi = fields.String(required=True)
    limit_en = fields.String(load_default="")
    documents = fields.List(fields.Nested(NewDocumentSchema), required=True, validate=validate.Length(max=50))
    fees = fields.List(fields.Nested(NewFeeSchema), load_default=list, validate=validate.Length(max=50))
    cross_boundary = fields.Boolean(required=True)
    competent_unit = fields.String(required=True, metadata={
        "description": "applicant_residence, receiving_unit or agency"})
    agency = fields.String(load_default=None, allow_none=True, metadata={"description": "the agency's kind"})
    path = fields.String(load_default="standard", metadata={"description": "standard or consult:<agency kind>"})


class DiffQuerySchema(Schema):
    from_version = fields.Integer(required=True, data_key="from", validate=validate.Range(1))
    to_version = fields.Integer(required=True, data_key="to", validate=validate.Range(1))


class ChangeReadSchema(Schema):
    pointer = fields.String(metadata={"description": "JSON pointer (manifest, form) or the element's attribute"})
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)


class ElementChangeReadSchema(Schema):
    element_id = fields.String()
    kind = fields.String(metadata={"description": "added, removed or changed"})
    type = fields.String(metadata={"description": "the BPMN element's type, e.g. userTask"})
    name = fields.String(allow_none=True)
    changes = fields.List(fields.Nested(ChangeReadSchema))


class PartChangeReadSchema(Schema):
    name = fields.String(metadata={"description": "the form id or the decision file's name"})
    kind = fields.String(metadata={"description": "added, removed or changed"})
    changes = fields.List(fields.Nested(ChangeReadSchema))


class ModelDiffReadSchema(Schema):
    """What changed from one version (or none, for a new procedure) to another version or the draft."""

    code = fields.String()
    from_version = fields.Integer(allow_none=True)
    to_version = fields.Integer(allow_none=True, metadata={"description": "null for the draft"})
    diagram_error = fields.String(allow_none=True, metadata={"description": "why a diagram could not be read"})
    elements = fields.List(fields.Nested(ElementChangeReadSchema))
    manifest = fields.List(fields.Nested(ChangeReadSchema))
    forms = fields.List(fields.Nested(PartChangeReadSchema))
    decisions = fields.List(fields.Nested(PartChangeReadSchema))
