"""A day of simulated work synchronised with the national portal and told to the citizens, with the worker
killed (SIGKILL) in the middle of its deliveries.

The simulation (engine/services/simulation.py) runs a working day at five centres through the services, with
the portal, a real SMTP server and the SMS provider's stand-in configured: every change writes its messages in
its own transaction. The real worker (`flask --app api worker`, a process of its own) then delivers them; it is
killed once some have arrived, and started again. When the outbox is empty, every message written has
arrived exactly once in effect (a repeat only under a key already delivered, which the receiver can tell), each
dossier's messages in the order they were written; the portal's latest record of each dossier carries its
status, and every progress step is there once; every applicant who gave a contact with consent was told of the
reception (and of the return, once returned) at each address, and nobody else was told anything. The counts
are printed (`-s`) for the issue's note."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from api.settings import ROOT
from api.wiring import Wiring
from engine.adapters.definitions import read_scenarios
from engine.adapters.mail import message_id
from engine.domain.dossier import Dossier
from engine.domain.outbox import Destination, MessageStatus, OutboundMessage
from engine.domain.status import DossierStatus
from engine.services import simulation
from tests.api.helpers import local
from tests.conftest import PASSWORD, PHU_XUAN, THUAN_HOA, VY_DA, Clock
from tests.fakes.dvcqg_portal import PortalServer
from tests.fakes.sms_provider import SmsProvider
from tests.fakes.smtp_server import SmtpServer, free_port

pytestmark = pytest.mark.fault

CENTRES = [PHU_XUAN, VY_DA, THUAN_HOA, "19810", "19813", "19815", "19819", "19867"]  # and five more of Huế
END = local(2025, 7, 16, 17, 30)  # a Wednesday after closing
LEASE_SECONDS = 3  # a message the killed worker held is due again after this
SETTLE_SECONDS = 240  # the whole delivery, kill and restart included, must end within this
SENDER = "thongbao@hue.gov.vn"


class Worker:
    """`flask --app api worker` over the test's database, in a process group of its own."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env, self.log_dir, self.starts = env, log_dir, 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.starts += 1
        log = (self.log_dir / f"worker-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "api", "worker", "--interval", "0.2",
             "--outbox-lease", str(LEASE_SECONDS)],
            cwd=ROOT, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def kill(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        self.kill()

    def log_tail(self) -> str:
        path = self.log_dir / f"worker-{self.starts}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-30:]) if path.exists() else ""


@pytest.fixture
def portal() -> Iterator[PortalServer]:
    with PortalServer(username="sync", password="secret") as running:
        yield running


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sms() -> Iterator[SmsProvider]:
    with SmsProvider(token="sms-token") as running:
        yield running


def _outbox(wiring: Wiring) -> list[OutboundMessage]:
    with wiring.uow() as uow:
        messages, _ = uow.outbox.listed(status=None, destination=None, limit=1_000_000, offset=0)
    return sorted(messages, key=lambda m: m.id or 0)


def _undelivered(wiring: Wiring) -> int:
    with wiring.uow() as uow:
        return sum(s.pending + s.parked for s in uow.outbox.summary())


def test_a_day_of_work_reaches_the_portal_and_the_citizens_once_and_in_order_across_a_kill(
        wiring: Wiring, clock: Clock, database_url: str, portal: PortalServer, smtp: SmtpServer, sms: SmsProvider,
        tmp_path: Path) -> None:
    outside = {"ONESTOP_DVCQG_URL": portal.url, "ONESTOP_DVCQG_USERNAME": "sync", "ONESTOP_DVCQG_PASSWORD": "secret",
               "ONESTOP_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}?from={SENDER}", "ONESTOP_SMS_URL": sms.url,
               "ONESTOP_SMS_TOKEN": sms.token}
    wiring = replace(wiring)
    wiring.settings = replace(wiring.settings, dvcqg_url=portal.url, dvcqg_username="sync", dvcqg_password="secret",
                              smtp_url=outside["ONESTOP_SMTP_URL"], sms_url=sms.url, sms_token=sms.token)
    clock.now = END
    summary = simulation.simulate(wiring.uow, catalogue=wiring.catalogue, calendar=wiring.calendar, clock=clock,
                                  scenarios=read_scenarios(ROOT / "processes"), days=1, per_centre=6, seed=23,
                                  centres=CENTRES)
    written = _outbox(wiring)
    assert summary.received >= 20 and len(written) > 100

    worker = Worker({"ONESTOP_DATABASE_URL": database_url, "ONESTOP_SECRET_KEY": "outbound-day",
                     "ONESTOP_DEMO_PASSWORD": PASSWORD, "PYTHONUNBUFFERED": "1", **outside}, tmp_path)
    try:
        worker.start()
        began = time.monotonic()
        deadline = began + SETTLE_SECONDS
        while len(portal.received) + len(sms.requests) + len(smtp.mailbox.mails) < len(written) // 3:
            assert time.monotonic() < deadline, f"the worker delivered too little:\n{worker.log_tail()}"
            assert worker.process is not None and worker.process.poll() is None, worker.log_tail()
            time.sleep(0.01)
        worker.kill()
        arrived_at_kill = len(portal.received) + len(sms.requests) + len(smtp.mailbox.mails)
        worker.start()
        while _undelivered(wiring):
            assert time.monotonic() < deadline, f"still undelivered:\n{worker.log_tail()}"
            time.sleep(0.2)
        took = time.monotonic() - began
    finally:
        worker.stop()

    messages = _outbox(wiring)  # the worker's jobs (deadline marks) may have written more meanwhile
    assert {m.status for m in messages} == {MessageStatus.DELIVERED}
    sent = [m for m in messages if m.destination == Destination.DVCQG]
    received = portal.received
    first_arrivals = [r["key"] for r in received if not r["duplicate"]]
    repeats = [r["key"] for r in received if r["duplicate"]]
    assert sorted(first_arrivals) == sorted(m.key for m in sent)  # each once in effect, none invented
    assert len(set(first_arrivals)) == len(first_arrivals)
    assert set(repeats) <= set(first_arrivals)
    position = {key: i for i, key in enumerate(first_arrivals)}
    by_stream: dict[str, list[OutboundMessage]] = defaultdict(list)
    for m in sent:
        by_stream[m.stream].append(m)
    for stream_messages in by_stream.values():  # each dossier's in the order they were written
        order = [position[m.key] for m in stream_messages]
        assert order == sorted(order)
    by_dossier = {m.dossier_id: [n for n in sent if n.dossier_id == m.dossier_id] for m in sent if m.dossier_id}
    refused_online = [m for m in sent if m.dossier_id is None]  # online submissions refused reception: status 3
    assert {m.payload["data"][0]["TrangThaiHoSo"] for m in refused_online} <= {"3"}

    records = portal.records()
    with wiring.uow() as uow:
        dossiers = uow.dossiers.by_ids(list(by_dossier))
    assert len(dossiers) == len(by_dossier) >= summary.received
    for dossier in dossiers:
        assert int(records[dossier.code]["TrangThaiHoSo"]) == dossier.status.national_code
        progress_keys = [m.key for m in by_dossier[dossier.id] if m.kind == "CapNhatTienDoHoSoMC"]
        assert len(portal.progress(dossier.code)) == len(progress_keys) > 0

    mails = _first_arrivals([str(m["Message-ID"]) for m in smtp.mailbox.mails])
    texts = _first_arrivals([r["id"] for r in sms.requests])
    for destination, arrived, id_of in ((Destination.EMAIL, mails, lambda key: message_id(key, SENDER)),
                                        (Destination.SMS, texts, lambda key: key)):
        notices = [m for m in messages if m.destination == destination]
        assert sorted(arrived.first) == sorted(id_of(m.key) for m in notices)
        assert set(arrived.repeats) <= set(arrived.first)
        at = {identifier: i for i, identifier in enumerate(arrived.first)}
        for dossier_id in {m.dossier_id for m in notices}:
            order = [at[id_of(m.key)] for m in notices if m.dossier_id == dossier_id]
            assert order == sorted(order)
    told = _told(dossiers, messages)
    for dossier in dossiers:
        contact = dossier.contact
        expected = set()
        if contact is not None and contact.consent:
            wanted = {"received"} | ({"rating_invitation"} if dossier.status == DossierStatus.RETURNED else set())
            expected = {(d, kind) for kind in wanted
                        for d, address in ((Destination.SMS, contact.phone), (Destination.EMAIL, contact.email))
                        if address}
        assert {(d, k) for d, k in told[dossier.id or 0] if k in {"received", "rating_invitation"}} == expected
        assert told[dossier.id or 0] == set() or (contact is not None and contact.consent)

    kinds = Counter(m.kind for m in sent)
    consenting = sum(1 for d in dossiers if d.contact is not None and d.contact.consent)
    print(f"\n{summary.received} dossiers received ({summary.submitted} handed in online, {len(refused_online)} of "
          f"them refused reception), {summary.returned} returned, "
          f"{consenting} with a contact and consent; {len(sent)} portal messages ({dict(kinds)}), "
          f"{len(mails.first)} e-mails and {len(texts.first)} SMS "
          f"({dict(Counter(m.kind for m in messages if m.destination != Destination.DVCQG))}); "
          f"{arrived_at_kill} messages arrived before the kill; repeats after it (told apart by key): "
          f"{len(repeats)} at the portal, {len(mails.repeats)} mails, {len(texts.repeats)} SMS; "
          f"{portal.logins} logins; all delivered {took:.1f}s after the worker first started, its restart and "
          f"the {LEASE_SECONDS}s lease included; "
          f"statuses at the portal: {dict(Counter(int(r['TrangThaiHoSo']) for r in records.values()))}")


class _Arrivals:
    def __init__(self, first: list[str], repeats: list[str]):
        self.first, self.repeats = first, repeats


def _first_arrivals(identifiers: list[str]) -> _Arrivals:
    seen: set[str] = set()
    first, repeats = [], []
    for identifier in identifiers:
        (repeats if identifier in seen else first).append(identifier)
        seen.add(identifier)
    return _Arrivals(first, repeats)


def _told(dossiers: list[Dossier], messages: list[OutboundMessage]) -> dict[int, set[tuple[Destination, str]]]:
    """Per dossier, the notices written for it: (destination, kind)."""
    told: dict[int, set[tuple[Destination, str]]] = {d.id or 0: set() for d in dossiers}
    for m in messages:
        if m.destination != Destination.DVCQG and m.dossier_id in told:
            told[m.dossier_id].add((m.destination, m.kind))
    return told
