"""An admin moves 100 running death-registration dossiers from version 1 to a version 2 whose step `review` is
called `verify`: the plan page blocks them until the step is mapped, the check counts them, the start hands them to
the background worker, the progress page refreshes itself to 100 moved, and every dossier then finishes on v2."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from api.settings import ROOT
from engine.domain.task import TaskStatus
from engine.services import accounts, dossiers, procedure_drafts, worker
from engine.services.dossiers import Reception
from tests.e2e.conftest import PASSWORD, sign_in

DEATH = "1.000656"
PHU_XUAN = "19768"
RUNNING = 100


def _scenario() -> dict[str, Any]:
    return json.loads((ROOT / "processes" / "death_registration" / "scenarios" / "straight.json").read_text("utf-8"))


@pytest.fixture
def background_worker(app: Any) -> Iterator[None]:
    """The worker beside the server, as `flask --app api worker` runs it."""
    w, stop = app.extensions["onestop"], threading.Event()
    handlers = worker.handlers(calendar=w.calendar, catalogue=w.catalogue)
    thread = threading.Thread(target=worker.run_forever, daemon=True, kwargs={
        "uow_factory": w.uow, "handlers": handlers, "clock": w.clock, "interval_seconds": 0.2, "stop_event": stop})
    thread.start()
    yield
    stop.set()
    thread.join(30)


def _running_on_v1(app: Any) -> list[str]:
    """100 dossiers received at Phú Xuân through the service layer, each waiting at `review`."""
    w, scenario = app.extensions["onestop"], _scenario()
    counter = accounts.authenticate(w.uow(), username=f"reception.{PHU_XUAN}", password=PASSWORD)
    codes = []
    for _ in range(RUNNING):
        reception = Reception(procedure_code=DEATH, application=scenario["application"],
                              reception=scenario["steps"][0]["data"])
        dossier, _created = dossiers.receive(w.uow(), actor=counter, reception=reception, catalogue=w.catalogue,
                                             calendar=w.calendar, clock=w.clock)
        codes.append(dossier.code)
    return codes


def _publish_v2(app: Any) -> int:
    w = app.extensions["onestop"]
    admin = accounts.authenticate(w.uow(), username="admin.46", password=PASSWORD)
    bpmn = procedure_drafts.get_model(w.uow(), actor=admin, code=DEATH).bpmn
    renamed = bpmn.replace('"review"', '"verify"').replace(">review<", ">verify<")
    return procedure_drafts.publish_draft(w.uow(), actor=admin, code=DEATH, bpmn=renamed, clock=w.clock).version


def _finish_through_the_api(app: Any, codes: list[str]) -> list[str]:
    """Each dossier's remaining steps completed with POST /tasks/{id}/complete; returns their statuses."""
    w, client, steps = app.extensions["onestop"], app.test_client(), _scenario()["steps"]
    users = {"verify": f"specialist.{PHU_XUAN}", "sign": f"leader.{PHU_XUAN}", "hand_over": f"reception.{PHU_XUAN}"}
    headers = {}
    for step, username in users.items():
        token = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD}).get_json()
        headers[step] = {"Authorization": f"Bearer {token['access_token']}"}
    data = {"verify": steps[1]["data"], "sign": steps[2]["data"], "hand_over": steps[3]["data"]}
    for code in codes:
        for step in users:
            with w.uow() as uow:
                dossier = uow.dossiers.get(code)
                assert dossier is not None and dossier.id is not None
                [task] = [t for t in uow.tasks.of_dossier(dossier.id) if t.status == TaskStatus.READY]
            assert task.step == step
            done = client.post(f"/api/v1/tasks/{task.id}/complete", json={"data": data[step]}, headers=headers[step])
            assert done.status_code == 200, done.get_json()
    return [client.get(f"/api/v1/dossiers/{code}", headers=headers["hand_over"]).get_json()["dossier"]["status"]
            for code in codes]


def test_an_admin_moves_100_running_dossiers_to_version_2(app: Any, server: str, browser: Any, shots: Any,
                                                          background_worker: None) -> None:
    codes = _running_on_v1(app)
    version = _publish_v2(app)
    page = browser.new_page()
    sign_in(page, server, "admin.46")

    page.goto(f"{server}/admin/procedures")
    page.locator("tr", has=page.locator(f"code:text-is('{DEATH}')")).get_by_role(
        "link", name="Chuyển hồ sơ đang xử lý").click()
    page.wait_for_load_state()
    assert page.locator("#to option:checked").inner_text() == f"v{version}"
    shots(page, "generated-plan")
    page.get_by_role("button", name="Kiểm tra các hồ sơ đang xử lý").click()
    page.wait_for_load_state()
    assert page.locator("#summary .blocked").inner_text() == str(RUNNING)
    assert page.locator("#reasons tr[data-reason='step_unmapped']").count() == 1
    shots(page, "blocked-until-mapped")

    page.locator("select[name='step:review']").select_option("verify")
    page.get_by_role("button", name="Kiểm tra các hồ sơ đang xử lý").click()
    page.wait_for_load_state()
    assert page.locator("#summary .movable").inner_text() == str(RUNNING)
    shots(page, "all-can-move")
    page.get_by_role("button", name="Bắt đầu chuyển các hồ sơ chuyển được").click()
    page.wait_for_url("**/migrations/*")
    page.wait_for_selector("#finished", timeout=120_000)  # the page refreshes itself while the worker moves them
    assert page.locator("#progress .moved").inner_text() == str(RUNNING)
    assert page.locator("#progress .failed").inner_text() == "0"
    shots(page, "all-moved")

    statuses = _finish_through_the_api(app, codes)
    assert statuses == ["returned"] * RUNNING, statuses[:3]
    page.goto(f"{server}/dossiers/{codes[0]}")
    shots(page, "finished-on-v2")
    page.close()
