"""Online intake: the national portal's client hands dossiers in (and completes them after guidance); the
counter of the centre accepts each one (then it is received: code, secret, receipt), guides it to complete
once, or refuses reception. The rules are engine/services/intake.py's."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from api.auth import current_actor
from api.errors import problems
from api.schemas.common import page, page_schema
from api.schemas.dossiers import ReasonsSchema
from api.schemas.files import StoredFileSchema
from api.schemas.intake import (
    AcceptanceReceiptSchema,
    AcceptanceSchema,
    GuidanceSchema,
    IntakeQuery,
    ResubmissionSchema,
    SubmissionCreateSchema,
    SubmissionDetailSchema,
    SubmissionReadSchema,
    SubmissionSchema,
)
from api.views.files import file_response
from api.wiring import wiring
from engine.domain.notice import MissingItem
from engine.services import intake, submission_files
from engine.services.intake import OPEN_STAGES, Acceptance, Handing

blp = Blueprint("intake", __name__, url_prefix="/api/v1/intake/submissions", description="Online intake")
MAX_ID = 2**31 - 1  # the column's range: a larger id is no route (404), not a database error
ONE = f"/<int(max={MAX_ID}):submission_id>"


@blp.post("")
@problems(401, 403, 404, 409, 422)
@blp.arguments(SubmissionCreateSchema)
@blp.response(201, SubmissionSchema)
def submit(body: dict[str, Any]) -> Any:
    """Hand in an online or postal dossier for a centre of the portal's province (role `portal`); the same
    reference with the same content again answers the first submission (200)."""
    w = wiring()
    submission, created = intake.submit(w.uow(), actor=current_actor(), catalogue=w.catalogue, clock=w.clock,
                                        handing=Handing(**body), exchange_peers=tuple(w.peers))
    return submission, 201 if created else 200


@blp.get("")
@problems(401)
@blp.arguments(IntakeQuery, location="query")
@blp.response(200, page_schema(SubmissionReadSchema))
def queue(query: dict[str, Any]) -> Any:
    """The intake queue, longest waiting first: a counter officer's centre, a supervisor's or the portal's
    province."""
    stages = tuple(query["stage"]) if query["stage"] else OPEN_STAGES
    items, total = intake.queue(wiring().uow(), actor=current_actor(), stages=stages, limit=query["limit"],
                                offset=query["offset"])
    return page(items, total, query)


@blp.get(ONE)
@problems(401, 403, 404)
@blp.response(200, SubmissionDetailSchema)
def get_submission(submission_id: int) -> Any:
    return intake.detail(wiring().uow(), actor=current_actor(), submission_id=submission_id)


@blp.post(f"{ONE}/accept")
@problems(401, 403, 404, 409, 422)
@blp.arguments(AcceptanceSchema)
@blp.response(201, AcceptanceReceiptSchema)
def accept(body: dict[str, Any], submission_id: int) -> Any:
    """Accept it: the dossier is received now (`Idempotency-Key` honoured: a retry answers its receipt)."""
    w = wiring()
    acceptance = Acceptance(idempotency_key=request.headers.get("Idempotency-Key"), **body)
    return intake.accept(w.uow(), actor=current_actor(), catalogue=w.catalogue, calendar=w.calendar, clock=w.clock,
                         submission_id=submission_id, acceptance=acceptance, exchange_peers=tuple(w.peers))


@blp.post(f"{ONE}/guide")
@problems(401, 403, 404, 409, 422)
@blp.arguments(GuidanceSchema)
@blp.response(200, SubmissionSchema)
def guide(body: dict[str, Any], submission_id: int) -> Any:
    """Guide the applicant to complete it (Mẫu 02), once, listing every missing component."""
    w = wiring()
    return intake.guide(w.uow(), actor=current_actor(), clock=w.clock, submission_id=submission_id,
                        reasons=body["reasons"], items=[MissingItem(**item) for item in body["items"]])


@blp.post(f"{ONE}/refuse")
@problems(401, 403, 404, 409, 422)
@blp.arguments(ReasonsSchema)
@blp.response(200, SubmissionSchema)
def refuse(body: dict[str, Any], submission_id: int) -> Any:
    """Refuse reception (Mẫu 03): it is never received."""
    w = wiring()
    return intake.refuse(w.uow(), actor=current_actor(), clock=w.clock, submission_id=submission_id,
                         reasons=body["reasons"])


@blp.post(f"{ONE}/resubmit")
@problems(401, 403, 404, 409, 422)
@blp.arguments(ResubmissionSchema)
@blp.response(200, SubmissionSchema)
def resubmit(body: dict[str, Any], submission_id: int) -> Any:
    """The applicant completed a guided submission (role `portal`): back in the queue, the same submission."""
    w = wiring()
    # The centre and procedure stay the submission's own: only the application and components are new.
    return intake.resubmit(w.uow(), actor=current_actor(), catalogue=w.catalogue, clock=w.clock,
                           submission_id=submission_id, application=body["application"],
                           components=body["components"], file_requests=body["files"],
                           exchange_peers=tuple(w.peers))


@blp.get(f"{ONE}/files")
@problems(401, 403, 404)
@blp.response(200, StoredFileSchema(many=True))
def list_files(submission_id: int) -> Any:
    """The files handed in with the submission, for the counter officers of its centre."""
    return submission_files.of_submission(wiring().uow(), actor=current_actor(), submission_id=submission_id)


@blp.get(f"{ONE}/files/<int(max={MAX_ID}):file_id>")
@problems(401, 403, 404)
def open_file(submission_id: int, file_id: int) -> Any:
    """A file handed in with the submission, inline (PDF and images open in the browser)."""
    w = wiring()
    stored, stream = submission_files.open_file(w.uow(), w.store, actor=current_actor(), submission_id=submission_id,
                                                file_id=file_id)
    return file_response(stored, stream)
