"""The official printed forms: a dossier's slips (Mẫu 01–06), the slips of a submission that was not received
(Mẫu 02 guidance, Mẫu 03 refusal of reception) and a centre's tracking register (Mẫu 07), as HTML to print
from the browser, as A4 PDF, and the register also as CSV for Excel.

Slips carry personal data: responses are never cached, and nothing here logs their content.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import current_actor
from api.errors import problems
from api.wiring import wiring
from engine.adapters import printing
from engine.domain.errors import NotFoundError
from engine.domain.slip import SUBMISSION_SLIPS, SlipKind
from engine.services import registers, slips

blp = Blueprint("slips", __name__, url_prefix="/api/v1", description="Printed slips and the tracking register")

_MIMETYPES = {"html": "text/html", "pdf": "application/pdf", "csv": "text/csv"}
SUBMISSION_ID = f"<int(max={2**31 - 1}):submission_id>"
"""A submission id in a path: beyond the column's range it is no route (404), never a database error."""


class SlipQuery(Schema):
    format = fields.String(load_default="html", validate=validate.OneOf(["html", "pdf"]))
    signed = fields.Boolean(load_default=False, metadata={
        "description": "with format=pdf: signed (PAdES) with the issuing unit's key, as electronic results are"})
    number = fields.Integer(validate=validate.Range(1, 999), metadata={
        "description": "which notice of the kind (the supplementation round); the latest by default"})


class SubmissionSlipQuery(Schema):
    format = fields.String(load_default="html", validate=validate.OneOf(["html", "pdf"]))


class ReceiptsQuery(Schema):
    code = fields.List(fields.String(validate=validate.Length(1, 48)), required=True,
                       validate=validate.Length(1, slips.MAX_BATCH),
                       metadata={"description": f"the dossiers' codes (repeated), at most {slips.MAX_BATCH}"})
    format = fields.String(load_default="html", validate=validate.OneOf(["html", "pdf"]))


class RegisterQuery(Schema):
    start = fields.Date(required=True, data_key="from", metadata={"description": "first day, YYYY-MM-DD"})
    end = fields.Date(required=True, data_key="to", metadata={"description": "last day (included), YYYY-MM-DD"})
    format = fields.String(load_default="html", validate=validate.OneOf(["html", "pdf", "csv"]))


@blp.get("/dossiers/<code>/slips/<kind>")
@problems(401, 403, 404)
@blp.arguments(SlipQuery, location="query")
@blp.response(200, content_type="text/html", description="The slip as HTML, or as PDF with format=pdf")
def get_slip(query: dict[str, Any], code: str, kind: str) -> Response:
    """A dossier's slip: `receipt` (Mẫu 01), `supplement_request` (02), `refusal` (03), `apology` (04),
    `stop_notice` (05) or `control_sheet` (06); 404 when the dossier never received that notice."""
    w = wiring()
    slip = slips.gather(w.uow(), actor=current_actor(), code=code, kind=_kind(kind),
                        number=query.get("number"), catalogue=w.catalogue, calendar=w.calendar, clock=w.clock)
    lookup_url = url_for("track_pages.track", _external=True, code=slip.dossier.code, secret=slip.dossier.secret)
    html = printing.slip_html(_templates(), slip, site_url=url_for("track_pages.track", _external=True),
                              lookup_url=lookup_url)
    if query["signed"] and query["format"] == "pdf":
        unit_id, unit_name = slip.issuing_unit
        pdf = w.signer.sign(printing.html_to_pdf(html, _templates()), unit_id=unit_id, unit_name=unit_name,
                            reason=f"{slip.form.title} – {code}")
        return _download(pdf, "pdf", f"{kind}-{code}", attachment=False)
    return _document(html, query["format"], f"{kind}-{code}")


@blp.get("/slips/receipts")
@problems(401, 403, 404, 422)
@blp.arguments(ReceiptsQuery, location="query")
@blp.response(200, content_type="text/html", description="The receipts as one HTML document, or PDF with format=pdf")
def get_receipts(query: dict[str, Any]) -> Response:
    """The receipts (Mẫu 01) of several dossiers in one document, one to a page, to print a queue at once; a
    dossier the caller may not read refuses the whole batch."""
    w = wiring()
    found = slips.gather_receipts(w.uow(), actor=current_actor(), codes=query["code"], catalogue=w.catalogue,
                                  calendar=w.calendar, clock=w.clock)
    site = url_for("track_pages.track", _external=True)
    pages = [printing.slip_html(_templates(), slip, site_url=site, lookup_url=url_for(
        "track_pages.track", _external=True, code=slip.dossier.code, secret=slip.dossier.secret)) for slip in found]
    return _document(_one_document(pages), query["format"], f"receipts-{len(found)}")


@blp.get(f"/intake/submissions/{SUBMISSION_ID}/slips/<kind>")
@problems(401, 403, 404)
@blp.arguments(SubmissionSlipQuery, location="query")
@blp.response(200, content_type="text/html", description="The slip as HTML, or as PDF with format=pdf")
def get_submission_slip(query: dict[str, Any], submission_id: int, kind: str) -> Response:
    """A submission's slip: `guidance` (Mẫu 02, guided to complete) or `refusal` (Mẫu 03, reception refused);
    404 when it was not guided or refused. For the officers who may read the submission."""
    return submission_slip(submission_id, kind, query["format"])


def submission_slip(submission_id: int, kind: str, kind_of_file: str) -> Response:
    """The slip as the API and the intake page both answer it."""
    w = wiring()
    if kind not in SUBMISSION_SLIPS:
        raise NotFoundError(f"there is no slip '{kind}' of a submission; its slips are: {', '.join(SUBMISSION_SLIPS)}")
    slip = slips.gather_submission(w.uow(), actor=current_actor(), catalogue=w.catalogue,
                                   submission_id=submission_id, kind=SlipKind(kind))
    html = printing.submission_slip_html(_templates(), slip, site_url=url_for("track_pages.track", _external=True))
    return _document(html, kind_of_file, f"{kind}-submission-{submission_id}")


@blp.get("/units/<unit_id>/register")
@problems(401, 403, 404)
@blp.arguments(RegisterQuery, location="query")
@blp.response(200, content_type="text/html", description="The register as HTML, or PDF/CSV with format=pdf|csv")
def get_register(query: dict[str, Any], unit_id: str) -> Response:
    """The centre's tracking register (Mẫu 07) of the dossiers it received from `from` to `to`."""
    w = wiring()
    register = registers.read(w.stats_uow(), actor=current_actor(), unit_id=unit_id,
                              start=query["start"], end=query["end"], catalogue=w.catalogue, calendar=w.calendar,
                              clock=w.clock)
    name = f"register-{unit_id}-{query['start']:%Y%m%d}-{query['end']:%Y%m%d}"
    if query["format"] == "csv":
        return _download(printing.register_csv(register.rows), "csv", name, attachment=True)
    return _document(printing.register_html(_templates(), register), query["format"], name)


def _kind(kind: str) -> SlipKind:
    if kind not in slips.DOSSIER_SLIPS:
        raise NotFoundError(f"there is no slip '{kind}'; a dossier's slips are: {', '.join(slips.DOSSIER_SLIPS)}")
    return SlipKind(kind)


def _one_document(pages: list[str]) -> str:
    """Several printed slips as one document: the first one's head, every one's body, a page break between."""
    bodies = [page.split("<body", 1)[1].split(">", 1)[1].rsplit("</body>", 1)[0] for page in pages]
    head = pages[0].split("<body", 1)[0].replace("</head>", f"<style>.{_BREAK} {{ break-after: page; }}</style></head>")
    return head + "<body>" + f'<div class="{_BREAK}"></div>'.join(bodies) + "</body>\n</html>\n"


_BREAK = "slip-break"


def _templates() -> Path:
    return wiring().settings.forms_dir / "slips"


def _document(html: str, kind: str, name: str) -> Response:
    if kind == "pdf":
        return _download(printing.html_to_pdf(html, _templates()), "pdf", name, attachment=False)
    return _download(html.encode("utf-8"), "html", name, attachment=False)


def _download(body: bytes, kind: str, name: str, *, attachment: bool) -> Response:
    response = Response(body, mimetype=_MIMETYPES[kind])
    if kind != "html":
        disposition = "attachment" if attachment else "inline"
        response.headers["Content-Disposition"] = f'{disposition}; filename="{name}.{kind}"'
    response.headers["Cache-Control"] = "no-store"  # personal data: no copies in shared caches
    return response
