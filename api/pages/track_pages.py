"""The citizen's pages: look a dossier up with the code and secret from the receipt (or its QR code),
follow its stages, and rate the service once the result is returned. Nothing personal is shown; a code
locked after too many wrong secrets says so, with how long to wait.

Before reception there is no receipt: an online submission is looked up by the portal's reference (the
`code` field sent without a secret), and its stage is said in plain words: waiting for the centre's check,
guided to complete (with the items to bring), refused reception, or received with its dossier code.

Once the tax step has recorded it, the financial-obligation notice shows its number, amounts, total and
deadline; once returned, a signed electronic result is downloaded here. `/verify` checks anyone's copy of a
signed result: whether it is intact, signed by a trusted unit's key, by which unit and when.

While the dossier waits for the citizen, the page says what to do in plain words (api/pages/citizen_words.py): the
documents to bring and by when, or how much to pay and by when; the appointment shown is the one in force."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api.pages import citizen_words, exchange_words
from api.pages.web import accepts_uploads, explain, file_parts, latest_procedures
from api.wiring import wiring
from engine.domain.dossier_code import grouped_secret, typed_secret
from engine.domain.errors import ConflictError, NotFoundError, ValidationFailedError
from engine.domain.lookup_lock import LookupLockedError
from engine.domain.rating import SatisfactionLevel
from engine.domain.submission import MAX_REFERENCE
from engine.services import public, ratings, results

bp = Blueprint("track_pages", __name__)
accepts_uploads(bp, {"verify": 1})

MAX_CODE = MAX_REFERENCE  # a dossier code, or a submission's reference (the longer)


@bp.context_processor
def _citizen_words() -> dict[str, Any]:
    """The words of the citizen's page (api/pages/citizen_words.py), by the names its template uses."""
    return {name: getattr(citizen_words, name) for name in (
        "level_label", "stage_label", "supplement_text", "item_text", "payment_text", "waiting_appointment_text",
        "vnd")} | {"handled_text": exchange_words.handled_text}


@bp.get("/")
def track() -> Any:
    code = request.args.get("code", "").strip()[:MAX_CODE]
    secret = request.args.get("secret", "").strip()[:24]
    found, submission, missing, locked = None, None, False, None
    if code and not secret:  # a submission's reference: no secret guards it, so it shows nothing personal
        w = wiring()
        try:
            submission = public.look_up_submission(w.uow(), catalogue=w.catalogue, reference=code)
        except NotFoundError:
            missing = True
    elif code and secret:
        w = wiring()
        try:
            found = public.look_up(w.uow(), catalogue=w.catalogue, code=code, secret=secret, clock=w.clock)
            secret = grouped_secret(typed_secret(secret))  # shown as the receipt prints it
        except NotFoundError:
            missing = True
        except LookupLockedError as error:
            locked = error
    # The dossier form shows the code it looked up, or one to fill in (from a received submission's link).
    shown = code if secret else request.args.get("dossier", "").strip()[:MAX_CODE]
    page = render_template("pages/track.html", code=code, shown_code=shown, secret=secret, found=found,
                           submission=submission, missing=missing, locked=_minutes(locked),
                           levels=list(SatisfactionLevel), procedures=latest_procedures())
    if locked:
        return page, 429, {"Retry-After": str(locked.retry_after)}
    return page, 404 if missing else 200


@bp.post("/rate")
def rate() -> Any:
    code, secret = request.form.get("code", "")[:MAX_CODE], request.form.get("secret", "")[:24]
    w = wiring()
    try:
        level = SatisfactionLevel(request.form.get("level", ""))
        ratings.rate(w.uow(), code=code, secret=secret, level=level,
                     comment=request.form.get("comment", "").strip()[:1000], clock=w.clock)
        flash(_("Thank you for your rating."), "success")
    except ValueError:
        flash(_("Rate the service") + ": " + _("Could not do that"), "error")
    except (ConflictError, NotFoundError, ValidationFailedError) as error:
        flash(explain(error), "error")
    except LookupLockedError:
        pass  # nothing recorded; the look-up it goes back to says the code is locked, and for how long
    return redirect(url_for("track_pages.track", code=code, secret=secret))


@bp.get("/verify")
def verify_form() -> Any:
    return render_template("pages/verify.html", check=None, filename=None, error=None)


@bp.post("/verify")
def verify() -> Any:
    """The signature check of a signed PDF (rate-limited as the look-up is): valid, altered, or not trusted."""
    w = wiring()
    limit = min(w.settings.max_upload_bytes, results.MAX_VERIFY_BYTES)
    chosen = file_parts("file")
    content = chosen[0].stream.read(limit + 1) if chosen else b""
    error = _("Choose a PDF file.") if not content else _("The file is too large.") if len(content) > limit else None
    check = results.verify(w.signer, content) if error is None else None
    page = render_template("pages/verify.html", check=check, error=error,
                           filename=chosen[0].filename[:200] if chosen else None)
    return page, 422 if error else 200


def _minutes(locked: LookupLockedError | None) -> int | None:
    return None if locked is None else math.ceil(locked.retry_after / 60)
