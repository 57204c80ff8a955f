"""The web pages: server-rendered on the same app and the same services as the JSON API.

Officers sign in with a session cookie (CSRF-checked); citizens need only the receipt's code and secret.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g

from api.auth import csrf_token
from api.pages import (
    admin_pages,
    counter_pages,
    dossier_pages,
    i18n,
    inbox_pages,
    intake_pages,
    session_pages,
    stats_pages,
    track_pages,
)
from api.pages.web import local_date, local_time, unit_name
from engine.domain.status import DossierStatus
from engine.domain.timeliness import Timeliness

BLUEPRINTS = (session_pages, counter_pages, intake_pages, inbox_pages, dossier_pages, track_pages, admin_pages,
              stats_pages)


def init_app(app: Flask) -> None:
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    app.jinja_env.globals.update(
        t=i18n.t, lang=i18n.lang, localized=i18n.localized, status_label=i18n.status_label,
        timeliness_label=i18n.timeliness_label, event_label=i18n.event_label, citizen_status=i18n.citizen_status,
        csrf_token=csrf_token, unit_name=unit_name, messages=i18n.MESSAGES)
    app.jinja_env.filters.update(local=local_time, local_date=local_date, status=DossierStatus,
                                 timeliness=Timeliness, merge=_merge,
                                 percent=_percent)

    @app.before_request
    def _no_actor_yet() -> None:
        g.actor = None


def _percent(rate: float | None) -> str:
    """A rate as a percentage with one decimal, with the decimal comma in Vietnamese."""
    if rate is None:
        return "—"
    shown = f"{rate * 100:.1f}%"
    return shown.replace(".", ",") if i18n.lang() == "vi" else shown


def _merge(mapping: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**mapping, **changes}
