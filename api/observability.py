"""What operators see of the running server: a request id on every request, request metrics for /metrics, and
the logging configuration (text or JSON lines) shared by the server, gunicorn's own lines and the worker.

The request id comes from the caller's `X-Request-Id` when it is a plain token of at most 64 characters (a
reverse proxy's or a client's, so that one id follows a request through every log), or is made here; it is
answered in `X-Request-Id`, printed on every log line written while the request runs, and written on the
history events of the command it ran (api/wiring.py), so that an event leads to its log lines.

Request metrics are labelled with the URL rule (`/api/v1/dossiers/<code>`), never the path: paths hold dossier
codes and look-up secrets, and one series per dossier would swamp Prometheus. Under gunicorn,
PROMETHEUS_MULTIPROC_DIR (deploy/gunicorn.conf.py) makes prometheus-client keep them in files per worker, which
/metrics sums (api/views/metrics.py).
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any, TextIO

from flask import Flask, Response, current_app, g, request
from prometheus_client import Counter, Gauge, Histogram, values
from pythonjsonlogger.json import JsonFormatter

from api.log_privacy import mask
from api.settings import Settings
from engine.adapters.metrics_queries import pool_connections

HEADER = "X-Request-Id"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

MULTIPROCESS = values.ValueClass is not values.MutexValue
"""prometheus-client writes every value to files shared by the workers: it decides so at import, when it finds
PROMETHEUS_MULTIPROC_DIR set (deploy/gunicorn.conf.py sets it before any worker imports it)."""

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Defined once per process (apps made by the tests share them) and in no registry: /metrics builds one per
# scrape. 5 ms to 10 s: a look-up takes a few ms, a list or a figure tens, a signed PDF seconds.
REQUESTS = Counter("onestop_http_requests", "HTTP requests answered, by method, URL rule and status.",
                   ["method", "endpoint", "status"], registry=None)
DURATION = Histogram("onestop_http_request_duration_seconds", "Time to answer an HTTP request, by method and URL rule.",
                     ["method", "endpoint"], registry=None,
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
POOL = Gauge("onestop_db_pool_connections", "Database connections of the servers' pools, checked out or idle.",
             ["state"], registry=None, multiprocess_mode="livesum")
REQUEST_METRICS = (REQUESTS, DURATION, POOL)

log = logging.getLogger("api.requests")


def current_request_id() -> str | None:
    """The id of the request this thread is answering; None outside a request."""
    return _request_id.get()


def init_app(app: Flask) -> None:
    """Registered before the other hooks, so that a request refused by one of them still has its id."""
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_forget)


def _start() -> None:
    offered = request.headers.get(HEADER, "")
    _request_id.set(offered if _WELL_FORMED.fullmatch(offered) else uuid.uuid4().hex)
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = current_request_id()
    if request_id is None:  # a hook registered before ours answered first
        _start()
        request_id = current_request_id()
    response.headers[HEADER] = request_id
    elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())
    method = request.method if request.method in _METHODS else "OTHER"
    endpoint = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    REQUESTS.labels(method, endpoint, str(response.status_code)).inc()
    DURATION.labels(method, endpoint).observe(elapsed)
    observe_pool()
    # The rule, not the path, and never the query string: both may hold a secret, a name or an ID number.
    log.info("%s %s %s %.1f ms", method, endpoint, response.status_code, elapsed * 1000,
             extra={"method": method, "endpoint": endpoint, "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1)})
    return response


def observe_pool() -> None:
    """This process's pool as it is now: read at every request's end and every scrape (each worker's part of
    the sum)."""
    checked_out, idle = pool_connections(current_app.extensions["onestop"].engine)
    POOL.labels("checked_out").set(checked_out)
    POOL.labels("idle").set(idle)


def _forget(_error: BaseException | None) -> None:
    _request_id.set(None)


class _RequestIdFilter(logging.Filter):
    """Puts the request id on each record printed while a request runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (request_id := current_request_id()) is not None:
            record.request_id = request_id
        return True


class _MaskedJsonFormatter(JsonFormatter):
    def formatException(self, ei: Any) -> str:
        # log_privacy masked the record's exc_text, but this formatter formats the exception afresh.
        return mask(str(super().formatException(ei)))


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to sys.stderr as it is when the record comes (the tests' capture replaces it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return _MaskedJsonFormatter("{levelname}{name}{message}{request_id}", style="{", timestamp="time",
                                    rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"})
    return logging.Formatter("%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s [%(request_id)s]",
                             defaults={"request_id": "-"})


def configure_logging(settings: Settings) -> None:
    """One handler on the root logger, to stderr, in the settings' format and level; gunicorn's error log in the
    same format. Idempotent: the last app made in a process sets the format."""
    root = logging.getLogger()
    root.setLevel(settings.log_level)
    ours = next((h for h in root.handlers if isinstance(h, _StderrHandler)), None)
    if ours is None:
        ours = _StderrHandler()
        ours.addFilter(_RequestIdFilter())
        root.addHandler(ours)
    # On the handler too: loggers that set their own level (werkzeug's is INFO) pass their records up to it.
    ours.setLevel(settings.log_level)
    ours.setFormatter(formatter(settings.log_format))
    if settings.log_format == "json":
        for handler in logging.getLogger("gunicorn.error").handlers:
            handler.setFormatter(ours.formatter)
    # SpiffWorkflow writes a line at INFO for every task state of every command. The dev server's (werkzeug's)
    # own line per request stays beside ours, masked (api/log_privacy.py); gunicorn's access log is off.
    logging.getLogger("spiff").setLevel(max(logging.getLevelName(settings.log_level), logging.WARNING))
