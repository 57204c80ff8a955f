"""The web pages: server-rendered on the same app and the same services as the JSON API.

Officers sign in with a session cookie (CSRF-checked); citizens need only the receipt's code and secret.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g

from api.auth import csrf_token
from api.pages import (
    admin_pages,
    catalogue_pages,
    counter_pages,
    dossier_pages,
    exchange_words,
    holding_pages,
    i18n,
    inbox_pages,
    intake_pages,
    migration_pages,
    outbox_pages,
    procedure_pages,
    session_pages,
    stats_pages,
    stats_words,
    track_pages,
)
from api.pages.web import unit_name
from engine.domain.status import DossierStatus
from engine.domain.timeliness import Timeliness

BLUEPRINTS = (session_pages, counter_pages, intake_pages, inbox_pages, dossier_pages, holding_pages, track_pages,
              admin_pages, stats_pages, outbox_pages, catalogue_pages, migration_pages, procedure_pages)


def init_app(app: Flask) -> None:
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    i18n.init_app(app)
    app.jinja_env.globals.update(
        lang=i18n.lang, localized=i18n.localized, status_label=i18n.status_label,
        timeliness_label=i18n.timeliness_label, event_label=i18n.event_label, citizen_status=i18n.citizen_status,
        channel_label=i18n.channel_label, return_method_label=i18n.return_method_label,
        document_form_label=i18n.document_form_label, file_source_label=i18n.file_source_label,
        action_label=i18n.action_label, role_label=i18n.role_label, slip_label=i18n.slip_label,
        submission_stage_label=i18n.submission_stage_label, queue_label=i18n.queue_label,
        submission_text=i18n.submission_text, error_title=i18n.error_title,
        figure_label=stats_words.figure_label, group_label=stats_words.group_label,
        report_word=stats_words.report_word, modeler_words=i18n.modeler_words,
        csrf_token=csrf_token, unit_name=unit_name, package_label=exchange_words.package_label,
        exchange_state_label=exchange_words.exchange_state_label)
    app.jinja_env.filters.update(local=i18n.moment, local_date=i18n.day, status=DossierStatus,
                                 timeliness=Timeliness, merge=_merge, number=i18n.number, money=i18n.money,
                                 percent=i18n.percent)

    @app.before_request
    def _no_actor_yet() -> None:
        g.actor = None


def _merge(mapping: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**mapping, **changes}
