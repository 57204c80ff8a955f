"""The deployment of docs/deployment.md, built on one machine as separate hosts (tests/deploy/_hosts.py):

    client (the test) ── lb: haproxy, deploy/haproxy/onestop.cfg ──┬── app1: gunicorn ──┬── db1: PostgreSQL primary
                                                                  └── app2: gunicorn ──┤      │ streaming
                                                worker: flask worker ─────────────────┘   db2: hot standby
                                                (the apps' statistics read db2)

The file store is a folder of this machine that every host sees, standing in for the shared volume or S3
bucket a real deployment gives the application hosts. `stop()` leaves nothing running and nothing behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from api.settings import ROOT
from tests.conftest import PASSWORD
from tests.deploy._hosts import Lan
from tests.deploy._postgres import Cluster, data_folder
from tests.fault._server import UNLIMITED, wait_until_ready

HOSTS = ("lb", "app1", "app2", "worker", "db1", "db2")
APPS = ("app1", "app2")
APP_PORT = 8000
BALANCER_CONFIG = ROOT / "deploy" / "haproxy" / "onestop.cfg"
READY = "/api/v1/readyz"


class Deployment:
    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.lan = Lan(HOSTS, log_dir)
        self.folder = data_folder()
        self.primary = Cluster(self.lan, "db1", self.folder / "data")
        self.replica = Cluster(self.lan, "db2", self.folder / "data")
        self.apps: dict[str, subprocess.Popen[bytes]] = {}
        self.worker: subprocess.Popen[bytes] | None = None
        self.workers_started = 0

    @property
    def url(self) -> str:
        """The load balancer: the one address clients know."""
        return f"http://{self.lan.address('lb')}"

    def app_url(self, host: str) -> str:
        return f"http://{self.lan.address(host)}:{APP_PORT}"

    def start(self) -> None:
        """The LAN, the primary and its replica, the schema and demo accounts, both apps, the worker and the
        load balancer; returns when the balancer answers."""
        self.lan.create()
        self.primary.init_primary()
        self.primary.start()
        self.primary.query("CREATE DATABASE onestop")
        self.replica.init_standby(self.primary)
        self.replica.start()
        # Set up from the worker host, as an operator would run a release's migration: never on the replica.
        self.lan.run("worker", [sys.executable, "-m", "flask", "--app", "api", "setup-demo"], env=self.env("worker"),
                     cwd=ROOT, timeout=180)
        for host in APPS:
            self.start_app(host)
        self.start_worker()
        self.lan.spawn("lb", "haproxy", ["/usr/sbin/haproxy", "-db", "-f", str(BALANCER_CONFIG)], env={
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin"), "ONESTOP_LB_BIND": f"{self.lan.address('lb')}:80",
            **{f"ONESTOP_{host.upper()}": f"{self.lan.address(host)}:{APP_PORT}" for host in APPS}})
        self._wait_ready(self.url, "haproxy")

    def env(self, host: str) -> dict[str, str]:
        """One environment for every application host (production: /etc/onestop/onestop.env, made from
        deploy/onestop.env.example), with the host's own metrics folder."""
        return {**os.environ, "ONESTOP_DATABASE_URL": self.primary.url(),
                "ONESTOP_STATS_DATABASE_URL": self.replica.url(), "ONESTOP_SECRET_KEY": "multi-host-test-secret",
                "ONESTOP_PROXY_COUNT": "1", "FORWARDED_ALLOW_IPS": self.lan.address("lb"),
                "ONESTOP_FILE_STORE": f"file://{self.folder / 'files'}",
                "ONESTOP_SIGNING": f"demo:{self.folder / 'signing'}", "ONESTOP_DEMO_PASSWORD": PASSWORD,
                "ONESTOP_SIGN_IN_RATE_LIMIT": UNLIMITED, "ONESTOP_PUBLIC_RATE_LIMIT": UNLIMITED,
                "PROMETHEUS_MULTIPROC_DIR": str(self.folder / f"metrics-{host}"), "PYTHONUNBUFFERED": "1"}

    def start_app(self, host: str) -> None:
        self.apps[host] = self.lan.spawn(host, f"gunicorn-{host}", [
            sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
            "--bind", f"{self.lan.address(host)}:{APP_PORT}", "api:create_app()"], env=self.env(host), cwd=ROOT)
        self._wait_ready(self.app_url(host), f"gunicorn-{host}", self.apps[host])

    def start_worker(self) -> None:
        self.workers_started += 1
        self.worker = self.lan.spawn("worker", f"worker-{self.workers_started}", [
            sys.executable, "-m", "flask", "--app", "api", "worker", "--interval", "1"], env=self.env("worker"),
            cwd=ROOT)

    def _wait_ready(self, url: str, log: str, process: subprocess.Popen[bytes] | None = None,
                    timeout: float = 90) -> None:
        outcome = wait_until_ready(f"{url}{READY}", process, timeout)
        if outcome == "exited":
            raise RuntimeError(f"{log} exited at start:\n{self.lan.log_tail(log)}")
        if outcome == "timeout":
            raise RuntimeError(f"{url} was not ready within {timeout:g}s:\n{self.lan.log_tail(log)}")

    def stop(self) -> None:
        """Everything stopped and removed, whatever state the run stopped in; the logs stay in `log_dir`."""
        try:
            for process in [*self.apps.values(), self.worker]:
                if process is not None and process.poll() is None:
                    Lan.signal(process)
            for cluster in (self.replica, self.primary):
                cluster.stop()
        finally:
            self.lan.destroy()
            shutil.rmtree(self.folder, ignore_errors=True)
