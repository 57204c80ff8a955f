"""Files: staged uploads, a dossier's components and their files, the signed result, signature checks."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from engine.domain.files import FileSource, MediaType
from engine.services.files import FileRequest

MAX_ID = 2**31 - 1


class FileRequestSchema(Schema):
    """A staged file (from `POST /files`) for a component: the document's position in the procedure's list."""

    file_id = fields.Integer(required=True, validate=validate.Range(1, MAX_ID))
    document = fields.Integer(required=True, validate=validate.Range(0, 99))

    @post_load
    def _request(self, data: dict[str, Any], **_: Any) -> FileRequest:
        return FileRequest(**data)


FILE_REQUESTS = fields.List(fields.Nested(FileRequestSchema), load_default=list, validate=validate.Length(max=200),
                            metadata={"description": "staged files (`POST /api/v1/files`, by the same account) "
                                                     "attached to the components in the same transaction"})


class StoredFileSchema(Schema):
    id = fields.Integer()
    digest = fields.Function(lambda f: f.blob.digest, metadata={"description": "SHA-256 of the content"})
    size = fields.Function(lambda f: f.blob.size)
    media_type = fields.Function(lambda f: f.blob.media_type.value,
                                 metadata={"enum": [m.value for m in MediaType]})
    filename = fields.String()
    source = fields.Enum(FileSource, by_value=True)
    document = fields.Integer(allow_none=True)
    task_id = fields.String(allow_none=True)
    reused_from = fields.Integer(allow_none=True)
    unit_id = fields.String()
    uploaded_at = fields.DateTime()
    attached_at = fields.DateTime(allow_none=True)


class BroughtComponentSchema(Schema):
    name = fields.String()
    form = fields.String()
    copies = fields.Integer()
    document = fields.Integer(allow_none=True)


class DossierFilesSchema(Schema):
    code = fields.String()
    components = fields.List(fields.Nested(BroughtComponentSchema), metadata={"description": "what was brought"})
    files = fields.List(fields.Nested(StoredFileSchema))
    result_file_id = fields.Integer(allow_none=True)


class AttachFormSchema(Schema):
    document = fields.Integer(required=True, validate=validate.Range(0, 99))
    task_id = fields.String(load_default=None, validate=validate.Length(1, 36))


class ReuseSchema(Schema):
    document = fields.Integer(required=True, validate=validate.Range(0, 99))
    result_id = fields.Integer(required=True, validate=validate.Range(1, MAX_ID))


class SignatureCheckSchema(Schema):
    valid = fields.Boolean()
    signed = fields.Boolean()
    intact = fields.Boolean()
    trusted = fields.Boolean()
    signer = fields.String(allow_none=True)
    signed_at = fields.DateTime(allow_none=True)
    problems = fields.List(fields.String())
