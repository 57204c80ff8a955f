"""Files: uploads staged for a later command, a dossier's component files (attach, list, open, re-use), its
signed electronic result, the citizen's download and anyone's signature check. Bytes are streamed from the
file store; the rules are engine/services/files.py's and engine/services/results.py's."""

from __future__ import annotations

from typing import Any

from flask import Response, request, send_file
from flask_smorest import Blueprint

from api.auth import current_actor
from api.errors import problems
from api.schemas.files import (
    AttachFormSchema,
    DossierFilesSchema,
    ReuseSchema,
    SignatureCheckSchema,
    StoredFileSchema,
)
from api.schemas.public import PublicQuery
from api.wiring import wiring
from engine.domain.errors import FieldError, ValidationFailedError
from engine.domain.files import StoredFile
from engine.services import files, results

blp = Blueprint("files", __name__, url_prefix="/api/v1", description="Files and electronic results")
FILE_ID = "<int(max=2147483647):file_id>"
MULTIPART_OVERHEAD = 64 * 1024


UPLOADS = ("files.stage", "files.attach", "files.issue_result", "files.verify")


@blp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Uploads have their own size limit (files are larger than JSON), set before anything parses the body
    (the request guards read the form's text fields): Flask runs URL preprocessors before any before_request."""
    if request.method == "POST" and endpoint in UPLOADS:
        limit = wiring().settings.max_upload_bytes
        if endpoint == "files.verify":
            limit = min(limit, results.MAX_VERIFY_BYTES)
        request.max_content_length = limit + MULTIPART_OVERHEAD


def uploaded(field: str = "file") -> Any:
    """The multipart part `field`, within this request's own size limit (`_upload_limit`)."""
    part = request.files.get(field)
    if part is None:
        raise ValidationFailedError("send the file as multipart/form-data", [FieldError(f"/{field}", "is missing")])
    return part


def receiving(field: str = "file") -> Any:
    """The upload spooled, checked and in the store (engine/services/files.py `receiving`)."""
    part = uploaded(field)
    return files.receiving(wiring().store, part.stream, part.filename, limit=wiring().settings.max_upload_bytes,
                           pointer=f"/{field}")


def file_response(stored: StoredFile, stream: Any, *, download: bool = False) -> Response:
    """The bytes with the type their content was checked to be; inline so PDFs and images open in the
    browser; the name in the header is the cleaned one, never the uploader's raw text."""
    response = send_file(stream, mimetype=stored.blob.media_type.value, as_attachment=download,
                         download_name=stored.filename, etag=stored.blob.digest, max_age=0)
    response.headers["Content-Length"] = str(stored.blob.size)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.post("/files")
@problems(401, 403, 413, 415, 422)
@blp.response(201, StoredFileSchema)
def stage() -> Any:
    """Upload a file (multipart `file`: PDF, JPEG or PNG, checked by content) to attach it in a later request
    (a reception's or a submission's `files`). Only the same account can attach it; unused, it is removed
    after a day."""
    w = wiring()
    with receiving() as incoming:
        return files.stage(w.uow(), actor=current_actor(), incoming=incoming, clock=w.clock)


@blp.get("/dossiers/<code>/files")
@problems(401, 403, 404)
@blp.response(200, DossierFilesSchema)
def list_files(code: str) -> Any:
    """What was brought per component and every file attached, for the officers of the units involved."""
    dossier, found = files.of_dossier(wiring().uow(), actor=current_actor(), code=code)
    return {"code": dossier.code, "components": dossier.components, "files": found,
            "result_file_id": dossier.result_file_id}


@blp.post("/dossiers/<code>/files")
@problems(401, 403, 404, 409, 413, 415, 422)
@blp.arguments(AttachFormSchema, location="form")
@blp.response(201, StoredFileSchema)
def attach(form: dict[str, Any], code: str) -> Any:
    """Attach a file (multipart `file`) to a component (`document`, its position in the procedure's list),
    at the counter or at a step (`task_id`: a ready step the officer holds)."""
    w = wiring()
    with receiving() as incoming:
        return files.attach(w.uow(), actor=current_actor(), catalogue=w.catalogue, clock=w.clock, code=code,
                            document=form["document"], incoming=incoming, task_id=form["task_id"])


@blp.get(f"/dossiers/<code>/files/{FILE_ID}")
@problems(401, 403, 404)
def open_file(code: str, file_id: int) -> Any:
    """The file's bytes, inline (PDF and images open in the browser)."""
    w = wiring()
    stored, stream = files.open_file(w.uow(), w.store, actor=current_actor(), code=code, file_id=file_id)
    return file_response(stored, stream)


@blp.get("/dossiers/<code>/reusable-results")
@problems(401, 403, 404)
@blp.response(200, StoredFileSchema(many=True))
def reusable(code: str) -> Any:
    """Electronic results issued earlier to this dossier's applicant, which a component can re-use."""
    return files.reusable_results(wiring().uow(), actor=current_actor(), code=code)


@blp.post("/dossiers/<code>/files/reuse")
@problems(401, 403, 404, 409, 422)
@blp.arguments(ReuseSchema)
@blp.response(201, StoredFileSchema)
def reuse(body: dict[str, Any], code: str) -> Any:
    """Attach an earlier result of the same applicant to a component, marked re-used."""
    w = wiring()
    return files.reuse(w.uow(), actor=current_actor(), catalogue=w.catalogue, clock=w.clock, code=code, **body)


@blp.post("/dossiers/<code>/result")
@problems(401, 403, 404, 409, 413, 415, 422)
@blp.response(201, StoredFileSchema)
def issue_result(code: str) -> Any:
    """Issue the electronic result, signed (PAdES) with the competent unit's key: the leader at the signing
    step; a PDF sent as multipart `file` is signed as it is, else one is made from what the steps recorded."""
    w = wiring()
    actor = current_actor()
    hint = request.host_url.rstrip("/") + "/verify"
    if request.files.get("file") is None:
        return results.issue(w.uow(), w.store, w.signer, actor=actor, catalogue=w.catalogue, clock=w.clock,
                             code=code, templates=w.settings.forms_dir / "slips", verify_hint=hint)
    with receiving() as incoming:
        return results.issue(w.uow(), w.store, w.signer, actor=actor, catalogue=w.catalogue, clock=w.clock,
                             code=code, templates=w.settings.forms_dir / "slips", verify_hint=hint, upload=incoming)


@blp.get("/public/dossiers/<code>/result")
@problems(404, 409, 429)
@blp.arguments(PublicQuery, location="query")
def citizen_result(query: dict[str, Any], code: str) -> Any:
    """The signed electronic result, with the receipt's code and secret, once the dossier is returned."""
    w = wiring()
    stored, stream = results.citizen_result(w.uow(), w.store, code=code, secret=query["secret"], clock=w.clock)
    return file_response(stored, stream, download=True)


@blp.post("/public/signatures/verify")
@problems(413, 415, 422, 429)
@blp.response(200, SignatureCheckSchema)
def verify() -> Any:
    """Check a signed PDF (multipart `file`, or the PDF as the body): whether it is signed, unchanged since,
    and by a key that chains to a trusted CA, and by whom."""
    w = wiring()
    limit = min(w.settings.max_upload_bytes, results.MAX_VERIFY_BYTES)
    part = request.files.get("file")
    pdf = part.stream.read(limit + 1) if part is not None else request.get_data()
    if not pdf:
        raise ValidationFailedError("send the PDF", [FieldError("/file", "is missing")])
    if len(pdf) > limit:
        raise ValidationFailedError("the PDF is too large", [FieldError("/file", f"must be at most {limit} bytes")])
    check = results.verify(w.signer, pdf)
    return {**check.__dict__, "valid": check.valid}
