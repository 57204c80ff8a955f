"""Helpers for the integration tests: sign in, receive a birth-registration dossier, find and
complete its steps, and count rows straight from the tables (no Flask anywhere)."""

from __future__ import annotations

import inspect
import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from api.settings import ROOT
from api.wiring import Wiring
from engine.adapters.records import DossierRecord, HistoryEventRecord, TaskRecord
from engine.domain.actor import Actor
from engine.domain.dossier import Dossier, EventKind, HistoryEvent
from engine.domain.rating import SatisfactionLevel
from engine.domain.task import Task, TaskStatus
from engine.services import accounts, dossiers, intake, lifecycle, ratings, tasks
from engine.services.dossiers import Reception
from engine.services.intake import Handing
from tests.conftest import PASSWORD, PHU_XUAN, VY_DA, Clock, birth_application

BIRTH = "1.001193"

# Form data for each human step after reception, and who does it when the dossier is received at
# Phú Xuân for a family living in Vỹ Dạ (the competent commune).
STEP_DATA: dict[str, dict[str, Any]] = {
    "review": {"register_book": "01/2025", "register_number": 57},
    "sign": {"decision": "approved"},
    "hand_over": {"collected_by": "Nguyễn Văn An"},
}
STEP_USER = {"review": f"specialist.{VY_DA}", "sign": f"leader.{VY_DA}", "hand_over": f"reception.{PHU_XUAN}"}


class Actors:
    """Signs in once per username (scrypt is slow) and remembers the actor."""

    def __init__(self, wiring: Wiring):
        self._wiring = wiring
        self._known: dict[str, Actor] = {}

    def __call__(self, username: str) -> Actor:
        if username not in self._known:
            self._known[username] = accounts.authenticate(self._wiring.uow(), username=username, password=PASSWORD)
        return self._known[username]


def deps(wiring: Wiring) -> dict[str, Any]:
    """The catalogue, the calendar and the clock: for the commands that use all three (reception, a step,
    the slips); the others are given what they use by name."""
    return {"catalogue": wiring.catalogue, "calendar": wiring.calendar, "clock": wiring.clock}


def receive(wiring: Wiring, actor: Actor, application: dict[str, Any] | None = None) -> Dossier:
    reception = Reception(procedure_code=BIRTH, application=application or birth_application(VY_DA))
    dossier, created = dossiers.receive(wiring.uow(), actor=actor, reception=reception, **deps(wiring))
    assert created
    return dossier


def receive_group(wiring: Wiring, actors: Actors) -> Dossier:
    """The birth group's straight scenario (3 working days), received at Phú Xuân."""
    scenario = json.loads((ROOT / "processes" / "birth_group" / "scenarios" / "straight.json").read_text("utf-8"))
    reception = Reception(procedure_code="3.000722", application=scenario["application"],
                          reception=scenario["steps"][0]["data"])
    dossier, _ = dossiers.receive(wiring.uow(), actor=actors(f"reception.{PHU_XUAN}"), reception=reception,
                                  **deps(wiring))
    return dossier


def load(wiring: Wiring, code: str) -> Dossier:
    with wiring.uow() as uow:
        dossier = uow.dossiers.get(code)
    assert dossier is not None
    return dossier


def tasks_of(wiring: Wiring, dossier: Dossier) -> list[Task]:
    assert dossier.id is not None
    with wiring.uow() as uow:
        return list(uow.tasks.of_dossier(dossier.id))


def history_of(wiring: Wiring, dossier: Dossier) -> list[HistoryEvent]:
    assert dossier.id is not None
    with wiring.uow() as uow:
        return list(uow.history.of_dossier(dossier.id))


def completions(wiring: Wiring, dossier: Dossier, step: str) -> list[HistoryEvent]:
    return [e for e in history_of(wiring, dossier)
            if e.kind == EventKind.TASK_COMPLETED and e.data.get("step") == step]


def ready_task(wiring: Wiring, dossier: Dossier, step: str) -> Task:
    ready = [t for t in tasks_of(wiring, dossier) if t.step == step and t.status == TaskStatus.READY]
    assert len(ready) == 1, f"expected one ready {step} task, got {ready}"
    return ready[0]


def complete_step(wiring: Wiring, actors: Actors, dossier: Dossier, step: str) -> Dossier:
    task = ready_task(wiring, dossier, step)
    return tasks.complete(wiring.uow(), actor=actors(STEP_USER[step]), task_id=task.id, data=STEP_DATA[step],
                          **deps(wiring))


def drive_to_end(wiring: Wiring, actors: Actors, dossier: Dossier) -> Dossier:
    """Complete whatever human steps remain, in order, and return the finished dossier."""
    for step in STEP_DATA:
        if any(t.step == step and t.status == TaskStatus.READY for t in tasks_of(wiring, dossier)):
            dossier = complete_step(wiring, actors, dossier, step)
    return dossier


def row_counts(wiring: Wiring) -> dict[str, int]:
    with wiring.uow() as uow:
        session = uow._session
        assert session is not None
        return {record.__tablename__: session.scalar(select(func.count()).select_from(record)) or 0
                for record in (DossierRecord, TaskRecord, HistoryEventRecord)}


def run_together(calls: list[Callable[[], Any]], *, timeout: float = 60) -> list[tuple[str, Any]]:
    """Run each call in its own thread, released together by a barrier. Returns ("ok", result) or
    ("error", exception) per call, in order; never lets an exception escape a thread."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[tuple[str, Any]] = [("missing", None)] * len(calls)

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=timeout)
            outcomes[index] = ("ok", call())
        except BaseException as error:  # reported to the test thread below
            outcomes[index] = ("error", error)

    threads = [threading.Thread(target=worker, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a worker thread hung (deadlock?)"
    return outcomes


class Story:
    """Moves the clock and acts as the officer each step needs."""

    def __init__(self, wiring: Wiring, clock: Clock):
        self.wiring, self.clock, self.actors = wiring, clock, Actors(wiring)

    def receive(self, when: datetime, centre: str = PHU_XUAN, residence: str = VY_DA) -> Dossier:
        self.clock.now = when
        return receive(self.wiring, self.actors(f"reception.{centre}"), birth_application(residence))

    def resolve(self, dossier: Dossier, when: datetime, *, handler: str = VY_DA) -> None:
        self.clock.now = when
        for step, user in (("review", f"specialist.{handler}"), ("sign", f"leader.{handler}")):
            complete_step(self.wiring, _By(self.actors, user), dossier, step)

    def hand_over(self, dossier: Dossier, when: datetime) -> None:
        self.clock.now = when
        complete_step(self.wiring, _By(self.actors, f"reception.{dossier.return_unit_id}"), dossier, "hand_over")

    def rate(self, dossier: Dossier, when: datetime, level: SatisfactionLevel) -> None:
        self.clock.now = when
        ratings.rate(self.wiring.uow(), code=dossier.code, secret=dossier.secret, level=level, clock=self.clock)

    def refuse_reception(self, when: datetime, centre: str = PHU_XUAN) -> None:
        self.clock.now = when
        handing = Handing(centre, BIRTH, birth_application(VY_DA))
        intake.decide_at_counter(self.wiring.uow(), actor=self.actors(f"reception.{centre}"),
                                 catalogue=self.wiring.catalogue, clock=self.clock, handing=handing,
                                 key=f"refused-{when:%d%H%M}", reasons="Không thuộc thẩm quyền", items=None)

    def act(self, action: str, dossier: Dossier, when: datetime, user: str, **kwargs: object) -> None:
        self.clock.now = when
        command = getattr(lifecycle, action)
        # Each command takes only the dependencies it uses.
        given = {k: v for k, v in deps(self.wiring).items() if k in inspect.signature(command).parameters}
        command(self.wiring.uow(), actor=self.actors(user), code=dossier.code, **given, **kwargs)


class _By:
    """An Actors look-alike that always answers with one officer (for a dossier handled elsewhere)."""

    def __init__(self, actors: Actors, username: str):
        self._actors, self._username = actors, username

    def __call__(self, _username: str) -> object:
        return self._actors(self._username)
