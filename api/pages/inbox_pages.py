"""The officer's lists: the inbox (steps waiting for their unit and roles) and the dossiers they may read (their
unit's; a supervisor's, the province's), found by what was typed or scanned in the search box, filtered over the
whole result, sorted and paged; and each officer's saved filters of both lists.

A dossier code typed or scanned (a handheld scanner types the receipt's QR text then Enter) opens that dossier
at once when the officer may read it. What was typed is personal data: it is passed on as `q` (masked in the
request logs) and never written to a log here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import Schema, fields
from marshmallow import ValidationError as EnvelopeError

from api.pages.form_values import iso_date
from api.pages.web import actor, explain, latest_procedures, officer_page
from api.schemas.dossiers import DossierQuery
from api.schemas.tasks import TaskQuery
from api.wiring import wiring
from engine.domain import timeliness
from engine.domain.dossier import Channel
from engine.domain.errors import DomainError
from engine.domain.inbox import InboxOrder, Urgency
from engine.domain.saved_filter import FILTER_PARAMETERS, FilteredList
from engine.domain.search import QueryKind, SearchSort
from engine.domain.status import DossierStatus
from engine.domain.timeliness import Timeliness
from engine.services import saved_filters, search, stats, tasks

bp = Blueprint("inbox_pages", __name__)

PAGE_SIZE = 50


@bp.get("/inbox")
@officer_page
def inbox() -> Any:
    """The steps waiting for (or done by) the officer's unit and roles, with their applicants, filtered and sorted."""
    w = wiring()
    query = _loaded(TaskQuery(), request.args)
    items, total = tasks.inbox(w.uow(), actor=actor(), query=query["query"], clock=w.clock, calendar=w.calendar,
                               limit=PAGE_SIZE, offset=query["offset"])
    return render_template("pages/inbox.html", items=items, total=total, offset=query["offset"], page_size=PAGE_SIZE,
                           query=query["query"], orders=list(InboxOrder), urgencies=list(Urgency),
                           procedures=latest_procedures(), names=_names(), **_saved(FilteredList.INBOX))


@bp.get("/dossiers", endpoint="dossiers")
@officer_page
def dossiers_list() -> Any:
    """The dossiers the officer may read; a code typed or scanned that finds one opens it directly."""
    w = wiring()
    query = _loaded(DossierQuery(), request.args)
    found = search.find(w.uow(), actor=actor(), calendar=w.calendar, clock=w.clock, text=query.get("q"),
                        criteria=query["criteria"], limit=PAGE_SIZE, offset=query["offset"])
    if found.query is not None and found.query.kind == QueryKind.CODE and found.total == 1:
        return redirect(url_for("dossier_pages.show", code=found.items[0].code))
    now = w.clock()
    rows = [(d, timeliness.of_dossier(d, now, w.calendar)) for d in found.items]
    return render_template("pages/dossiers.html", rows=rows, total=found.total, exact=found.exact,
                           offset=query["offset"],
                           page_size=PAGE_SIZE, criteria=query["criteria"], text=query.get("q", ""),
                           kind=found.query.kind.value if found.query else None, statuses=list(DossierStatus),
                           timeliness_values=list(Timeliness), channels=list(Channel), sorts=list(SearchSort),
                           procedures=latest_procedures(), names=_names(), figures=_figures(),
                           **_saved(FilteredList.DOSSIERS))


@bp.post("/saved-filters")
@officer_page
def save_filter() -> Any:
    """Save the list's current filter under a name (the same name replaces it), then show the list with it."""
    page, name = request.form.get("page", ""), request.form.get("name", "")
    query = request.form.get("query", "")
    w = wiring()
    try:
        saved = saved_filters.save(w.uow(), actor=actor(), clock=w.clock, page=page, name=name, query=query)
    except DomainError as error:
        flash(explain(error), "error")
        return redirect(_list_url(page, query))
    flash(_("Filter saved: %(name)s.", name=saved.name), "success")
    return redirect(_list_url(saved.page.value, saved.query))


@bp.post("/saved-filters/<int(max=2147483647):filter_id>/delete")
@officer_page
def delete_filter(filter_id: int) -> Any:
    page = request.form.get("page", "")
    try:
        saved_filters.delete(wiring().uow(), actor=actor(), filter_id=filter_id)
        flash(_("Filter deleted."), "success")
    except DomainError as error:
        flash(explain(error), "error")
    return redirect(_list_url(page, ""))


def _list_url(page: str, query: str) -> str:
    endpoint = "inbox_pages.dossiers" if page == FilteredList.DOSSIERS.value else "inbox_pages.inbox"
    return url_for(endpoint) + (f"?{query}" if query else "")


def _saved(page: FilteredList) -> dict[str, Any]:
    """The officer's saved filters of this list, and the list's current filter as a saved one would keep it."""
    current = urlencode([(k, v) for k, v in request.args.items(multi=True) if k in FILTER_PARAMETERS[page] and v])
    return {"saved_filters": saved_filters.of_officer(wiring().uow(), actor=actor(), page=page),
            "list_page": page.value, "current_filter": current}


def _loaded(schema: Schema, args: Mapping[str, str]) -> dict[str, Any]:
    """The list's query string through the API's own schema; a value it refuses is dropped (the list shows
    without that filter) rather than failing the page."""
    # Dates are typed day first whatever the browser's language (02/07/2025 is 2 July), as on the counter form.
    raw = {k: (iso_date(v) or v) if isinstance(schema.fields[k], fields.Date) else v
           for k, v in args.items() if k in schema.fields and k != "limit" and v}
    raw["limit"] = str(PAGE_SIZE)
    try:
        return dict(schema.load(raw))
    except EnvelopeError as error:
        refused = error.normalized_messages()
        flash(_("Some filters were not understood and are not applied."), "error")
        try:
            return dict(schema.load({k: v for k, v in raw.items() if k not in refused}))
        except EnvelopeError:
            return dict(schema.load({"limit": str(PAGE_SIZE)}))


def _figures() -> stats.CentreReport | None:
    """This month's figures of the province, above a supervisor's list (their landing page)."""
    if not actor().roles & stats.PROVINCE_READERS:
        return None
    w = wiring()
    start, end = stats.month_of(w.clock())
    try:
        return stats.centres(w.stats_uow(), actor=actor(), catalogue=w.catalogue, clock=w.clock, start=start,
                             end=end)
    except DomainError:
        return None


def _names() -> dict[str, str]:
    return {p.code: p.name_vi for p in latest_procedures()}
