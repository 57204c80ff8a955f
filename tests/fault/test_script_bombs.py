"""A script bomb published by an admin, against the real server (issue 17): a C-level CPU bomb in a script
that runs at reception, received three times at once at one centre while three other centres receive
birth registrations. The other receptions finish in their usual time, each bomb fails cleanly with a 422
problem and leaves nothing behind, and no gunicorn worker is killed or replaced."""

from __future__ import annotations

import json
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from api.settings import ROOT
from api.wiring import Wiring
from tests.conftest import PHU_XUAN, THUAN_HOA, VY_DA, birth_application
from tests.fault._consistency import all_dossiers
from tests.fault._server import API, TIMEOUT, Client, Server, sign_in

pytestmark = pytest.mark.fault

BOMB_PROCEDURE = "2.000884"  # signature certification
BOMB = "frozen = [[0] * 10**6] * 10**6 == [[0] * 10**6] * 10**6"
CENTRES = (VY_DA, THUAN_HOA, "19900")  # Vỹ Dạ, Thuận Hóa, Thuận An


def _publish_bomb(server: Server) -> None:
    """The admin inserts a script task between the start and the reception step, and publishes."""
    admin = {"Authorization": f"Bearer {sign_in(server.url, 'admin.46')}"}
    current = requests.get(f"{server.url}{API}/process-models/{BOMB_PROCEDURE}", headers=admin, timeout=TIMEOUT)
    assert current.status_code == 200, current.text
    bpmn = current.json()["bpmn"].replace(
        '<bpmn:sequenceFlow id="Flow_start_receive" sourceRef="start" targetRef="receive" />',
        '<bpmn:sequenceFlow id="Flow_start_bomb" sourceRef="start" targetRef="bomb" />'
        f'<bpmn:scriptTask id="bomb"><bpmn:script>{BOMB}</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="Flow_start_receive" sourceRef="bomb" targetRef="receive" />')
    published = requests.post(f"{server.url}{API}/process-models/{BOMB_PROCEDURE}/versions", json={"bpmn": bpmn},
                              headers=admin, timeout=TIMEOUT)
    assert published.status_code == 201, published.text


def _bomb_reception(server: Server, token: str) -> requests.Response:
    scenario = json.loads((ROOT / "processes/signature_certification/scenarios/straight.json").read_text())
    body = {"procedure_code": BOMB_PROCEDURE, "application": scenario["application"],
            "reception": scenario["steps"][0]["data"]}
    return requests.post(f"{server.url}{API}/dossiers", json=body, headers={"Authorization": f"Bearer {token}"},
                         timeout=TIMEOUT)


def _workers(server: Server) -> set[int]:
    assert server.process is not None
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    return {int(pid) for pid in children}


def _receive_for(client: Client, seconds: float, timings: list[float], failures: list[Any], name: str) -> None:
    deadline, n = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        started = time.monotonic()
        response = client.receive(birth_application(VY_DA), f"{name}-{n}")
        timings.append(time.monotonic() - started)
        if response.status_code != 201:
            failures.append((response.status_code, response.text[:200]))
        n += 1


@pytest.mark.timeout(240)
def test_a_published_bomb_fails_cleanly_while_other_centres_receive(server: Server, reader: Wiring) -> None:
    _publish_bomb(server)
    workers_before = _workers(server)
    counters = [Client(server.url, sign_in(server.url, f"reception.{centre}")) for centre in CENTRES]
    bomb_token = sign_in(server.url, f"reception.{PHU_XUAN}")
    baseline: list[float] = []
    _receive_for(counters[0], 3, baseline, [], "baseline")

    timings: list[float] = []
    failures: list[Any] = []
    bombs: list[requests.Response] = []
    others = [threading.Thread(target=_receive_for, args=(c, 6, timings, failures, f"load-{i}"))
              for i, c in enumerate(counters)]
    bombers = [threading.Thread(target=lambda: bombs.append(_bomb_reception(server, bomb_token))) for _ in range(3)]
    for thread in others:
        thread.start()
    time.sleep(0.5)
    for thread in bombers:
        thread.start()
    for thread in bombers + others:
        thread.join(timeout=120)

    assert failures == []
    assert sorted(r.status_code for r in bombs) == [422] * 3
    assert all("longer than 1 s" in r.json()["detail"] for r in bombs), [r.text[:300] for r in bombs]
    # The others went on at their usual pace: none waited for a bomb (about 1.25 s each).
    assert max(timings) < max(baseline) + 1.0, (max(timings), max(baseline))
    assert statistics.median(timings) < 3 * statistics.median(baseline) + 0.05
    assert _workers(server) == workers_before, server.log_tail()
    assert "WORKER TIMEOUT" not in server.log_tail(400)
    assert not [code for code in all_dossiers(reader) if code.startswith(PHU_XUAN)]  # the bombs left nothing
    # The centre that received the bombs receives normally afterwards.
    assert Client(server.url, bomb_token).receive(birth_application(VY_DA), "after").status_code == 201
