"""DVCQG synchronisation end to end, on SQLite and PostgreSQL: dossiers driven through the services write
their records at commit, the worker delivers them with the real client to the local portal
(tests/fakes/dvcqg_portal.py), and the tests read what arrived, message by message: the record after each
change, each progress step once and in order; a record the portal refuses parks and holds its dossier's
stream; an outage is caught up after the back-off without loss or repeat; an expired session logs in again."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api.settings import ROOT
from api.wiring import Wiring
from engine.adapters.definitions import read_scenarios
from engine.adapters.dvcqg_client import DvcqgClient
from engine.domain import dvcqg
from engine.domain.dossier import Dossier
from engine.domain.notice import MissingItem
from engine.domain.outbox import DeliveryFailed, Destination, MessageStatus, OutboundMessage
from engine.services import intake, lifecycle, outbound, simulation
from engine.services.intake import Handing
from tests.conftest import PHU_XUAN, VY_DA, Clock, birth_application
from tests.fakes.dvcqg_portal import PortalServer
from tests.integration._support import BIRTH, Actors, complete_step, deps, drive_to_end, history_of, receive

RECORD, PROGRESS = "DongBoHoSoMC", "CapNhatTienDoHoSoMC"


@pytest.fixture
def portal() -> Iterator[PortalServer]:
    with PortalServer() as server:
        yield server


@pytest.fixture
def synced(wiring: Wiring, portal: PortalServer) -> Iterator[Wiring]:
    """The wiring with the portal configured: commands write DVCQG messages."""
    synced = replace(wiring)
    synced.settings = replace(wiring.settings, dvcqg_url=portal.url, dvcqg_username="sync",
                              dvcqg_password="secret")
    yield synced


@pytest.fixture
def client(portal: PortalServer) -> Iterator[DvcqgClient]:
    made = DvcqgClient(portal.url, "sync", "secret")
    yield made
    made.close()


def _deliver(wiring: Wiring, clock: Clock, client: DvcqgClient) -> int:
    return outbound.deliver_due(wiring.uow, transports={Destination.DVCQG: client}, clock=clock)


def _of(portal: PortalServer, code: str) -> list[dict[str, Any]]:
    return [m for m in portal.received if m["body"]["MaHoSo"] == code]


def _statuses(portal: PortalServer, code: str) -> list[str]:
    return [m["body"]["TrangThaiHoSo"] for m in _of(portal, code) if m["service"] == RECORD]


def _written(wiring: Wiring, dossier: Dossier) -> list[Any]:
    with wiring.uow() as uow:
        return list(uow.outbox.of_dossier(dossier.id or 0))


def test_a_dossier_run_to_the_end_arrives_record_by_record_and_step_by_step(
        synced: Wiring, clock: Clock, portal: PortalServer, client: DvcqgClient) -> None:
    actors = Actors(synced)
    dossier = receive(synced, actors(f"reception.{PHU_XUAN}"))
    clock.now += timedelta(hours=1)
    dossier = drive_to_end(synced, actors, dossier)
    written = _written(synced, dossier)
    assert _deliver(synced, clock, client) == len(written)

    arrived = _of(portal, dossier.code)
    assert [(m["service"], m["key"]) for m in arrived] == [(m.kind, m.key) for m in written]
    assert not any(m["duplicate"] for m in arrived)
    assert arrived[0]["service"] == RECORD and arrived[0]["body"]["TrangThaiHoSo"] == "2"
    assert _statuses(portal, dossier.code) == ["2", "4", "9", "10"]
    # Each processing step of the history once, in its order, under its chain seq.
    history = history_of(synced, dossier)
    steps = [m for m in arrived if m["service"] == PROGRESS]
    assert [m["key"] for m in steps] == [f"{PROGRESS}/{dossier.code}/{seq}"
                                         for seq, event in enumerate(history, start=1) if event.kind in dvcqg.PROGRESS]
    assert steps[0]["body"]["NoiDungXuLy"] == "Tiếp nhận hồ sơ" and steps[-1]["body"]["TrangThai"] == "10"
    assert portal.progress(dossier.code) == [m["body"] for m in steps]
    final = portal.records()[dossier.code]
    assert final["TrangThaiHoSo"] == "10" and final["NgayTra"] and final["NgayKetThucXuLy"]
    assert _deliver(synced, clock, client) == 0


def test_a_dossier_received_before_the_synchronisation_reaches_the_portal_with_its_next_step(
        wiring: Wiring, synced: Wiring, clock: Clock, portal: PortalServer, client: DvcqgClient) -> None:
    actors = Actors(wiring)
    dossier = receive(wiring, actors(f"reception.{PHU_XUAN}"))  # the portal not configured yet
    assert _written(wiring, dossier) == []
    clock.now += timedelta(hours=1)
    dossier = complete_step(synced, Actors(synced), dossier, "review")  # a step with no status change
    _deliver(synced, clock, client)
    assert [m["service"] for m in _of(portal, dossier.code)] == [RECORD, PROGRESS]
    assert portal.rejected == [] and portal.records()[dossier.code]["TrangThaiHoSo"] == "4"


def test_an_online_submission_refused_reception_reaches_the_portal_as_not_received(
        synced: Wiring, clock: Clock, portal: PortalServer, client: DvcqgClient) -> None:
    actors = Actors(synced)
    handing = Handing(PHU_XUAN, BIRTH, birth_application(VY_DA), reference="G22.refused-1")
    submission, _ = intake.submit(synced.uow(), actor=actors("portal.46"), catalogue=synced.catalogue,
                                  clock=clock, handing=handing)
    clock.now += timedelta(minutes=30)
    intake.refuse(synced.uow(), actor=actors(f"reception.{PHU_XUAN}"), clock=clock, submission_id=submission.id or 0,
                  reasons="Không thuộc thẩm quyền giải quyết")
    assert _deliver(synced, clock, client) == 1
    [arrived] = portal.received
    assert arrived["key"] == "DongBoHoSoMC/G22.refused-1/refused"
    record = arrived["body"]
    assert (record["MaHoSo"], record["TrangThaiHoSo"], record["KenhThucHien"]) == ("G22.refused-1", "3", "2")
    assert record["NgayTuChoi"] == dvcqg.stamp(clock.now) and record["NgayTiepNhan"] == ""
    assert "Không thuộc" not in json.dumps(record, ensure_ascii=False)  # the reasons may name people


def test_supplementation_reaches_the_portal_as_status_5_then_back_to_4(
        synced: Wiring, clock: Clock, portal: PortalServer, client: DvcqgClient) -> None:
    actors = Actors(synced)
    dossier = receive(synced, actors(f"reception.{PHU_XUAN}"))
    clock.now += timedelta(hours=1)
    lifecycle.request_supplement(synced.uow(), actor=actors(f"specialist.{VY_DA}"), code=dossier.code,
                                 reasons="Thiếu giấy chứng sinh", items=[MissingItem("Giấy chứng sinh")],
                                 **deps(synced))
    clock.now += timedelta(hours=2)
    lifecycle.supplement(synced.uow(), actor=actors(f"reception.{PHU_XUAN}"), code=dossier.code,
                         calendar=synced.calendar, clock=synced.clock)
    _deliver(synced, clock, client)
    statuses = _statuses(portal, dossier.code)
    assert statuses == ["2", "4", "5", "4"]
    rounds = portal.records()[dossier.code]["DanhSachHoSoBoSung"]
    assert len(rounds) == 1 and rounds[0]["NoiDungBoSung"] == "Giấy chứng sinh" and rounds[0]["TrangThaiBoSung"]
    assert "Thiếu" not in str(rounds)  # the reasons are free text: not sent
    words = [m["body"]["NoiDungXuLy"] for m in _of(portal, dossier.code) if m["service"] == PROGRESS]
    assert "Ra phiếu yêu cầu bổ sung, hoàn thiện hồ sơ" in words and "Tiếp nhận hồ sơ bổ sung" in words


def test_a_refused_record_is_parked_with_the_portals_reason_and_holds_the_stream(
        synced: Wiring, clock: Clock, portal: PortalServer, client: DvcqgClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    actors = Actors(synced)
    real = DvcqgClient.deliver

    def spoil(self: DvcqgClient, message: Any) -> None:  # the first record goes out with a bad date
        if message.kind == RECORD and message.key.endswith("/1"):
            message.payload = {**message.payload, "data": [{**message.payload["data"][0], "NgayHenTra": "14/07"}]}
        real(self, message)

    monkeypatch.setattr(DvcqgClient, "deliver", spoil)
    dossier = receive(synced, actors(f"reception.{PHU_XUAN}"))
    _deliver(synced, clock, client)
    assert _of(portal, dossier.code) == []
    with synced.uow() as uow:
        parked, _ = uow.outbox.listed(status=MessageStatus.PARKED, destination=None, limit=10, offset=0)
    assert [m.key for m in parked] == [f"{RECORD}/{dossier.code}/1"]
    assert "NgayHenTra" in (parked[0].last_error or "") and "14/07" not in (parked[0].last_error or "")
    clock.now += timedelta(days=1)
    _deliver(synced, clock, client)
    assert _of(portal, dossier.code) == []  # the progress records wait behind the parked record
    monkeypatch.setattr(DvcqgClient, "deliver", real)
    with synced.uow() as uow:
        uow.outbox.retry(parked[0].id or 0, clock())
        uow.commit()
    _deliver(synced, clock, client)
    arrived = _of(portal, dossier.code)
    assert arrived[0]["service"] == RECORD and len(arrived) == len(_written(synced, dossier))


def test_an_outage_is_caught_up_after_the_back_off_without_loss_or_repeat(
        synced: Wiring, clock: Clock, portal: PortalServer, client: DvcqgClient) -> None:
    actors = Actors(synced)
    dossier = receive(synced, actors(f"reception.{PHU_XUAN}"))
    portal.fail_next(1, status=503)
    _deliver(synced, clock, client)
    assert _of(portal, dossier.code) == []
    first = _written(synced, dossier)[0]
    assert (first.status, first.attempts) == (MessageStatus.PENDING, 1)
    _deliver(synced, clock, client)
    assert _of(portal, dossier.code) == []  # still waiting its back-off
    clock.now += timedelta(seconds=30)
    _deliver(synced, clock, client)
    arrived = _of(portal, dossier.code)
    assert [m["key"] for m in arrived] == [m.key for m in _written(synced, dossier)]
    assert not any(m["duplicate"] for m in arrived)


def test_an_expired_session_logs_in_again(synced: Wiring, clock: Clock, portal: PortalServer,
                                          client: DvcqgClient) -> None:
    actors = Actors(synced)
    first = receive(synced, actors(f"reception.{PHU_XUAN}"))
    _deliver(synced, clock, client)
    assert portal.logins == 1
    portal.expire_sessions()
    second = receive(synced, actors(f"reception.{PHU_XUAN}"))
    _deliver(synced, clock, client)
    assert portal.logins == 2
    assert len(_of(portal, second.code)) == len(_written(synced, second)) and _of(portal, first.code)
    assert portal.rejected and portal.rejected[-1]["error_code"] == 2


def test_simulated_days_arrive_whole_every_dossier_record_and_step_once_in_order(
        synced: Wiring, clock: Clock, portal: PortalServer, client: DvcqgClient) -> None:
    clock.now = datetime(2025, 7, 16, 10, 30, tzinfo=UTC)  # Wednesday after closing in Huế
    summary = simulation.simulate(synced.uow, catalogue=synced.catalogue, calendar=synced.calendar, clock=clock,
                                  scenarios=read_scenarios(ROOT / "processes"), days=2, per_centre=4, seed=7,
                                  centres=[PHU_XUAN, VY_DA])
    assert summary.received >= 5 and not summary.errors
    while _deliver(synced, clock, client):
        pass
    with synced.uow() as uow:
        assert all((s.pending, s.parked) == (0, 0) for s in uow.outbox.summary())
        dossiers = [d for centre in (PHU_XUAN, VY_DA)
                    for d in uow.dossiers.list(unit_id=centre, status=None, limit=1000, offset=0)[0]
                    if d.receiving_unit_id == centre]
    assert portal.rejected == [] and not any(m["duplicate"] for m in portal.received)
    assert {d.code for d in dossiers} == set(portal.records())
    for dossier in dossiers:
        steps = [m["key"] for m in _of(portal, dossier.code) if m["service"] == PROGRESS]
        assert steps == [f"{PROGRESS}/{dossier.code}/{seq}" for seq, event
                         in enumerate(history_of(synced, dossier), start=1) if event.kind in dvcqg.PROGRESS]
        assert portal.records()[dossier.code]["TrangThaiHoSo"] == str(dossier.status.national_code)


# -- the client against the portal's contract, without a database ------------------------------------------

def _record(**changes: str) -> dict[str, Any]:
    return {"MaHoSo": "X-250714-0001", "MaTTHC": "1.001193", "TenTTHC": "Đăng ký khai sinh", "KenhThucHien": "1",
            "LoaiDoiTuong": "1", "NgayNopHoSo": "20250714090000", "NgayTiepNhan": "20250714090000",
            "NgayHenTra": "20250714170000", "TrangThaiHoSo": "2", "HinhThuc": "0", "DonViXuLy": "19777"} | changes


def _step(**changes: str) -> dict[str, Any]:
    return {"MaHoSo": "X-250714-0001", "NguoiXuLy": "Hệ thống", "ThoiDiemXuLy": "20250714090000",
            "NoiDungXuLy": "Tiếp nhận hồ sơ", "TrangThai": "2"} | changes


def _send(client: DvcqgClient, kind: str, key: str, body: dict[str, Any]) -> None:
    client.deliver(OutboundMessage(Destination.DVCQG, kind, "dvcqg:dossier:1", key, {"data": [body]},
                                   datetime(2025, 7, 14, tzinfo=UTC)))


@pytest.mark.parametrize(("kind", "body", "field"), [
    (RECORD, _record(TenTTHC=""), "TenTTHC"),
    (RECORD, _record(NgayHenTra="2025-07-14 17:00"), "NgayHenTra"),
    (RECORD, _record(NgayHenTra="20251399170000"), "NgayHenTra"),
    (RECORD, _record(TrangThaiHoSo="11"), "TrangThaiHoSo"),
    (PROGRESS, _step(), "MaHoSo"),  # no record of that dossier yet
    (PROGRESS, _step(NguoiXuLy=""), "NguoiXuLy"),
])
def test_the_portal_refuses_bad_data_and_the_client_says_where_without_the_value(
        portal: PortalServer, client: DvcqgClient, kind: str, body: dict[str, Any], field: str) -> None:
    with pytest.raises(DeliveryFailed) as refused:
        _send(client, kind, "k1", body)
    assert refused.value.permanent and field in str(refused.value)
    assert body[field] == "" or body[field] not in str(refused.value)
    assert portal.received == []


def test_a_repeated_key_is_accepted_once_and_flagged(portal: PortalServer, client: DvcqgClient) -> None:
    _send(client, RECORD, "r1", _record())
    _send(client, RECORD, "r1", _record())
    _send(client, PROGRESS, "p1", _step())
    assert [(m["key"], m["duplicate"]) for m in portal.received] == [("r1", False), ("r1", True), ("p1", False)]
    assert len(portal.progress("X-250714-0001")) == 1


def test_wrong_credentials_and_outages_are_passing_failures(portal: PortalServer) -> None:
    wrong = DvcqgClient(portal.url, "sync", "not-the-password")
    with pytest.raises(DeliveryFailed) as refused:
        _send(wrong, RECORD, "r1", _record())
    assert not refused.value.permanent and "not-the-password" not in str(refused.value)
    wrong.close()
    unreachable = DvcqgClient("http://127.0.0.1:9", "sync", "secret")
    with pytest.raises(DeliveryFailed) as down:
        _send(unreachable, RECORD, "r1", _record())
    assert not down.value.permanent
    unreachable.close()


def test_the_portal_run_alone_journals_each_message(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    journal = tmp_path / "journal.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "tests.fakes.dvcqg_portal", "--port", str(port),
                                "--journal", str(journal)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and "fake portal" in process.stdout.readline()
        alone = DvcqgClient(f"http://127.0.0.1:{port}", "sync", "secret")
        _send(alone, RECORD, "r1", _record())
        _send(alone, RECORD, "r1", _record())
        alone.close()
        lines = [json.loads(line) for line in journal.read_text("utf-8").splitlines()]
        assert [(e["service"], e["key"], e["duplicate"]) for e in lines] == [(RECORD, "r1", False),
                                                                            (RECORD, "r1", True)]
        assert lines[0]["body"] == _record()
    finally:
        process.kill()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
