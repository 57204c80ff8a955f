"""The script sandbox against a real database: a script that runs away at run time, or an escape forced
into a stored procedure version past validation, fails its own command cleanly and quickly, and every
other dossier keeps working."""

from __future__ import annotations

from dataclasses import replace
from time import monotonic

import pytest

from api.wiring import Wiring
from engine.domain.errors import ProcedureDefinitionError
from engine.services import procedure_drafts
from engine.workflow import WorkflowError
from tests.conftest import PHU_XUAN, Clock
from tests.integration._support import (
    BIRTH,
    Actors,
    complete_step,
    completions,
    drive_to_end,
    load,
    ready_task,
    receive,
    row_counts,
)

SCRIPT = """certificate = {
    "child_full_name": application["child"]["full_name"],
    "date_of_birth": application["child"]["date_of_birth"],
    "register_entry": f"{register_book}/{register_number}",
}"""
# Passes validation: how long it runs depends on the register number the officer enters (57: 3.2e7 steps).
RUNAWAY = "n = register_number * 100\ntotal = 0\nfor a in range(n):\n    for b in range(n):\n        total = total + 1"
ESCAPE = "classes = ().__class__.__bases__[0].__subclasses__()"


def _birth_bpmn(wiring: Wiring, script: str) -> str:
    with wiring.uow() as uow:
        latest = uow.procedures.get(uow.procedures.latest_id(BIRTH) or 0)
    assert latest is not None and SCRIPT in latest.bpmn
    return latest.bpmn.replace(SCRIPT, script)


def test_a_script_running_away_at_run_time_fails_its_step_only(wiring: Wiring, clock: Clock) -> None:
    actors = Actors(wiring)
    earlier = receive(wiring, actors(f"reception.{PHU_XUAN}"))  # on version 1
    procedure_drafts.publish_draft(wiring.uow(), actor=actors("admin.46"), code=BIRTH,
                                   bpmn=_birth_bpmn(wiring, RUNAWAY), clock=clock)
    dossier = receive(wiring, actors(f"reception.{PHU_XUAN}"))  # on version 2
    review = ready_task(wiring, dossier, "review")

    started = monotonic()
    with pytest.raises(WorkflowError, match="longer than"):
        complete_step(wiring, actors, dossier, "review")
    assert monotonic() - started < 5

    assert ready_task(wiring, dossier, "review").id == review.id  # rolled back: the step can be retried
    assert completions(wiring, dossier, "review") == []
    finished = drive_to_end(wiring, actors, load(wiring, earlier.code))
    assert completions(wiring, finished, "hand_over")


def test_an_escape_forced_into_a_stored_version_stops_at_loading(wiring: Wiring, clock: Clock) -> None:
    actors = Actors(wiring)
    earlier = receive(wiring, actors(f"reception.{PHU_XUAN}"))
    bpmn = _birth_bpmn(wiring, ESCAPE)
    with wiring.uow() as uow:
        latest = uow.procedures.get(uow.procedures.latest_id(BIRTH) or 0)
        assert latest is not None
        # Straight into the table: no validation, as if the row had been written by hand.
        uow.procedures.add(replace(latest, id=None, version=2, bpmn=bpmn, checksum=""), published_at=clock())
        uow.commit()
    counts = row_counts(wiring)

    with pytest.raises(ProcedureDefinitionError, match=r"prepare_certificate.*__subclasses__"):
        receive(wiring, actors(f"reception.{PHU_XUAN}"))

    assert row_counts(wiring) == counts
    finished = drive_to_end(wiring, actors, load(wiring, earlier.code))
    assert completions(wiring, finished, "hand_over")
