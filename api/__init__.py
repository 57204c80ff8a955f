"""The Flask application: create_app() wires settings, database, error handling and blueprints.

No work at import time; `flask --app api run` calls create_app().
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_smorest import Api

from api import cli, errors, guards, observability, pages, security, user_cli
from api.settings import Settings, SettingsError, from_environment
from api.views import (
    audit,
    auth,
    catalogue,
    claims,
    directory,
    dossiers,
    exchange,
    files,
    health,
    intake,
    metrics,
    outbox,
    procedure_migrations,
    process_models,
    public,
    saved_filters,
    slips,
    stats,
    tasks,
    users,
)
from api.wiring import build


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    test_config = test_config or {}
    try:
        settings: Settings = test_config.pop("SETTINGS", None) or from_environment(Path(app.instance_path))
    except SettingsError as error:  # the server or command stops at start, naming the variable
        raise SystemExit(f"onestop: bad setting: {error}") from None
    app.config.update(
        API_TITLE="One-stop dossier engine",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        SECRET_KEY=settings.secret_key,
        PERMANENT_SESSION_LIFETIME=settings.token_max_age,
    )
    app.config.update(test_config)
    observability.configure_logging(settings)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["onestop"] = build(settings, **test_config.get("WIRING", {}))
    observability.init_app(app)  # first: every answer, a refusal by a later hook too, gets its request id
    api = Api(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for module in (auth, directory, dossiers, files, intake, tasks, claims, public, health, slips, process_models,
                   procedure_migrations, stats, users, saved_filters, audit, outbox, catalogue, exchange):
        api.register_blueprint(module.blp)
    app.register_blueprint(metrics.bp)  # Prometheus' text, not part of the JSON API's document
    errors.init_app(app)  # after Api, so problem+json replaces flask-smorest's own error bodies
    guards.init_app(app)
    cli.init_app(app)
    user_cli.init_app(app)
    pages.init_app(app)
    security.init_app(app, settings)
    return app
