"""The load of tests/fault/test_kill_under_load.py (counters receiving, officers completing steps) with the
moment each command was acknowledged, and a counter attaching scans, for the backup tests: what was
acknowledged before a backup's snapshot or a recovery's target time must be in what is restored.

Moments are wall-clock seconds (time.time()) taken once the answer had arrived, so after the server had
committed the command: they compare with the database's own commit times (same machine) as well as with
the moment a dump was started.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from dataclasses import dataclass, field

import requests

from tests.api.sample_files import pdf
from tests.fault._server import API, TIMEOUT, Client
from tests.fault.test_kill_under_load import Ledger


class Stamped(dict[str, str]):
    """Ledger entries with the moment each was acknowledged."""

    def __init__(self) -> None:
        super().__init__()
        self.at: dict[str, float] = {}

    def __setitem__(self, key: str, value: str) -> None:
        self.at.setdefault(key, time.time())
        super().__setitem__(key, value)

    def between(self, start: float, end: float = float("inf")) -> dict[str, str]:
        return {key: value for key, value in self.items() if start <= self.at[key] < end}


@dataclass(frozen=True)
class Attached:
    code: str
    file_id: int
    digest: str
    at: float


@dataclass
class TimedLedger(Ledger):
    receptions: Stamped = field(default_factory=Stamped)
    completions: Stamped = field(default_factory=Stamped)
    attached: list[Attached] = field(default_factory=list)
    closed: int = 0
    """Attachments refused because the dossier had moved on (returned, or its component full)."""

    def attached_between(self, start: float, end: float = float("inf")) -> list[Attached]:
        return [a for a in self.attached if start <= a.at < end]


class Attacher:
    """The counter scanning one more component of a dossier it has just received (POST /dossiers/{code}/files),
    a new PDF each time, so that the file store grows while the database is dumped."""

    def __init__(self, url: str, token: str, ledger: TimedLedger, stopping: threading.Event):
        self.client, self.ledger, self.stopping = Client(url, token), ledger, stopping
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def join(self) -> None:
        """After `stopping` is set: the request in hand ends within its timeout."""
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the attaching thread hung"

    def _run(self) -> None:
        rng, number = random.Random(24), 0
        while not self.stopping.is_set():
            with self.ledger.lock:
                recent = list(self.ledger.receptions.values())[-5:]
            if not recent:
                self.stopping.wait(0.05)
                continue
            number, code = number + 1, rng.choice(recent)
            content = pdf(f"Bản quét {number}")
            try:
                response = self.client.session.post(f"{self.client.base_url}{API}/dossiers/{code}/files",
                                                    data={"document": "0"}, timeout=TIMEOUT,
                                                    files={"file": ("ban-quet.pdf", content, "application/pdf")})
            except requests.RequestException as error:
                self.ledger.note(unexpected=[f"attachment to {code}: {error}"])
                continue
            if response.status_code == 201:
                answer = response.json()
                if answer["digest"] != hashlib.sha256(content).hexdigest():
                    self.ledger.note(unexpected=[f"attachment to {code}: stored as {answer['digest']}"])
                    continue
                with self.ledger.lock:
                    self.ledger.attached.append(Attached(code, answer["id"], answer["digest"], time.time()))
                self.ledger.note()
            elif response.status_code in (409, 422):
                self.ledger.note(closed=1)
            else:
                self.ledger.note(unexpected=[f"attachment to {code}: {response.status_code} {response.text[:300]}"])
        self.client.close()
