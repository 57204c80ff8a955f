"""gunicorn's configuration for production: `gunicorn -c deploy/gunicorn.conf.py 'api:create_app()'`.

Every value can be overridden on the command line or in GUNICORN_CMD_ARGS (e.g. `--bind 0.0.0.0:8000`).
The workload is short database-bound requests with a few slow ones (PDF rendering and signing, uploads up to
ONESTOP_MAX_UPLOAD_MB): sync workers with threads, so a slow request holds one thread, not a process.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

bind = "127.0.0.1:8000"  # the reverse proxy in front; systemd or `--bind` may say otherwise
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))  # one per core is enough: the database does the waiting
threads = 4
worker_class = "gthread"
timeout = 60  # a worker silent this long (a stuck request) is killed and replaced
graceful_timeout = 30  # SIGTERM and HUP (reload) let requests in hand finish this long
keepalive = 5  # behind the reverse proxy's keep-alive
max_requests = 5000  # recycle workers now and then: bounded memory whatever a library keeps
max_requests_jitter = 500
preload_app = False  # each worker imports the code itself, so `kill -HUP` reloads a new release
limit_request_line = 8190
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None  # the application logs each request itself, with its request id (api/observability.py)
errorlog = "-"
control_socket_disable = True

if os.environ.get("ONESTOP_LOG_FORMAT") == "json":
    # The master's own lines (started, worker booted, worker lost) as JSON too, like the workers' (whose format
    # api/observability.py sets, with the request id); nothing else logs in the master.
    logconfig_dict = {
        "root": {"level": "INFO", "handlers": []},
        "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False}},
        "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "formatters": {"json": {"()": "pythonjsonlogger.json.JsonFormatter",
                                "fmt": "{levelname}{name}{message}{request_id}", "style": "{", "timestamp": "time",
                                "rename_fields": {"levelname": "level", "name": "logger", "exc_info": "exception"}}},
    }

# prometheus-client's multiprocess mode: each worker writes its counters and histograms to files in this
# folder and /metrics sums them, so a scrape answered by any worker counts the requests of all of them.
# Emptied when the master starts (the files of a previous run would count twice): two servers on one machine
# need a folder each.
_METRICS_DIR = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                                          str(Path(tempfile.gettempdir()) / f"onestop-metrics-{os.getuid()}")))


def on_starting(server: Any) -> None:
    shutil.rmtree(_METRICS_DIR, ignore_errors=True)
    _METRICS_DIR.mkdir(parents=True, mode=0o700)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # its live gauges (the connection pool) stop counting


def post_fork(server: Any, worker: Any) -> None:
    # glibc's malloc, tuned before the worker starts its threads (issue 27: workers grew past 150 MB under load).
    # Two arenas: otherwise each of the 4 threads keeps an arena of its own with what it freed. A fixed threshold
    # for mmap: otherwise, once a sign-in's Argon2 hash (19 MiB) is freed, glibc raises its threshold and keeps
    # every later block of that size in the heap, about 20 MB the worker never gives back. Not glibc: nothing to do.
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(_M_ARENA_MAX, 2)
    libc.mallopt(_M_MMAP_THRESHOLD, 256 * 1024)


_M_ARENA_MAX, _M_MMAP_THRESHOLD = -8, -3  # glibc's malloc.h
