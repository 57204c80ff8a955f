"""The inbox (steps waiting for the officer's unit and roles, near-due and overdue first to the eye)
and the list of the unit's dossiers, both filtered and paged."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from api.pages.web import actor, latest_procedures, officer_page
from api.wiring import wiring
from engine.domain import timeliness
from engine.domain.status import DossierStatus
from engine.domain.task import TaskStatus
from engine.services import deadlines, directory, dossiers, tasks

bp = Blueprint("inbox_pages", __name__)

PAGE_SIZE = 50
URGENT = {timeliness.Timeliness.NEAR_DUE, timeliness.Timeliness.OVERDUE}


@bp.get("/inbox")
@officer_page
def inbox() -> Any:
    w = wiring()
    status = TaskStatus.COMPLETED if request.args.get("status") == "completed" else TaskStatus.READY
    offset = _offset()
    found, total = tasks.inbox(w.uow(), actor=actor(), status=status, limit=PAGE_SIZE, offset=offset)
    now = w.clock()
    rows = [(task, timeliness.of_step(task, now, w.calendar)) for task in found]
    # A step of a dossier waiting for the applicant shows since when its clock is stopped, not a due time
    # that moves when the clock restarts, and no near-due mark.
    stopped = (deadlines.stopped_clocks(w.uow(), dossier_codes=(task.dossier_code for task in found))
               if status == TaskStatus.READY else {})
    rows = [(task, None if task.dossier_code in stopped else mark) for task, mark in rows]
    if request.args.get("urgent"):
        rows = [(task, mark) for task, mark in rows if mark in URGENT]
    return render_template("pages/inbox.html", rows=rows, total=total, offset=offset, page_size=PAGE_SIZE,
                  status=status.value, urgent=bool(request.args.get("urgent")), stopped=stopped,
                  procedures=directory.procedure_names(w.uow(), catalogue=w.catalogue,
                                                       dossier_codes=(task.dossier_code for task in found)))


@bp.get("/dossiers", endpoint="dossiers")
@officer_page
def dossiers_list() -> Any:
    w = wiring()
    chosen = request.args.get("status", "")
    status = DossierStatus(chosen) if chosen in DossierStatus.__members__.values() else None
    offset = _offset()
    found, total = dossiers.list_for_unit(w.uow(), actor=actor(), status=status, limit=PAGE_SIZE, offset=offset)
    now = w.clock()
    rows = [(d, timeliness.of_dossier(d, now, w.calendar)) for d in found]
    return render_template("pages/dossiers.html", rows=rows, total=total, offset=offset, page_size=PAGE_SIZE,
                  status=chosen, statuses=list(DossierStatus), names=_names())


def _offset() -> int:
    raw = request.args.get("offset", "0")
    return max(int(raw), 0) if raw.isdigit() else 0


def _names() -> dict[str, str]:
    return {p.code: p.name_vi for p in latest_procedures()}
