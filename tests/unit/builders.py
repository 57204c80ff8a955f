"""Builders the domain and service unit tests share: the real working calendar, Huế's units, the procedures
of processes/ as published versions, officers, a dossier brought to any status through its own rules, its
steps, and a FakeUnitOfWork (tests/fakes/uow.py) holding them. No database, no Flask.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from engine.adapters.definitions import read_procedures
from engine.domain.actor import Actor, Role
from engine.domain.calendar import VN_TZ, default_calendar
from engine.domain.dossier import Channel, Dossier, ReturnMethod
from engine.domain.lifecycle import Action
from engine.domain.notice import MissingItem
from engine.domain.procedure import ProcedureVersion
from engine.domain.status import DossierStatus as S
from engine.domain.task import Task, TaskStatus
from engine.domain.unit import HUE_PROVINCE_CODE, Unit, units_of_province
from engine.services.catalogue import Catalogue
from tests.conftest import PHU_XUAN, VY_DA
from tests.fakes.uow import FakeUnitOfWork

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 7, 14, 9, 0, tzinfo=VN_TZ)
"""A Monday, 09:00 in Huế (tests/conftest.py's clock): a 3-working-day dossier is due Thursday 17:00."""
CALENDAR = default_calendar()
BIRTH, BIRTH_GROUP = "1.001193", "3.000722"
"""Birth registration (same day, no automatic stop) and the birth group (3 days, 7 days to supplement)."""
ITEMS = [MissingItem("Giấy chứng sinh", "original")]


@cache
def published() -> dict[str, ProcedureVersion]:
    """Every procedure of processes/ as version 1, with the ids a fresh database would give them."""
    found = read_procedures(ROOT / "processes", ROOT / "forms")
    return {p.code: replace(p, version=1, id=number) for number, p in enumerate(found, start=1)}


@cache
def catalogue() -> Catalogue:
    """One catalogue for every test: it caches parsed specs by version id, and `published()` fixes the ids."""
    return Catalogue()


@cache
def hue_units() -> tuple[Unit, ...]:
    return tuple(units_of_province(HUE_PROVINCE_CODE))


def fake_uow() -> FakeUnitOfWork:
    """A fake database holding Huế's units and the published procedures."""
    uow = FakeUnitOfWork()
    uow.seed(units=hue_units(), procedures=published().values(), published_at=T0 - timedelta(days=30))
    return uow


def officer(role: Role, unit_id: str) -> Actor:
    username = f"{role.value}.{unit_id}"
    return Actor(zlib.crc32(username.encode()), username, unit_id, frozenset({role.value}))


def dossier(status: S = S.PROCESSING, *, procedure: str = BIRTH_GROUP, at: datetime = T0, receiving: str = PHU_XUAN,
            competent: str = VY_DA, returning: str | None = None, code: str | None = None) -> Dossier:
    """A dossier received at `at` and brought to `status` by the one-stop rules at that same moment (a
    supplementation request or a payment wait stops the clock then); nothing left in `recorded`."""
    version = published()[procedure]
    built = Dossier(
        code=code or f"{receiving}-250714-0001", secret="K7M4QX9TRB", procedure_code=version.code,
        procedure_version_id=version.id or 0, status=S.RECEIVED, channel=Channel.IN_PERSON,
        receiving_unit_id=receiving, competent_unit_id=competent, return_unit_id=returning or receiving,
        applicant_name="Nguyễn Văn An", application={}, received_at=at, due_at=version.time_limit.due(CALENDAR, at),
        workflow_state={}, received_by=officer(Role.RECEPTION, receiving).user_id, return_method=ReturnMethod.COUNTER)
    if status in (S.SUBMITTED, S.REFUSED):
        built.status = status  # no action on a dossier leads there: a submission's statuses, never received
    for move in _PATHS[status]:
        move(built, at)
    built.recorded.clear()
    return built


def step(of: Dossier, name: str = "review", *, role: Role = Role.SPECIALIST, unit_id: str | None = None,
         status: TaskStatus = TaskStatus.READY, created_at: datetime = T0, hours: float = 4) -> Task:
    """A human step of the dossier, at its competent unit unless `unit_id` says otherwise."""
    return Task(id=f"{of.code}/{name}", dossier_code=of.code, step=name, name=name, lane=name, role=role.value,
                unit_id=unit_id or of.competent_unit_id, form_id=None, created_at=created_at,
                due_at=CALENDAR.add_working_hours(created_at, hours), status=status, dossier_id=of.id)


Move = Callable[[Dossier, datetime], None]


def _start(d: Dossier, at: datetime) -> None:
    d.take(Action.START_PROCESSING, at, None, d.receiving_unit_id)


def _ask(d: Dossier, at: datetime) -> None:
    d.request_supplement(at, None, d.competent_unit_id, "Thiếu giấy chứng sinh", ITEMS, None)


def _await(d: Dossier, at: datetime) -> None:
    d.await_payment(at, None, d.competent_unit_id, "fee")


def _taking(action: Action) -> Move:
    def move(d: Dossier, at: datetime) -> None:
        d.take(action, at, None, d.competent_unit_id)
    return move


def _ending(action: Action) -> Move:
    def move(d: Dossier, at: datetime) -> None:
        d.end(action, at, None, d.receiving_unit_id, "Lý do", [])
    return move


_PATHS: dict[S, list[Move]] = {
    S.SUBMITTED: [], S.RECEIVED: [], S.PROCESSING: [_start], S.SUPPLEMENT_REQUESTED: [_start, _ask],
    S.AWAITING_PAYMENT: [_start, _await], S.RESULT_READY: [_start, _taking(Action.FINISH)],
    S.RETURNED: [_start, _taking(Action.FINISH), _taking(Action.RETURN)], S.REFUSED: [],
    S.WITHDRAWN: [_start, _ending(Action.WITHDRAW)], S.STOPPED: [_start, _ending(Action.STOP)],
}
