"""The exchange between provinces at the service level (issue 26, docs/exchange.md): Huế (46) receives a birth
registration for a family living in Đà Nẵng (48), whose deployment handles it. Two databases in one process, each
with its own wiring, file store, key and certificate; every package goes through the outbox, the worker's
delivery (engine/services/outbound.deliver_due), the real codec (seal, then open at the other side) and
engine/services/exchange.receive_package.

The journey: A receives → B's inbox → B asks for supplementation → A paused at the same instant → A's centre
supplements with a scan → B's steps → B's leader issues the signed result → A result_ready with the result file →
A returns → B returned; the clocks equal on both sides at every stage, each package applied once however often it
arrives, a replayed nonce refused, and the history (the statistics' facts) consistent on both sides.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfWriter
from sqlalchemy import func, select

from api.settings import ROOT
from api.wiring import Wiring, build
from engine.adapters.dossier_package import JwsPackageCodec
from engine.adapters.records import ExchangeNonceRecord, HistoryEventRecord, OutboxRecord
from engine.adapters.signing import DemoKeys, PadesSigner
from engine.adapters.uow import SqlUnitOfWork
from engine.domain.actor import Actor
from engine.domain.dossier import Dossier, EventKind, ReturnMethod
from engine.domain.errors import ConflictError, DomainError, ValidationFailedError
from engine.domain.exchange import Acknowledgement, ExchangeRole
from engine.domain.files import FileSource
from engine.domain.lifecycle import Action
from engine.domain.notice import MissingItem
from engine.domain.outbox import DeliveryFailed, Destination, OutboundMessage
from engine.domain.status import DossierStatus
from engine.domain.task import Task, TaskStatus
from engine.services import accounts, dossiers, files, lifecycle, outbound, results, routing, tasks, worker
from engine.services.dossiers import Reception
from engine.services.exchange import receive_package
from tests.conftest import PASSWORD, PHU_XUAN, Clock, birth_application, make_settings, seeded_database
from tests.fakes.exchange_keys import deployment

HUE, DA_NANG = "46", "48"
HAI_VAN = "20195"  # Phường Hải Vân, Đà Nẵng: the family's commune, so Đà Nẵng's unit is competent
BIRTH = "1.001193"
SCAN = (ROOT / "processes" / "sample_scan.pdf").read_bytes()


@dataclass
class Side:
    """One deployment: its wiring, its province, its codec (its key, the other registered as its peer)."""

    w: Wiring
    province: str
    codec: JwsPackageCodec
    known: dict[str, Actor] = field(default_factory=dict)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.w.session_factory, outbound=frozenset({Destination.PROVINCE}))

    def actor(self, username: str) -> Actor:
        if username not in self.known:
            self.known[username] = accounts.authenticate(self.uow(), username=username, password=PASSWORD)
        return self.known[username]

    def deps(self) -> dict[str, Any]:
        return {"catalogue": self.w.catalogue, "calendar": self.w.calendar, "clock": self.w.clock}

    def receive(self, raw: bytes) -> Acknowledgement:
        peer = DA_NANG if self.province == HUE else HUE
        return receive_package(self.uow(), codec=self.codec, store=self.w.store, catalogue=self.w.catalogue,
                               calendar=self.w.calendar, clock=self.w.clock, province=self.province, peers={peer},
                               raw=raw, client_certificate=None)

    def dossier(self, code: str) -> Dossier:
        with self.uow() as uow:
            found = uow.dossiers.get(code)
        assert found is not None
        return found

    def steps(self, code: str) -> list[Task]:
        dossier = self.dossier(code)
        assert dossier.id is not None
        with self.uow() as uow:
            return uow.tasks.of_dossier(dossier.id)

    def events(self, code: str) -> list[tuple[EventKind, dict[str, Any]]]:
        dossier = self.dossier(code)
        assert dossier.id is not None
        with self.uow() as uow:
            return [(e.kind, e.data) for e in uow.history.of_dossier(dossier.id)]


class Direct:
    """The worker's transport from one side to the other, in process: seal with the sender's codec (files read
    from its store, as the HTTPS client reads them), open and apply at the receiver; what the receiver refuses is
    a permanent failure (the message is parked), and the test fails on it."""

    def __init__(self, source: Side, target: Side):
        self.source, self.target = source, target
        self.delivered: list[tuple[OutboundMessage, bytes, Acknowledgement]] = []
        self.refused: list[str] = []

    def files_of(self, message: OutboundMessage) -> dict[str, bytes]:
        out = {}
        for entry in message.payload["files"]:
            with self.source.w.store.open(entry["sha256"]) as stream:
                out[entry["path"]] = stream.read()
        return out

    def seal(self, message: OutboundMessage) -> bytes:
        return self.source.codec.seal(message.payload, self.files_of(message), now=self.source.w.clock())

    def deliver(self, message: OutboundMessage) -> None:
        raw = self.seal(message)
        try:
            acknowledgement = self.target.receive(raw)
        except DomainError as error:
            self.refused.append(f"{message.key}: {error.code} {error}")
            raise DeliveryFailed(f"{error.code}: {error}", permanent=True) from error
        self.delivered.append((message, raw, acknowledgement))


@dataclass
class Pair:
    a: Side
    b: Side
    to_b: Direct
    to_a: Direct
    clock: Clock

    def pump(self) -> None:
        """Run both workers' delivery until nothing is due on either side."""
        while (outbound.deliver_due(self.a.uow, transports={Destination.PROVINCE: self.to_b}, clock=self.clock)
               + outbound.deliver_due(self.b.uow, transports={Destination.PROVINCE: self.to_a}, clock=self.clock)):
            pass
        assert not self.to_b.refused and not self.to_a.refused, self.to_b.refused + self.to_a.refused

    def clocks_equal(self, code: str) -> tuple[Dossier, Dossier]:
        at_a, at_b = self.a.dossier(code), self.b.dossier(code)
        assert (at_a.due_at, at_a.deadline_at, at_a.paused_at) == (at_b.due_at, at_b.deadline_at, at_b.paused_at)
        return at_a, at_b


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def pair(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Pair]:
    with (seeded_database(request, tmp_path, request.param, "hue") as hue_url,
          seeded_database(request, tmp_path, request.param, "danang") as danang_url):
        hue_keys, danang_keys = deployment(tmp_path / "keys", HUE), deployment(tmp_path / "keys", DA_NANG)
        a = Side(build(make_settings(hue_url), clock=clock), HUE,
                 JwsPackageCodec(hue_keys.identity, {DA_NANG: danang_keys.peer}))
        b = Side(build(make_settings(danang_url), clock=clock), DA_NANG,
                 JwsPackageCodec(danang_keys.identity, {HUE: hue_keys.peer}))
        accounts.create_demo_accounts(b.uow(), password=PASSWORD, province_id=DA_NANG)
        try:
            yield Pair(a, b, Direct(a, b), Direct(b, a), clock)
        finally:
            a.w.engine.dispose()
            b.w.engine.dispose()


def _receive_at_hue(pair: Pair) -> Dossier:
    reception = Reception(procedure_code=BIRTH, application=birth_application(HAI_VAN))
    dossier, created = dossiers.receive(pair.a.uow(), actor=pair.a.actor(f"reception.{PHU_XUAN}"),
                                        reception=reception, exchange_peers={DA_NANG}, **pair.a.deps())
    assert created
    return dossier


def _ready(side: Side, code: str) -> list[Task]:
    return [t for t in side.steps(code) if t.status == TaskStatus.READY]


def _kinds(side: Side, code: str, kind: EventKind) -> list[dict[str, Any]]:
    return [data for k, data in side.events(code) if k == kind]


def _signed_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_birth_registration_received_in_hue_is_handled_in_da_nang_to_the_end(pair: Pair,
                                                                                tmp_path: Path) -> None:
    a, b, clock = pair.a, pair.b, pair.clock
    dossier = _receive_at_hue(pair)
    code = dossier.code
    assert dossier.exchange is not None and dossier.exchange.role == ExchangeRole.SENDER
    assert dossier.exchange.peer == DA_NANG and dossier.competent_unit_id == HAI_VAN
    # Nothing of Huế shows a step at Đà Nẵng's unit as waiting: the review step opened there is cancelled.
    assert _ready(a, code) == []
    assert {t.step: t.status for t in a.steps(code)}["review"] == TaskStatus.CANCELLED
    assert _kinds(a, code, EventKind.SENT_TO_PROVINCE) == [{"province": DA_NANG, "package": "dossier"}]

    pair.pump()  # the dossier package to Đà Nẵng, its `accepted` back
    at_a, at_b = pair.clocks_equal(code)
    assert at_b.exchange is not None and at_b.exchange.role == ExchangeRole.HANDLER and at_b.exchange.peer == HUE
    assert (at_b.receiving_unit_id, at_b.competent_unit_id, at_b.return_unit_id) == (PHU_XUAN, HAI_VAN, PHU_XUAN)
    assert at_b.application == at_a.application and at_b.received_at == at_a.received_at
    assert at_b.secret != at_a.secret  # a new lookup secret, never shown
    assert [(t.step, t.unit_id) for t in _ready(b, code)] == [("review", HAI_VAN)]
    assert at_b.status == at_a.status == DossierStatus.PROCESSING
    assert at_a.exchange is not None and at_a.exchange.state == "accepted"

    # A nonce seen before is refused, whatever the package: the dossier package delivered again as it was.
    first_raw = pair.to_b.delivered[0][1]
    with pytest.raises(ConflictError) as replayed:
        b.receive(first_raw)
    assert replayed.value.code == "package_replayed"

    # Đà Nẵng's specialist asks for what is missing: both clocks stop at the same instant.
    clock.now += timedelta(hours=1)
    lifecycle.request_supplement(b.uow(), actor=b.actor(f"specialist.{HAI_VAN}"), code=code,
                                 reasons="Thiếu giấy chứng sinh bản chính",
                                 items=[MissingItem("Giấy chứng sinh")], **b.deps())
    pair.pump()
    at_a, at_b = pair.clocks_equal(code)
    assert at_a.status == at_b.status == DossierStatus.SUPPLEMENT_REQUESTED
    assert at_a.paused_at == at_b.paused_at == clock.now
    assert at_a.pending_supplement is not None and at_a.pending_supplement.unit_id == HAI_VAN
    # What Huế's counter may do now: supplement or withdraw; nothing that needs a step at Đà Nẵng.
    counter = a.actor(f"reception.{PHU_XUAN}")
    assert lifecycle.available_actions(at_a, a.steps(code), counter, clock.now) == [Action.SUPPLEMENT,
                                                                                     Action.WITHDRAW]

    # Huế's centre receives the missing scan and supplements.
    clock.now += timedelta(minutes=30)
    with files.receiving(a.w.store, io.BytesIO(SCAN), "giay-chung-sinh.pdf") as incoming:
        files.attach(a.uow(), actor=counter, catalogue=a.w.catalogue, clock=clock, code=code, document=1,
                     incoming=incoming)
    lifecycle.supplement(a.uow(), actor=counter, calendar=a.w.calendar, clock=clock, code=code, note="Đã bổ sung")
    pair.pump()
    at_a, at_b = pair.clocks_equal(code)
    assert at_a.status == at_b.status == DossierStatus.PROCESSING and at_b.paused_at is None
    with b.uow() as uow:
        assert at_b.id is not None
        brought = [f for f in uow.files.of_dossier(at_b.id) if f.document == 1]
    assert [(f.source, f.blob.size) for f in brought] == [(FileSource.EXCHANGE, len(SCAN))]

    # Đà Nẵng's steps: review, then the leader issues the signed result and signs.
    clock.now += timedelta(minutes=30)
    review = _ready(b, code)[0]
    tasks.complete(b.uow(), actor=b.actor(f"specialist.{HAI_VAN}"), task_id=review.id,
                   data={"register_book": "01/2025", "register_number": 57}, **b.deps())
    leader = b.actor(f"leader.{HAI_VAN}")
    keys = DemoKeys(tmp_path / "signing")
    with files.receiving(b.w.store, io.BytesIO(_signed_pdf()), "ket-qua.pdf") as unsigned:
        result = results.issue(b.uow(), b.w.store, PadesSigner(keys, keys.trust_roots()), actor=leader,
                               catalogue=b.w.catalogue, clock=clock, code=code, templates=ROOT / "forms",
                               verify_hint="", upload=unsigned)
    sign = _ready(b, code)[0]
    assert sign.step == "sign"
    tasks.complete(b.uow(), actor=leader, task_id=sign.id, data={"decision": "approved"}, **b.deps())
    pair.pump()
    at_a, at_b = pair.clocks_equal(code)
    assert at_a.status == at_b.status == DossierStatus.RESULT_READY
    assert at_a.finished_at == at_b.finished_at
    with a.uow() as uow:
        assert at_a.result_file_id is not None
        stored = uow.files.get(at_a.result_file_id)
    assert stored is not None and stored.source == FileSource.RESULT and stored.blob.digest == result.blob.digest
    # At Đà Nẵng nobody of Huế's centre acts (the return step waits there at Huế's centre, for the package).
    assert lifecycle.available_actions(at_b, b.steps(code), b.actor(f"leader.{HAI_VAN}"), clock.now) == []

    # Huế returns the result at its counter; Đà Nẵng's return step is completed with what Huế recorded.
    clock.now += timedelta(minutes=10)
    lifecycle.return_result(a.uow(), actor=counter, code=code, method=ReturnMethod.COUNTER,
                            data={"collected_by": "Nguyễn Văn An"}, **a.deps())
    pair.pump()
    at_a, at_b = pair.clocks_equal(code)
    assert at_a.status == at_b.status == DossierStatus.RETURNED
    assert at_a.returned_at == at_b.returned_at == clock.now
    hand_over = next(t for t in b.steps(code) if t.step == "hand_over")
    assert hand_over.status == TaskStatus.COMPLETED and hand_over.data == {"collected_by": "Nguyễn Văn An"}

    # The statistics' facts: received once on each side (at Huế's centre, for Đà Nẵng's unit), the same status
    # changes in the same order, and a trace of every package applied; no personal data in any of them.
    received = [_kinds(side, code, EventKind.RECEIVED) for side in (a, b)]
    assert [[(e["competent_unit"], e["due_at"], e["channel"]) for e in r] for r in received] == [
        [(HAI_VAN, dossier.due_at.isoformat(), "in_person")]] * 2
    assert _kinds(b, code, EventKind.RECEIVED)[0]["from_province"] == HUE
    statuses = [[e["status"] for e in _kinds(side, code, EventKind.STATUS_CHANGED)] for side in (a, b)]
    assert statuses[0] == statuses[1] == ["processing", "supplement_requested", "processing", "result_ready",
                                          "returned"]
    assert [e["package"] for e in _kinds(a, code, EventKind.RECEIVED_FROM_PROVINCE)] == [
        "accepted", "supplement_requested", "result_ready"]
    assert [e["package"] for e in _kinds(b, code, EventKind.RECEIVED_FROM_PROVINCE)] == [
        "dossier", "supplemented", "returned"]
    for side in (a, b):
        assert "Nguyễn Văn An" not in repr(side.events(code))

    # Every package again, sealed afresh (a sender's retry): acknowledged as before, applied once.
    before = {side.province: (side.dossier(code).version, len(side.events(code))) for side in (a, b)}
    for transport in (pair.to_b, pair.to_a):
        for message, _raw, first in list(transport.delivered):
            again = transport.target.receive(transport.seal(message))
            assert again == replace(first, duplicate=True)
    assert before == {side.province: (side.dossier(code).version, len(side.events(code))) for side in (a, b)}
    for side in (a, b):  # nothing written for the repeats: no package went out again
        with side.uow() as uow:
            session = uow._session
            assert session is not None
            sent = session.scalar(select(func.count()).select_from(OutboxRecord)
                                  .where(OutboxRecord.destination == Destination.PROVINCE.value))
        assert sent == 3


def test_a_package_delivered_twice_at_once_makes_one_dossier(pair: Pair) -> None:
    dossier = _receive_at_hue(pair)
    with pair.a.uow() as uow:
        session = uow._session
        assert session is not None
        record = session.scalars(select(OutboxRecord).where(OutboxRecord.destination == "province")).one()
        message = OutboundMessage(Destination.PROVINCE, record.kind, record.stream, record.key, record.payload,
                                  record.created_at, dossier_id=record.dossier_id)
    # Two sealings of the one message (two workers, or a retry after a lost answer) arriving at the same moment.
    raws = [pair.to_b.seal(message) for _ in range(2)]
    start = threading.Barrier(2)
    answers: list[Acknowledgement | DomainError] = []

    def deliver(raw: bytes) -> None:
        start.wait()
        try:
            answers.append(pair.b.receive(raw))
        except DomainError as error:  # a clash the sender retries
            answers.append(error)

    threads = [threading.Thread(target=deliver, args=(raw,)) for raw in raws]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    applied = [a for a in answers if isinstance(a, Acknowledgement) and not a.duplicate]
    assert len(applied) == 1, answers
    assert all((isinstance(a, Acknowledgement) and a.duplicate) or isinstance(a, ConflictError) for a in answers
               if a is not applied[0]), answers
    with pair.b.uow() as uow:
        assert len(uow.dossiers.by_codes([dossier.code])) == 1
    retry = pair.b.receive(pair.to_b.seal(message))  # the sender's retry is answered as the first
    assert retry == replace(applied[0], duplicate=True)


def test_routing_refuses_a_province_without_peer_or_a_procedure_not_crossing(pair: Pair) -> None:
    counter = pair.a.actor(f"reception.{PHU_XUAN}")
    reception = Reception(procedure_code=BIRTH, application=birth_application(HAI_VAN))
    with pytest.raises(ValidationFailedError) as no_peer:
        dossiers.receive(pair.a.uow(), actor=counter, reception=reception, **pair.a.deps())
    assert no_peer.value.code == "no_exchange_peer"
    assert [e.pointer for e in no_peer.value.errors] == ["/application/residence/unit_id"]
    assert "province 48 has no deployment registered for the exchange" in str(no_peer.value)
    with pair.a.uow() as uow:
        procedure = pair.a.w.catalogue.latest(uow.procedures, BIRTH)
        centre = uow.units.get(PHU_XUAN)
        assert centre is not None
        local = replace(procedure, manifest={**procedure.manifest, "cross_province": False})
        with pytest.raises(ValidationFailedError) as not_crossing:
            routing.route(uow, local, birth_application(HAI_VAN), centre, exchange_peers={DA_NANG})
    assert not_crossing.value.code == "not_cross_province"
    assert f"procedure {BIRTH} is not handled across provinces" in str(not_crossing.value)


def test_the_handler_refuses_a_procedure_it_does_not_handle_across_provinces(pair: Pair) -> None:
    _receive_at_hue(pair)
    with pair.a.uow() as uow:
        session = uow._session
        assert session is not None
        record = session.scalars(select(OutboxRecord).where(OutboxRecord.destination == "province")).one()
        payload = dict(record.payload)
    payload["body"] = {**payload["body"], "procedure": {**payload["body"]["procedure"], "code": "2.000908"}}
    payload["package_id"] += "x"
    raw = pair.a.codec.seal(payload, {}, now=pair.clock())
    with pytest.raises(ValidationFailedError) as refused:
        pair.b.receive(raw)
    assert refused.value.code == "procedure_not_exchangeable"
    with pair.b.uow() as uow:
        assert uow.dossiers.get(payload["dossier_code"]) is None


def test_the_worker_forgets_nonces_older_than_twice_the_replay_window(pair: Pair) -> None:
    _receive_at_hue(pair)
    pair.pump()
    pair.clock.now += timedelta(minutes=21)
    assert worker.forget_nonces(pair.b.uow, now=pair.clock()) == 1
    with pair.b.uow() as uow:
        session = uow._session
        assert session is not None
        assert session.scalar(select(func.count()).select_from(ExchangeNonceRecord)) == 0
        assert session.scalar(select(func.count()).select_from(HistoryEventRecord)) > 0


def test_a_stop_at_the_handler_stops_the_dossier_at_the_sender(pair: Pair) -> None:
    code = _receive_at_hue(pair).code
    pair.pump()
    pair.clock.now += timedelta(hours=2)
    lifecycle.stop(pair.b.uow(), actor=pair.b.actor(f"specialist.{HAI_VAN}"), clock=pair.clock, code=code,
                   reasons="Không thuộc thẩm quyền")
    pair.pump()
    at_a, at_b = pair.clocks_equal(code)
    assert at_a.status == at_b.status == DossierStatus.STOPPED
    assert at_a.finished_at == at_b.finished_at == pair.clock.now
    assert [(n.unit_id, n.reasons) for n in at_a.notices] == [(HAI_VAN, "Không thuộc thẩm quyền")]


def test_a_withdrawal_at_the_sender_ends_the_handlers_steps(pair: Pair) -> None:
    code = _receive_at_hue(pair).code
    pair.pump()
    # At Đà Nẵng, nobody of Huế's centre acts on it (here the seeded copy has Huế's accounts too).
    with pytest.raises(DomainError) as not_here:
        lifecycle.withdraw(pair.b.uow(), actor=pair.b.actor(f"reception.{PHU_XUAN}"), clock=pair.clock, code=code,
                           reasons="Công dân rút hồ sơ")
    assert not_here.value.code == "counter_action"
    # At Huế, nothing that needs Đà Nẵng's step: its counter cannot ask for supplementation either.
    with pytest.raises(DomainError) as no_step:
        lifecycle.request_supplement(pair.a.uow(), actor=pair.a.actor(f"reception.{PHU_XUAN}"), code=code,
                                     reasons="x", items=[MissingItem("x")], **pair.a.deps())
    assert no_step.value.code == "handling_unit_action"
    pair.clock.now += timedelta(minutes=20)
    lifecycle.withdraw(pair.a.uow(), actor=pair.a.actor(f"reception.{PHU_XUAN}"), clock=pair.clock, code=code,
                       reasons="Công dân rút hồ sơ")
    pair.pump()
    at_a, at_b = pair.clocks_equal(code)
    assert at_a.status == at_b.status == DossierStatus.WITHDRAWN
    assert _ready(pair.b, code) == []
    assert {t.step: t.status for t in pair.b.steps(code)}["review"] == TaskStatus.CANCELLED
