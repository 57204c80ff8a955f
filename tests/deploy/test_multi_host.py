"""More than one machine (docs/deployment.md): a load balancer, two application hosts, a worker host, a
PostgreSQL primary and a streaming replica that the statistics read, each a network namespace of its own
(tests/deploy/_deployment.py). Under load through the balancer, one application host and the worker die
(SIGKILL to every process, as a host losing power); the load goes on against the other host.

Then every acknowledged reception and completion is in the primary and every dossier is whole
(tests/fault/_consistency.py); nothing was promoted (the replica is still a standby, the primary a primary);
and the figures the apps read from the replica converge to those computed on the primary. The figures of
the run (requests served and failed while a host was down, replica lag, time to converge) are printed:
run with `-s` to see them.

Needs root, iproute2, Debian's haproxy and PostgreSQL's server binaries; skipped without them unless
ONESTOP_REQUIRE_DEPLOY is set (CI sets it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import random
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from api import create_app
from api.wiring import build
from engine.domain.calendar import VN_TZ
from tests.conftest import PHU_XUAN, VY_DA, birth_application, make_settings
from tests.deploy._deployment import Deployment
from tests.deploy._postgres import Lag, binaries
from tests.fault._consistency import all_dossiers, check_database
from tests.fault._server import API, TIMEOUT, Client, LoadThreads, sign_in
from tests.integration._support import STEP_DATA

pytestmark = pytest.mark.fault

LOAD_BEFORE_KILL = 4.0  # seconds of load on both application hosts
ALONE = 5.0  # seconds of load on the surviving host after the kill
MIN_ACKNOWLEDGED = 5  # commands acknowledged in each phase at least (a slow machine waits longer, bounded)
CONVERGE_WITHIN = 30.0  # seconds the replica's figures may take to equal the primary's
RECEIVERS = 2
COMPLETERS = (f"specialist.{VY_DA}", f"leader.{VY_DA}", f"reception.{PHU_XUAN}")
SUPERVISOR = "supervisor.46"
GONE = (502, 503, 504)  # the balancer's answers when the app a request went to died, or none is up


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "network namespaces need root"
    for tool in ("ip", "haproxy", "runuser"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if binaries() is None:
        return "PostgreSQL's server binaries are not installed"
    return None


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    reason = _missing()
    if reason:
        if os.environ.get("ONESTOP_REQUIRE_DEPLOY"):
            pytest.fail(f"ONESTOP_REQUIRE_DEPLOY is set but {reason}")
        pytest.skip(reason)
    built = Deployment(tmp_path)
    for name in ("no_proxy", "NO_PROXY"):  # the hosts are on this machine's own LAN, never behind a proxy
        monkeypatch.setenv(name, ",".join(filter(None, (os.environ.get(name), str(built.lan.subnet)))))
    try:
        built.start()
        yield built
    finally:
        built.stop()


@dataclass
class Ledger:
    """Every request the clients sent, when and how it ended, and what was acknowledged (2xx)."""

    outcomes: list[tuple[float, bool]] = field(default_factory=list)
    """(when it ended, whether it was served): not served is the balancer's 502/503/504 or no answer."""
    receptions: dict[str, str] = field(default_factory=dict)
    """Idempotency-Key → code, for each acknowledged reception."""
    doubtful: set[str] = field(default_factory=set)
    """Keys of receptions never acknowledged (cut, and the load stopped before a retry got through)."""
    completions: dict[str, str] = field(default_factory=dict)
    """Task id → dossier code, for each acknowledged completion."""
    failures: Counter[str] = field(default_factory=Counter)
    """Requests not served, by the balancer's status or the client's error."""
    resent: Counter[int] = field(default_factory=Counter)
    """Receptions acknowledged only when sent again with their key, by the status of that answer: 200 if
    the cut attempt had committed, 201 if it had not."""
    lost_races: int = 0
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def acknowledged(self) -> int:
        return len(self.receptions) + len(self.completions)

    def sent(self, response: requests.Response | None, error: str = "") -> requests.Response | None:
        """Record one request's end; None (and recorded as not served) if the balancer or the network failed it."""
        served = response is not None and response.status_code not in GONE
        with self.lock:
            self.outcomes.append((time.monotonic(), served))
            if not served:
                self.failures[error or str(response.status_code if response is not None else "")] += 1
        return response if served else None

    def between(self, start: float, end: float) -> tuple[int, int]:
        """Requests served and not served that ended from `start` to `end`."""
        with self.lock:
            window = [served for at, served in self.outcomes if start <= at < end]
        return sum(window), len(window) - sum(window)


def _call(ledger: Ledger, send: Any, *args: Any) -> requests.Response | None:
    try:
        return ledger.sent(send(*args))
    except requests.RequestException as error:
        return ledger.sent(None, type(error).__name__)


class Load(LoadThreads):
    """Counters receiving (each reception sent again with its key until acknowledged, as a counter would),
    officers completing steps from their inboxes, a supervisor reading the figures; until `stop()`."""

    def __init__(self, url: str, tokens: dict[str, str], ledger: Ledger):
        super().__init__()
        self.url, self.ledger = url, ledger
        self.threads += [threading.Thread(target=self._receive, args=(Client(url, tokens[f"reception.{PHU_XUAN}"]), n))
                        for n in range(RECEIVERS)]
        self.threads += [threading.Thread(target=self._complete, args=(Client(url, tokens[user]), random.Random(n)))
                         for n, user in enumerate(COMPLETERS)]
        self.threads.append(threading.Thread(target=self._read_figures, args=(Client(url, tokens[SUPERVISOR]),)))

    def _receive(self, client: Client, number: int) -> None:
        sequence = 0
        while not self.stopping.is_set():
            sequence += 1
            key, attempts = f"multi-host-{number}-{sequence}", 0
            while True:
                attempts += 1
                response = _call(self.ledger, client.receive, birth_application(VY_DA), key)
                if response is not None:
                    with self.ledger.lock:
                        if response.status_code in (200, 201):
                            self.ledger.receptions[key] = response.json()["code"]
                            self.ledger.resent[response.status_code] += attempts > 1
                        else:
                            self.ledger.unexpected.append(f"reception {key}: {response.status_code}")
                    break
                if self.stopping.wait(0.1):
                    with self.ledger.lock:
                        self.ledger.doubtful.add(key)
                    break
        client.close()

    def _complete(self, client: Client, rng: random.Random) -> None:
        while not self.stopping.is_set():
            inbox = _call(self.ledger, self._inbox, client)
            ready = inbox.json()["items"] if inbox is not None and inbox.status_code == 200 else []
            if not ready:
                self.stopping.wait(0.1)
                continue
            task = rng.choice(ready)
            response = _call(self.ledger, client.complete, task["id"], STEP_DATA[task["step"]])
            with self.ledger.lock:
                if response is None:
                    pass  # cut: committed or not, the next look at the inbox tells
                elif response.status_code == 200:
                    self.ledger.completions[task["id"]] = task["dossier_code"]
                elif response.status_code == 409:  # another officer, or the cut attempt, completed it first
                    self.ledger.lost_races += 1
                else:
                    self.ledger.unexpected.append(f"completion {task['id']}: {response.status_code}")
        client.close()

    def _inbox(self, client: Client) -> requests.Response:
        return client.session.get(f"{self.url}{API}/tasks", params={"limit": 20}, timeout=TIMEOUT)

    def _figures(self, client: Client) -> requests.Response:
        return client.session.get(f"{self.url}{API}/stats/centres", params=_figures_query(), timeout=TIMEOUT)

    def _read_figures(self, client: Client) -> None:
        while not self.stopping.is_set():
            response = _call(self.ledger, self._figures, client)
            if response is not None and response.status_code != 200:
                with self.ledger.lock:
                    self.ledger.unexpected.append(f"figures: {response.status_code}")
            self.stopping.wait(0.2)
        client.close()


class LagWatch:
    """Samples, on the primary, how far the replica is behind, while the `with` block runs."""

    def __init__(self, deployment: Deployment):
        self.deployment, self.samples, self.stopping = deployment, list[Lag](), threading.Event()
        self.thread = threading.Thread(target=self._watch)

    def __enter__(self) -> LagWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)

    def _watch(self) -> None:
        while not self.stopping.wait(0.25):
            with contextlib.suppress(psycopg.Error):  # a sample missed, not a failure of the deployment
                lag = self.deployment.primary.replica_lag()
                if lag is not None:
                    self.samples.append(lag)


def _wait_acknowledged(ledger: Ledger, seconds: float) -> None:
    """Load for `seconds`, and on until MIN_ACKNOWLEDGED more commands were acknowledged (at most 30 s more)."""
    before, deadline = ledger.acknowledged, time.monotonic() + seconds
    while time.monotonic() < deadline or (ledger.acknowledged < before + MIN_ACKNOWLEDGED
                                          and time.monotonic() < deadline + 30):
        time.sleep(0.05)


def _figures_query() -> dict[str, str]:
    today = datetime.now(VN_TZ).date().isoformat()
    return {"unit": "46", "from": today, "to": today}


def _without_moment(figures: dict[str, Any]) -> dict[str, Any]:
    """The report but the moment it was judged at (each read judges at its own now)."""
    return {name: value for name, value in figures.items() if name != "as_of"}


@pytest.mark.timeout(300)
def test_a_host_and_the_worker_die_under_load_and_nothing_acknowledged_is_lost(deployment: Deployment) -> None:
    started, ledger = time.monotonic(), Ledger()
    users = {f"reception.{PHU_XUAN}", *COMPLETERS, SUPERVISOR}
    tokens = {user: sign_in(deployment.url, user) for user in users}
    replica_reads_before = _transactions(deployment)
    load = Load(deployment.url, tokens, ledger)
    with LagWatch(deployment) as lag:
        load.start()
        try:
            _wait_acknowledged(ledger, LOAD_BEFORE_KILL)
            killed_at = time.monotonic()
            deployment.lan.signal(deployment.apps["app1"])  # master and workers at once
            assert deployment.worker is not None
            deployment.lan.signal(deployment.worker)
            _wait_acknowledged(ledger, ALONE)
            alone_until = time.monotonic()
            deployment.start_worker()  # the worker host back: the jobs table holds what was due
        finally:
            load.stop()
    assert ledger.unexpected == [], ledger.unexpected[:5]
    served, failed = ledger.between(killed_at, alone_until)
    assert served > 0, "the surviving host served nothing"

    # Each reception never acknowledged, sent again with its key: one dossier whether it had committed or not.
    counter = Client(deployment.url, tokens[f"reception.{PHU_XUAN}"])
    for key in sorted(ledger.doubtful):
        response = counter.receive(birth_application(VY_DA), key)
        assert response.status_code in (200, 201), response.text
        ledger.receptions[key] = response.json()["code"]
    # The figures the apps read on the replica catch up with the primary's (measured from here).
    converged_in = _converge(deployment, tokens[SUPERVISOR])

    reader = build(make_settings(deployment.primary.url()))
    try:
        stored = check_database(reader)
        keys = all_dossiers(reader)
    finally:
        reader.engine.dispose()
    assert {key: code for code, key in keys.items()} == ledger.receptions, (
        "each reception sent makes exactly one dossier, and no dossier comes from anywhere else")
    lost = [task_id for task_id, code in ledger.completions.items() if task_id not in stored[code].completed_task_ids]
    assert lost == [], f"acknowledged completions lost: {lost}"

    # Nothing promoted: the replica still follows the primary.
    assert deployment.replica.in_recovery() and not deployment.primary.in_recovery()
    final_lag = deployment.primary.replica_lag()
    assert final_lag is not None and final_lag.state == "streaming", final_lag

    assert _transactions(deployment) > replica_reads_before, "the figures were not read from the replica"
    assert deployment.worker is not None and deployment.worker.poll() is None, (
        f"the restarted worker stopped:\n{deployment.lan.log_tail(f'worker-{deployment.workers_started}')}")
    worst_bytes = max((s.behind_bytes for s in lag.samples), default=0)
    worst_seconds = max((s.replay_lag for s in lag.samples), default=0.0)
    print(f"\nmulti-host: {len(ledger.outcomes)} requests through the balancer; while app1 and the worker were down "
          f"({alone_until - killed_at:.1f}s) {served} served and {failed} failed {dict(ledger.failures)}; "
          f"{len(ledger.receptions)} receptions (sent again with their key: {sum(ledger.resent.values())} during the "
          f"load, {ledger.resent[200]} of them had committed; {len(ledger.doubtful)} after it) and "
          f"{len(ledger.completions)} completions acknowledged, 0 lost; {ledger.lost_races} lost races; "
          f"replica lag at most {worst_bytes} bytes and {worst_seconds * 1000:.0f} ms replay "
          f"({len(lag.samples)} samples); replica figures equal the primary's {converged_in:.2f}s after the load; "
          f"{len(stored)} dossiers consistent; {time.monotonic() - started:.1f}s")


def _transactions(deployment: Deployment) -> int:
    """Transactions the replica has run on the application's database (only the apps connect to it there)."""
    rows = deployment.replica.query("SELECT xact_commit + xact_rollback FROM pg_stat_database"
                                    " WHERE datname = 'onestop'")
    return int(rows[0][0] or 0) if rows else 0


def _converge(deployment: Deployment, token: str) -> float:
    """Poll the figures the apps serve (read on the replica) until they equal those computed in this process on
    the primary; the seconds it took."""
    settings = dataclasses.replace(make_settings(deployment.primary.url()), stats_database_url="")
    on_primary = create_app({"TESTING": True, "SETTINGS": settings})
    headers = {"Authorization": f"Bearer {token}"}
    start, deadline = time.monotonic(), time.monotonic() + CONVERGE_WITHIN
    try:
        while True:
            served = requests.get(f"{deployment.url}{API}/stats/centres", params=_figures_query(), headers=headers,
                                  timeout=TIMEOUT)
            expected = on_primary.test_client().get(f"{API}/stats/centres", query_string=_figures_query(),
                                                     headers=headers)
            assert served.status_code == 200 and expected.status_code == 200, (served.text, expected.get_data())
            if _without_moment(served.json()) == _without_moment(expected.get_json()):
                return time.monotonic() - start
            assert time.monotonic() < deadline, "the replica's figures did not converge to the primary's"
            time.sleep(0.2)
    finally:
        on_primary.extensions["onestop"].engine.dispose()
