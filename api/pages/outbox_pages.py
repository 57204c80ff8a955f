"""The admin's page on the outbox: per destination the backlog, its oldest message and how long it has waited,
the parked and delivered; the messages with their errors, filtered and paged, and "send again" on a parked one.

The same services as GET /api/v1/outbox…; a message's payload (the citizen's data) is never read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError as EnvelopeError

from api.pages.exchange_words import package_label
from api.pages.intake_pages import waited
from api.pages.web import actor, explain, officer_page
from api.schemas.outbox import OutboxQuery
from api.wiring import wiring
from engine.domain.citizen_notices import CitizenNotice
from engine.domain.errors import DomainError
from engine.domain.outbox import Destination, MessageStatus
from engine.services import outbound

bp = Blueprint("outbox_pages", __name__, url_prefix="/admin")

PAGE_SIZE = 50
FILTERS = ("status", "destination")


@bp.get("/outbox")
@officer_page
def outbox() -> Any:
    w = wiring()
    query = _filters(request.args)
    now = w.clock()
    backlog = outbound.admin_backlog(w.uow(), actor=actor(), now=now)
    items, total = outbound.admin_messages(w.uow(), actor=actor(), status=query.get("status"),
                                           destination=query.get("destination"), limit=PAGE_SIZE,
                                           offset=query["offset"])
    ages = {b.destination: waited(b.oldest_undelivered_at, now) for b in backlog if b.oldest_undelivered_at}
    return render_template("pages/outbox.html", backlog=backlog, ages=ages, items=items, total=total,
                           offset=query["offset"], page_size=PAGE_SIZE, query=query,
                           destinations=list(Destination), statuses=list(MessageStatus),
                           destination_label=destination_label, message_status_label=message_status_label,
                           message_kind_label=message_kind_label)


@bp.post("/outbox/<int(max=2147483647):message_id>/retry")
@officer_page
def retry(message_id: int) -> Any:
    """Send a parked message again, then back to the list as it was filtered."""
    w = wiring()
    try:
        outbound.admin_retry(w.uow(), actor=actor(), message_id=message_id, now=w.clock())
    except DomainError as error:
        flash(explain(error), "error")
    else:
        flash(_("Message %(id)s will be sent again.", id=message_id), "success")
    back: dict[str, Any] = {k: v for k, v in request.form.items() if k in (*FILTERS, "offset") and v}
    return redirect(url_for("outbox_pages.outbox", **back))


def _filters(args: Mapping[str, str]) -> dict[str, Any]:
    """The list's filters through the API's own schema; one it refuses is dropped (the list shows without it)."""
    raw = {k: v for k, v in args.items() if k in (*FILTERS, "offset") and v}
    try:
        return dict(OutboxQuery().load({**raw, "limit": str(PAGE_SIZE)}))
    except EnvelopeError as error:
        flash(_("Some filters were not understood and are not applied."), "error")
        kept = {k: v for k, v in raw.items() if k not in error.normalized_messages()}
        return dict(OutboxQuery().load({**kept, "limit": str(PAGE_SIZE)}))


def destination_label(value: Destination) -> str:
    labels = {
        Destination.DVCQG: _("National public service portal (DVCQG)"),
        Destination.EMAIL: _("E-mail to citizens"),
        Destination.SMS: _("SMS to citizens"),
        Destination.PROVINCE: _("Other provinces"),
    }
    return labels.get(value, value.value)


def message_status_label(value: MessageStatus) -> str:
    labels = {
        MessageStatus.PENDING: _("Waiting to be sent"),
        MessageStatus.PARKED: _("Stopped, needs an administrator"),
        MessageStatus.DELIVERED: _("Delivered"),
    }
    return labels.get(value, value.value)


def message_kind_label(kind: str, destination: Destination | None = None) -> str:
    """A notice or a package to another province in words; the portal's services keep their national names
    (DongBoHoSoMC, CapNhatTienDoHoSoMC)."""
    if destination == Destination.PROVINCE:  # a package's kind, which may share a notice's name (result_ready)
        return _("Package: %(what)s", what=package_label(kind))
    labels: dict[str, str] = {
        CitizenNotice.RECEIVED: _("Notice: dossier received"),
        CitizenNotice.SUPPLEMENT_REQUEST: _("Notice: supplementation requested"),
        CitizenNotice.APOLOGY: _("Notice: apology and new appointment"),
        CitizenNotice.FINANCIAL_OBLIGATION: _("Notice: financial obligation"),
        CitizenNotice.RESULT_READY: _("Notice: result ready"),
        CitizenNotice.RATING_INVITATION: _("Notice: invitation to rate"),
    }
    return labels.get(kind, kind)
