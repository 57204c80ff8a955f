"""kill -9 under load: counters receive dossiers and officers complete steps over HTTP while the server is
killed (SIGKILL to every process) at random moments and restarted. Nothing acknowledged is lost, nothing
is half-applied, and a reception retried with its Idempotency-Key after the crash makes one dossier."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from api.wiring import Wiring
from tests.conftest import PHU_XUAN, VY_DA, birth_application
from tests.fault._consistency import all_dossiers, check_database
from tests.fault._server import Client, LoadThreads, Server, sign_in
from tests.integration._support import STEP_DATA

pytestmark = pytest.mark.fault

KILLS = 3
LOAD_SECONDS = (1.5, 3.0)  # how long the load runs before each kill, drawn per round
MIN_ACKNOWLEDGED = 3  # and at least this many commands acknowledged in the round (a slow machine waits longer)
RECEIVERS = 2
COMPLETERS = (f"specialist.{VY_DA}", f"specialist.{VY_DA}", f"leader.{VY_DA}", f"reception.{PHU_XUAN}")


@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged (2xx), shared by the load threads."""

    requests: int = 0
    receptions: dict[str, str] = field(default_factory=dict)
    """Idempotency-Key → code, for each acknowledged reception."""
    doubtful: set[str] = field(default_factory=set)
    """Keys of receptions cut by the kill: committed or not, nobody knows."""
    completions: dict[str, str] = field(default_factory=dict)
    """Task id → dossier code, for each acknowledged completion."""
    lost_races: int = 0
    cut: int = 0
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def acknowledged(self) -> int:
        return len(self.receptions) + len(self.completions)

    def note(self, **changes: Any) -> None:
        with self.lock:
            self.requests += 1
            for name, value in changes.items():
                setattr(self, name, getattr(self, name) + value)


class Load(LoadThreads):
    """Receivers and completers in threads, until `stop()`; each request bounded by a timeout."""

    def __init__(self, url: str, tokens: dict[str, str], ledger: Ledger, round_: int, rng: random.Random):
        super().__init__()
        self.ledger, self.round = ledger, round_
        self.threads += [threading.Thread(target=self._receive, args=(Client(url, tokens[f"reception.{PHU_XUAN}"]), i),
                                         daemon=True) for i in range(RECEIVERS)]
        self.threads += [threading.Thread(target=self._complete, args=(Client(url, tokens[user]),
                                                                       random.Random(rng.random())), daemon=True)
                         for user in COMPLETERS]

    def _receive(self, client: Client, number: int) -> None:
        sequence = 0
        while not self.stopping.is_set():
            sequence += 1
            key = f"fault-{self.round}-{number}-{sequence}"
            try:
                response = client.receive(birth_application(VY_DA), key)
            except requests.RequestException:
                with self.ledger.lock:
                    self.ledger.doubtful.add(key)
                self.ledger.note(cut=1)
                self.stopping.wait(0.05)
                continue
            if response.status_code in (200, 201):
                with self.ledger.lock:
                    self.ledger.receptions[key] = response.json()["code"]
                self.ledger.note()
            else:
                self.ledger.note(unexpected=[f"reception {key}: {response.status_code} {response.text[:300]}"])
        client.close()

    def _complete(self, client: Client, rng: random.Random) -> None:
        while not self.stopping.is_set():
            try:
                ready = client.ready_tasks(limit=20)
                self.ledger.note()
                if not ready:
                    self.stopping.wait(0.05)
                    continue
                task = rng.choice(ready)
                response = client.complete(task["id"], STEP_DATA[task["step"]])
            except requests.RequestException:
                self.ledger.note(cut=1)
                self.stopping.wait(0.05)
                continue
            if response.status_code == 200:
                with self.ledger.lock:
                    self.ledger.completions[task["id"]] = task["dossier_code"]
                self.ledger.note()
            elif response.status_code == 409:  # another thread completed it first
                self.ledger.note(lost_races=1)
            else:
                self.ledger.note(unexpected=[f"completion {task['id']}: {response.status_code} {response.text[:300]}"])
        client.close()


def _retry_doubtful(server: Server, token: str, ledger: Ledger) -> tuple[dict[str, str], int]:
    """After the restart, each reception cut by a kill is sent again with its key: 201 if it had been
    lost, 200 with the dossier if it had committed; never a second dossier. Returns the codes by key and
    how many had committed."""
    client, codes, committed = Client(server.url, token), {}, 0
    for key in sorted(ledger.doubtful):
        response = client.receive(birth_application(VY_DA), key)
        assert response.status_code in (200, 201), response.text
        codes[key], committed = response.json()["code"], committed + (response.status_code == 200)
    client.close()
    return codes, committed


@pytest.mark.timeout(240)
def test_kill_9_under_load_loses_nothing_acknowledged(server: Server, reader: Wiring) -> None:
    started, rng, ledger = time.monotonic(), random.Random(20250714), Ledger()
    tokens = {user: sign_in(server.url, user) for user in {f"reception.{PHU_XUAN}", *COMPLETERS}}
    for round_ in range(KILLS):
        load = Load(server.url, tokens, ledger, round_, rng)
        before, deadline = ledger.acknowledged, time.monotonic() + rng.uniform(*LOAD_SECONDS)
        load.start()
        while time.monotonic() < deadline or (ledger.acknowledged < before + MIN_ACKNOWLEDGED
                                              and time.monotonic() < deadline + 20):
            time.sleep(0.02)
        server.kill()
        load.stop()
        server.start()  # the tokens stay valid: they are kept in the database
    assert ledger.unexpected == [], ledger.unexpected[:5]
    assert ledger.acknowledged >= KILLS * MIN_ACKNOWLEDGED and ledger.completions, "the load did not get through"
    retried, committed = _retry_doubtful(server, tokens[f"reception.{PHU_XUAN}"], ledger)
    # The restarted server goes on working: a new dossier, and its first step done.
    fresh = Client(server.url, tokens[f"reception.{PHU_XUAN}"]).receive(birth_application(VY_DA), "after-restart")
    assert fresh.status_code == 201, fresh.text
    ledger.receptions["after-restart"] = fresh.json()["code"]
    specialist = Client(server.url, tokens[f"specialist.{VY_DA}"])
    # The inbox may hold more than a page of the load's steps, and the newest comes last: page through it.
    task = next(t for offset in range(0, 10_000, 100) for t in specialist.ready_tasks(offset=offset)
                if t["dossier_code"] == fresh.json()["code"])
    assert specialist.complete(task["id"], STEP_DATA[task["step"]]).status_code == 200
    ledger.completions[task["id"]] = task["dossier_code"]
    server.stop()

    stored = check_database(reader)
    keys = all_dossiers(reader)
    assert Counter(keys.values()) == Counter(set(ledger.receptions) | ledger.doubtful), (
        "each key sent makes exactly one dossier, and no dossier comes from anywhere else")
    assert {keys[code]: code for code in keys} == {**ledger.receptions, **retried}
    for task_id, code in ledger.completions.items():
        assert task_id in stored[code].completed_task_ids, f"acknowledged completion of {task_id} ({code}) lost"
    print(f"kill -9 x{KILLS}: {ledger.requests} requests, {len(ledger.receptions)} receptions and "
          f"{len(ledger.completions)} completions acknowledged, {ledger.cut} cut by the kills "
          f"({len(ledger.doubtful)} receptions retried, {committed} of them had committed unacknowledged), "
          f"{ledger.lost_races} lost races; {len(stored)} dossiers consistent; "
          f"{time.monotonic() - started:.1f}s")
