"""The admin's page for moving running dossiers to another version of a procedure: choose the versions, edit the
generated step map, check it (counts by reason, the dossiers that cannot move and why), start it, watch progress.

What it shows comes from engine/services/dossier_migrations.py; the reasons are worded here, one `_()` each.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api.pages.web import actor, officer_page
from api.wiring import wiring
from engine.domain.migration_plan import MigrationPlan, Obstacle, Reason
from engine.services import dossier_migrations

bp = Blueprint("migration_pages", __name__, url_prefix="/admin/procedures")


@bp.get("/<code>/migrations")
@officer_page
def plan(code: str) -> Any:
    w = wiring()
    draft = dossier_migrations.plan(w.uow(), actor=actor(), catalogue=w.catalogue, code=code,
                                    from_version=_number("from"), to_version=_number("to"))
    return render_template("pages/admin_migrations.html", code=code, draft=draft, plan=draft.plan, result=None,
                           **_WORDS)


@bp.post("/<code>/migrations/check")
@officer_page
def check(code: str) -> Any:
    w = wiring()
    submitted = _submitted_plan()
    draft = dossier_migrations.plan(w.uow(), actor=actor(), catalogue=w.catalogue, code=code,
                                    from_version=submitted.from_version, to_version=submitted.to_version)
    result = dossier_migrations.check(w.uow(), actor=actor(), catalogue=w.catalogue, code=code, plan=submitted)
    return render_template("pages/admin_migrations.html", code=code, draft=draft, plan=submitted, result=result,
                           **_WORDS)


@bp.post("/<code>/migrations")
@officer_page
def start(code: str) -> Any:
    w = wiring()
    started = dossier_migrations.start(w.uow(), actor=actor(), catalogue=w.catalogue, clock=w.clock, code=code,
                                       plan=_submitted_plan())
    return redirect(url_for("migration_pages.progress", code=code, migration_id=started.id))


@bp.get("/<code>/migrations/<int:migration_id>")
@officer_page
def progress(code: str, migration_id: int) -> Any:
    found = dossier_migrations.progress(wiring().uow(), actor=actor(), code=code, migration_id=migration_id)
    return render_template("pages/admin_migration_progress.html", code=code, progress=found, **_WORDS)


def _number(name: str) -> int | None:
    raw = request.values.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _submitted_plan() -> MigrationPlan:
    """The plan the page's form sends: the versions, and a select `step:<old id>` per old step ('' = nothing)."""
    steps = {key.removeprefix("step:"): (value or None) for key, value in request.form.items()
             if key.startswith("step:")}
    return MigrationPlan(_number("from") or 0, _number("to") or 0, steps)


def reason_words(obstacle: Obstacle) -> str:
    """Why a dossier cannot move, in the admin's language."""
    p = obstacle.params
    words = {
        Reason.FINISHED: lambda: _("It has finished."),
        Reason.OTHER_VERSION: lambda: _("It no longer runs this version."),
        Reason.STEP_UNMAPPED: lambda: _("Waiting at step %(step)s, which the plan maps to nothing.",
                                        step=p.get("step", "")),
        Reason.STEPS_MERGED: lambda: _("Several waiting steps would all become step %(step)s.",
                                       step=p.get("target", "")),
        Reason.LEG_ADDED: lambda: _("Past the parallel split %(gateway)s, where the new version adds the leg "
                                    "%(legs)s: that leg would never run.", gateway=p.get("gateway", ""),
                                    legs=p.get("legs", "")),
        Reason.GATEWAY_CHANGED: lambda: _("Inside parallel legs (%(gateway)s) that the new version changes.",
                                          gateway=p.get("gateway", "")),
        Reason.ELEMENT_REMOVED: lambda: _("Waiting at %(element)s, which the new version removes.",
                                          element=p.get("element", "")),
        Reason.SUBPROCESS: lambda: _("A subprocess or call activity is running."),
        Reason.PAUSE_DIFFERS: lambda: _("Step %(step)s and its new step %(target)s differ on waiting for payment.",
                                        step=p.get("step", ""), target=p.get("target", "")),
        Reason.MILESTONE_DIFFERS: lambda: _("Step %(step)s and its new step %(target)s give the dossier a "
                                            "different status.", step=p.get("step", ""), target=p.get("target", "")),
        Reason.LANE_UNROUTED: lambda: _("The new step %(step)s is handled by a unit (%(unit)s) the dossier was "
                                        "never routed to.", step=p.get("step", ""), unit=p.get("unit", "")),
        Reason.APPLICATION_INVALID: lambda: _("Its application does not satisfy the new application form."),
        Reason.NOT_MOVABLE: lambda: _("The workflow could not be moved: %(detail)s", detail=obstacle.message),
    }
    return words[obstacle.reason]()


def reason_label(reason: str) -> str:
    """A reason's short name, for the counts."""
    labels = {
        Reason.FINISHED: lambda: _("Finished"),
        Reason.OTHER_VERSION: lambda: _("No longer on this version"),
        Reason.STEP_UNMAPPED: lambda: _("Waiting at a step mapped to nothing"),
        Reason.STEPS_MERGED: lambda: _("Waiting steps merged into one"),
        Reason.LEG_ADDED: lambda: _("A parallel leg added after the split"),
        Reason.GATEWAY_CHANGED: lambda: _("Parallel legs changed"),
        Reason.ELEMENT_REMOVED: lambda: _("Waiting at a removed event"),
        Reason.SUBPROCESS: lambda: _("A subprocess is running"),
        Reason.PAUSE_DIFFERS: lambda: _("Waiting for payment differs"),
        Reason.MILESTONE_DIFFERS: lambda: _("The status a step gives differs"),
        Reason.LANE_UNROUTED: lambda: _("A unit it was never routed to"),
        Reason.APPLICATION_INVALID: lambda: _("Application no longer valid"),
        Reason.NOT_MOVABLE: lambda: _("The workflow cannot be moved"),
    }
    return labels[Reason(reason)]() if reason in {r.value for r in Reason} else reason


_WORDS = {"reason_words": reason_words, "reason_label": reason_label}
