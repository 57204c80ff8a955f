"""Publishing procedure versions against a real database: a version number taken meanwhile is a conflict,
and two admins publishing at once never get two rows with the same version number."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

import pytest

from api.wiring import Wiring
from engine.domain.errors import ConflictError
from engine.services import procedure_drafts
from tests.conftest import Clock
from tests.integration._support import BIRTH, Actors, run_together


def _stored_versions(wiring: Wiring) -> list[int]:
    with wiring.uow() as uow:
        return [row[2] for row in uow.procedures.versions(BIRTH)]


def test_a_version_number_taken_meanwhile_is_a_conflict(wiring: Wiring, clock: Clock) -> None:
    with wiring.uow() as uow:
        latest = uow.procedures.get(uow.procedures.latest_id(BIRTH) or 0)
    assert latest is not None
    first, second = (replace(latest, id=None, version=2, bpmn=latest.bpmn + end, checksum="") for end in "\n ")
    with wiring.uow() as uow:
        uow.procedures.add(first, published_at=clock())
        uow.commit()

    with wiring.uow() as uow, pytest.raises(ConflictError, match="published by someone else"):
        uow.procedures.add(second, published_at=clock())

    assert _stored_versions(wiring) == [1, 2]


def test_two_admins_publishing_at_once_never_share_a_version_number(wiring: Wiring, clock: Clock) -> None:
    admin = Actors(wiring)("admin.46")
    bpmn = procedure_drafts.get_model(wiring.uow(), actor=admin, code=BIRTH).bpmn
    barrier = threading.Barrier(2)

    def clock_once_both_have_read() -> datetime:
        # publish_draft reads the clock after loading the latest version and before writing, so both
        # admins have seen version 1 and race to store version 2.
        barrier.wait(timeout=30)
        return clock()

    publish = partial(procedure_drafts.publish_draft, actor=admin, code=BIRTH, clock=clock_once_both_have_read)
    calls: list[Callable[[], Any]] = [partial(publish, wiring.uow(), bpmn=bpmn + end) for end in ("\n", " ")]
    outcomes = run_together(calls)

    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    assert all(isinstance(value, ConflictError) for kind, value in outcomes if kind == "error")
    assert _stored_versions(wiring) == [1, 2]


def test_publishing_the_folders_again_does_not_undo_an_admins_version(wiring: Wiring, clock: Clock) -> None:
    admin = Actors(wiring)("admin.46")
    bpmn = procedure_drafts.get_model(wiring.uow(), actor=admin, code=BIRTH).bpmn
    procedure_drafts.publish_draft(wiring.uow(), actor=admin, code=BIRTH, bpmn=bpmn + "\n", clock=clock)

    assert wiring.publish_procedures() == []  # as `flask setup-demo` does on every start

    assert _stored_versions(wiring) == [1, 2]
    assert procedure_drafts.get_model(wiring.uow(), actor=admin, code=BIRTH).bpmn == bpmn + "\n"
