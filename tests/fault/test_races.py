"""Races over HTTP against the real server (several processes and threads): 100 steps each completed by
two officers at the same instant, exactly one wins each; and a reception sent 20 times at once with one
Idempotency-Key makes one dossier, which every answer names."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from api.wiring import Wiring
from engine.domain.dossier import EventKind
from tests.conftest import PHU_XUAN, VY_DA, birth_application
from tests.fault._consistency import all_dossiers, check_database
from tests.fault._server import Client, Server, sign_in
from tests.integration._support import STEP_DATA, history_of, load

pytestmark = pytest.mark.fault

TASKS = 100
RACES_AT_ONCE = 8  # pairs in flight together: 16 requests for the server's 8 threads
RETRIES, KEYS = 20, 3


def _together(calls: list[Any]) -> list[Any]:
    """Run the calls in threads released by one barrier; every call's result (or exception), in order."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait(timeout=30)
        try:
            results[index] = calls[index]()
        except Exception as error:  # reported in the results
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a request hung"
    return results


@pytest.mark.timeout(180)
def test_100_double_completions_exactly_one_wins_each(server: Server, reader: Wiring) -> None:
    started = time.monotonic()
    counter = Client(server.url, sign_in(server.url, f"reception.{PHU_XUAN}"))
    with ThreadPoolExecutor(4) as pool:
        received = list(pool.map(lambda i: counter.receive(birth_application(VY_DA), f"race-{i}"), range(TASKS)))
    assert [r.status_code for r in received] == [201] * TASKS
    # Two officers signed in on two devices; each request on a connection of its own.
    tokens = [sign_in(server.url, f"specialist.{VY_DA}") for _ in range(2)]
    tasks = Client(server.url, tokens[0]).ready_tasks(limit=TASKS)
    assert len(tasks) == TASKS and {t["step"] for t in tasks} == {"review"}

    def race(task: dict[str, Any]) -> tuple[Any, ...]:
        officers = [Client(server.url, token) for token in tokens]
        outcomes = _together([lambda c=c: c.complete(task["id"], STEP_DATA["review"]) for c in officers])
        for officer in officers:
            officer.close()
        return tuple(sorted(getattr(o, "status_code", repr(o)) for o in outcomes))

    with ThreadPoolExecutor(RACES_AT_ONCE) as pool:
        results = Counter(pool.map(race, tasks))
    assert results == {(200, 409): TASKS}, results
    assert Client(server.url, tokens[1]).ready_tasks(limit=TASKS) == []
    server.stop()

    stored = check_database(reader)
    assert len(stored) == TASKS
    for task in tasks:
        dossier = stored[task["dossier_code"]]
        assert task["id"] in dossier.completed_task_ids
        history = history_of(reader, dossier.dossier)
        assert [e.data["step"] for e in history if e.kind == EventKind.TASK_COMPLETED] == ["receive", "review"]
    print(f"double completions: {TASKS} tasks x 2 requests, {TASKS} won and {TASKS} refused (409); "
          f"{time.monotonic() - started:.1f}s")


@pytest.mark.timeout(120)
def test_a_reception_retried_at_once_with_one_key_makes_one_dossier(server: Server, reader: Wiring) -> None:
    token = sign_in(server.url, f"reception.{PHU_XUAN}")
    clients = [Client(server.url, token) for _ in range(RETRIES)]
    for round_ in range(KEYS):
        key = f"retried-{round_}"
        responses = _together([lambda c=c, k=key: c.receive(birth_application(VY_DA), k) for c in clients])
        statuses = Counter(getattr(r, "status_code", repr(r)) for r in responses)
        assert statuses == {201: 1, 200: RETRIES - 1}, statuses
        assert len({r.json()["code"] for r in responses}) == 1
    server.stop()

    keys = all_dossiers(reader)
    assert sorted(keys.values()) == [f"retried-{n}" for n in range(KEYS)]
    for code in keys:
        assert load(reader, code).idempotency_key == keys[code]
    check_database(reader)
