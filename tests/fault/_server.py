"""The real server for the fault tests, and a small HTTP client for the threads that load it.

`Server` runs gunicorn (two worker processes of four threads, as in production) over a given database in
its own process group, so `kill()` sends SIGKILL to the master and every worker at once, as a machine
losing power would. Every wait is bounded; `stop()` (also on leaving the `with` block, failed or not)
leaves no process behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from api.settings import ROOT
from tests.conftest import PASSWORD

API = "/api/v1"
TIMEOUT = 15.0
"""Seconds any one request may take (a request cut by the kill fails at once)."""
UNLIMITED = "100000 per minute"  # the load signs in and looks up more than a person would


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LoadThreads:
    """Client threads a test adds to `threads`, each looping until `stopping` is set by `stop()`."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)
            assert not thread.is_alive(), "a load thread hung"


def wait_until_ready(url: str, process: subprocess.Popen[bytes] | None, timeout: float) -> str:
    """Until `url` answers 200 ("ready"), `process` ends ("exited") or `timeout` seconds pass ("timeout")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return "exited"
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code == 200:
                return "ready"
        time.sleep(0.1)
    return "timeout"


class Server:
    """gunicorn serving `api:create_app()` over `database_url` on a free port of 127.0.0.1; with `config`
    (deploy/gunicorn.conf.py), that file's settings under the ones given here, and no preloading, as in
    production."""

    def __init__(self, database_url: str, log_dir: Path, *, workers: int = 2, threads: int = 4,
                 env: dict[str, str] | None = None, config: Path | None = None):
        self.database_url, self.log_dir, self.extra_env, self.config = database_url, log_dir, env or {}, config
        self.workers, self.threads = workers, threads
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def __enter__(self) -> Server:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def start(self, timeout: float = 60) -> None:
        """Start and wait until /healthz answers 200; the log is kept in `log_dir` for a failure."""
        assert self.process is None, "already running"
        self.starts += 1
        env = {**os.environ, "ONESTOP_DATABASE_URL": self.database_url, "ONESTOP_SECRET_KEY": "fault-test-secret",
               "ONESTOP_DEMO_PASSWORD": PASSWORD, "ONESTOP_SIGN_IN_RATE_LIMIT": UNLIMITED,
               "ONESTOP_PUBLIC_RATE_LIMIT": UNLIMITED, "PYTHONUNBUFFERED": "1", **self.extra_env}
        log = (self.log_dir / f"server-{self.starts}.log").open("wb")
        command = [sys.executable, "-m", "gunicorn", *(["-c", str(self.config)] if self.config else []),
                   "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(self.workers), "--threads", str(self.threads), "--timeout", "60",
                   "--graceful-timeout", "2", "--no-control-socket", *([] if self.config else ["--preload"]),
                   "api:create_app()"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        outcome = wait_until_ready(f"{self.url}{API}/healthz", self.process, timeout)
        if outcome == "ready":
            return
        if outcome == "exited":
            self.process = None
            raise RuntimeError(f"the server exited at start:\n{self.log_tail()}")
        self.kill()
        raise RuntimeError(f"the server did not answer within {timeout:g}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL to every process of the server at once: no handler runs, no transaction commits."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):  # it died already
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        """A clean stop (SIGTERM), or SIGKILL when it takes longer than a few seconds."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        self.kill()

    def log_tail(self, lines: int = 40) -> str:
        path = self.log_dir / f"server-{self.starts}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


class Client:
    """One officer's calls (a session of its own: use one per thread)."""

    def __init__(self, base_url: str, token: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def receive(self, application: dict[str, Any], key: str) -> requests.Response:
        return self.session.post(f"{self.base_url}{API}/dossiers", headers={"Idempotency-Key": key}, timeout=TIMEOUT,
                                 json={"procedure_code": "1.001193", "application": application})

    def ready_tasks(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        response = self.session.get(f"{self.base_url}{API}/tasks", params={"limit": limit, "offset": offset},
                                    timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()["items"]  # type: ignore[no-any-return]

    def complete(self, task_id: str, data: dict[str, Any]) -> requests.Response:
        return self.session.post(f"{self.base_url}{API}/tasks/{task_id}/complete", json={"data": data},
                                 timeout=TIMEOUT)

    def close(self) -> None:
        self.session.close()


def sign_in(base_url: str, username: str) -> str:
    response = requests.post(f"{base_url}{API}/auth/token", json={"username": username, "password": PASSWORD},
                             timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
