"""What goes into the database comes back the same: aware UTC times, Vietnamese JSON, and
procedure versions (republishing is a no-op; a change makes version 2 while running dossiers stay
on version 1)."""

from __future__ import annotations

import copy
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from api.wiring import Wiring
from engine.adapters.definitions import read_procedures
from engine.adapters.records import ProcedureVersionRecord
from engine.domain.calendar import VN_TZ
from engine.domain.dossier import EventKind
from engine.domain.procedure import ProcedureVersion
from engine.domain.status import DossierStatus
from engine.services import procedures, public
from engine.workflow import WorkflowInstance
from tests.conftest import PHU_XUAN, VY_DA, Clock, birth_application
from tests.integration._support import (
    BIRTH,
    Actors,
    complete_step,
    drive_to_end,
    history_of,
    load,
    ready_task,
    receive,
    tasks_of,
)


def _is_utc(value: datetime | None) -> bool:
    return value is not None and value.tzinfo is not None and value.utcoffset() == timedelta(0)


def test_times_come_back_aware_utc_and_equal(wiring: Wiring, clock: Clock) -> None:
    clock.now = datetime(2025, 7, 14, 2, 3, 4, 567891, tzinfo=UTC)  # 09:03:04.567891 in Huế
    actors = Actors(wiring)
    dossier = receive(wiring, actors(f"reception.{PHU_XUAN}"))
    stored = load(wiring, dossier.code)
    assert _is_utc(stored.received_at) and stored.received_at == clock.now
    # Same-day procedure received before 15:00: due at 17:00 local, 10:00 UTC.
    assert _is_utc(stored.due_at) and stored.due_at == datetime(2025, 7, 14, 10, 0, tzinfo=UTC)
    for task in tasks_of(wiring, dossier):
        assert _is_utc(task.created_at) and task.created_at == clock.now
        assert _is_utc(task.due_at)
    receive_row = next(t for t in tasks_of(wiring, dossier) if t.step == "receive")
    assert _is_utc(receive_row.completed_at) and receive_row.completed_at == clock.now
    for event in history_of(wiring, dossier):
        assert _is_utc(event.at) and event.at == clock.now

    # An aware time in Huế's zone is stored as the same instant and comes back in UTC.
    local = datetime(2025, 7, 14, 23, 30, 0, 250000, tzinfo=VN_TZ)
    stored.returned_at = local
    with wiring.uow() as uow:
        uow.dossiers.update(stored)
        uow.commit()
    again = load(wiring, dossier.code)
    assert _is_utc(again.returned_at) and again.returned_at == local
    assert again.returned_at is not None and again.returned_at.hour == 16  # 23:30 +07 is 16:30 UTC


def test_naive_times_are_refused(wiring: Wiring) -> None:
    actors = Actors(wiring)
    dossier = load(wiring, receive(wiring, actors(f"reception.{PHU_XUAN}")).code)
    dossier.returned_at = datetime(2025, 7, 14, 9, 0)
    # Refused when the row is written (with the command's other rows, at the latest at commit): by the column's
    # type on SQLite, before the JSON parameter is made on PostgreSQL (engine/adapters/pending_rows.py).
    with wiring.uow() as uow, pytest.raises((StatementError, ValueError), match="naive"):
        uow.dossiers.update(dossier)
        uow.commit()
    assert load(wiring, dossier.code).returned_at is None


# Decomposed (NFD) text, as some keyboards and PDFs produce it, must not be normalised on the way.
NFD_ADDRESS = unicodedata.normalize("NFD", "Số 12 đường Lê Lợi, tổ 5, phường Vỹ Dạ — kiệt 3/7")


def _vietnamese_application() -> dict[str, object]:
    application = birth_application(VY_DA)
    application["applicant"]["full_name"] = "Tôn Nữ Thị Hường"  # type: ignore[index]
    application["applicant"]["relationship"] = "mother"  # type: ignore[index]
    application["child"]["full_name"] = "Nguyễn Phước Ưng Đạo"  # type: ignore[index]
    application["child"]["place_of_birth"] = "Trạm Y tế phường Vỹ Dạ, thành phố Huế"  # type: ignore[index]
    application["mother"]["full_name"] = "Tôn Nữ Thị Hường"  # type: ignore[index]
    application["residence"]["address"] = NFD_ADDRESS  # type: ignore[index]
    return application


def test_vietnamese_application_data_round_trips_exactly(wiring: Wiring) -> None:
    actors = Actors(wiring)
    application = _vietnamese_application()
    sent = copy.deepcopy(application)
    dossier = receive(wiring, actors(f"reception.{PHU_XUAN}"), application)
    stored = load(wiring, dossier.code)
    assert stored.application == sent
    assert stored.application["residence"]["address"].encode() == NFD_ADDRESS.encode()
    assert stored.applicant_name == "Tôn Nữ Thị Hường"

    # History and task names keep their Vietnamese too.
    names = [t.name for t in tasks_of(wiring, dossier)]
    assert names == ["Tiếp nhận và chuyển hồ sơ", "Kiểm tra, ghi sổ hộ tịch"]
    done = [e.data["name"] for e in history_of(wiring, dossier) if e.kind == EventKind.TASK_COMPLETED]
    assert done == ["Tiếp nhận và chuyển hồ sơ"]

    # The application reaches the end of the process through the stored workflow state.
    finished = drive_to_end(wiring, actors, stored)
    assert finished.status == DossierStatus.RETURNED
    with wiring.uow() as uow:
        procedure = wiring.catalogue.version(uow.procedures, finished.procedure_version_id)
    instance = WorkflowInstance.restore(wiring.catalogue.spec(procedure), load(wiring, dossier.code).workflow_state)
    assert instance.is_completed
    assert instance.data["certificate"]["child_full_name"] == "Nguyễn Phước Ưng Đạo"
    assert instance.data["application"]["residence"]["address"] == NFD_ADDRESS

    found = public.look_up(wiring.uow(), catalogue=wiring.catalogue, code=dossier.code, secret=dossier.secret,
                           clock=wiring.clock)
    assert found.procedure_name == "Đăng ký khai sinh"
    assert found.timeline[0].kind == "received"  # the pages word it (api/pages/citizen_words.py)


def _version_numbers(wiring: Wiring) -> list[int]:
    with wiring.uow() as uow:
        session = uow._session
        assert session is not None
        query = (select(ProcedureVersionRecord.version).where(ProcedureVersionRecord.code == BIRTH)
                 .order_by(ProcedureVersionRecord.version))
        return list(session.scalars(query))


OLD_REVIEW, NEW_REVIEW = "Kiểm tra, ghi sổ hộ tịch", "Kiểm tra hồ sơ, ghi vào Sổ đăng ký khai sinh"
NEW_NAME = "Đăng ký khai sinh (quy trình sửa đổi)"


def _changed_birth_registration(wiring: Wiring) -> ProcedureVersion:
    [draft] = [p for p in read_procedures(wiring.settings.processes_dir, wiring.settings.forms_dir)
               if p.code == BIRTH]
    manifest = copy.deepcopy(draft.manifest)
    manifest["name"]["vi"] = NEW_NAME
    assert f'name="{OLD_REVIEW}"' in draft.bpmn
    bpmn = draft.bpmn.replace(f'name="{OLD_REVIEW}"', f'name="{NEW_REVIEW}"')
    return ProcedureVersion(code=draft.code, version=0, manifest=manifest, bpmn=bpmn, forms=draft.forms)


def test_publishing_again_creates_no_version(wiring: Wiring) -> None:
    assert _version_numbers(wiring) == [1]
    assert wiring.publish_procedures() == []
    assert _version_numbers(wiring) == [1]


def test_a_changed_definition_is_version_2_and_running_dossiers_stay_on_1(wiring: Wiring, clock: Clock) -> None:
    actors = Actors(wiring)
    reception = actors(f"reception.{PHU_XUAN}")
    old = receive(wiring, reception)
    with wiring.uow() as uow:
        v1 = uow.procedures.latest_id(BIRTH)
    assert old.procedure_version_id == v1

    clock.now += timedelta(minutes=5)
    changed = _changed_birth_registration(wiring)
    assert procedures.publish_changed(wiring.uow(), definitions=[changed], clock=wiring.clock) == [BIRTH]
    assert procedures.publish_changed(wiring.uow(), definitions=[changed], clock=wiring.clock) == []
    assert _version_numbers(wiring) == [1, 2]
    with wiring.uow() as uow:
        v2 = uow.procedures.latest_id(BIRTH)
        assert v2 is not None and v2 != v1
        stored = uow.procedures.get(v2)
    assert stored is not None and stored.version == 2 and stored.name_vi == NEW_NAME
    assert stored.checksum == changed.checksum and stored.bpmn == changed.bpmn

    new = receive(wiring, reception)
    assert new.procedure_version_id == v2
    assert ready_task(wiring, new, "review").name == NEW_REVIEW

    # The dossier started on version 1 goes on with version 1's definition to the end.
    assert ready_task(wiring, old, "review").name == OLD_REVIEW
    old = complete_step(wiring, actors, old, "review")
    finished = drive_to_end(wiring, actors, old)
    assert finished.status == DossierStatus.RETURNED and finished.procedure_version_id == v1
    done = [e.data["name"] for e in history_of(wiring, finished) if e.kind == EventKind.TASK_COMPLETED]
    assert done == ["Tiếp nhận và chuyển hồ sơ", OLD_REVIEW, "Ký giấy khai sinh", "Trả kết quả"]
    looked_up = public.look_up(wiring.uow(), catalogue=wiring.catalogue, code=old.code, secret=old.secret,
                               clock=wiring.clock)
    assert looked_up.procedure_name == "Đăng ký khai sinh"
    assert public.look_up(wiring.uow(), catalogue=wiring.catalogue, code=new.code,
                          secret=new.secret, clock=wiring.clock).procedure_name == NEW_NAME

    # And the new one completes on version 2.
    assert drive_to_end(wiring, actors, new).status == DossierStatus.RETURNED
    assert OLD_REVIEW not in [t.name for t in tasks_of(wiring, new)]
