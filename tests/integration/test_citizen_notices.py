"""Notices to citizens end to end, on both databases: a dossier received with a contact and consent goes through
a supplementation request to its return; the worker's delivery (engine/services/outbound.py) hands each notice
to a real SMTP server started here (aiosmtpd on 127.0.0.1) and to the local stand-in for the SMS provider
(tests/fakes/sms_provider.py), through the real transports (engine/adapters/mail.py, sms.py) the wiring builds
from its settings. Every notice arrives once, in order; a dossier without consent gets nothing; the SMTP server
down never blocks the officer's command, and the notice arrives once it is back."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest

from api.settings import ROOT
from api.wiring import Wiring
from engine.adapters.mail import SmtpTransport
from engine.adapters.sms import SmsTransport
from engine.domain.contact import Contact
from engine.domain.dossier import Dossier
from engine.domain.dossier_code import grouped_secret
from engine.domain.notice import MissingItem
from engine.domain.outbox import DeliveryFailed, Destination, MessageStatus, OutboundMessage
from engine.services import dossiers, outbound
from engine.services.dossiers import Reception
from tests.conftest import PHU_XUAN, VY_DA, Clock, birth_application
from tests.fakes.sms_provider import SmsProvider
from tests.fakes.smtp_server import SmtpServer, free_port
from tests.integration._support import BIRTH, Actors, Story, deps, drive_to_end, load

SENDER = "Trung tâm Phục vụ hành chính công <thongbao@hue.gov.vn>"
EMAIL, PHONE = "an.nguyen@example.vn", "+84912345678"
AT = datetime(2025, 7, 14, 2, tzinfo=UTC)
ALL_NOTICES = ["received", "supplement_request", "result_ready", "rating_invitation"]


@dataclass
class Notifying:
    wiring: Wiring
    smtp: SmtpServer
    sms: SmsProvider

    def deliver(self, clock: Clock) -> int:
        return outbound.deliver_due(self.wiring.uow, transports=self.wiring.transports(), clock=clock)

    def kinds_mailed(self) -> list[str]:
        return [_kind(m) for m in self.smtp.mailbox.mails]

    def kinds_texted(self) -> list[str]:
        return [r["id"].rsplit("/", 1)[1] for r in self.sms.received]


@pytest.fixture
def notifying(wiring: Wiring) -> Iterator[Notifying]:
    """The wiring with e-mail and SMS notices configured (ONESTOP_SMTP_URL, ONESTOP_SMS_URL); the SMTP server
    is not started: each test starts it (or leaves it down)."""
    smtp = SmtpServer(free_port())
    with SmsProvider(token="sms-secret-token") as sms:
        w = replace(wiring)
        w.settings = replace(wiring.settings, smtp_url=f"smtp://127.0.0.1:{smtp.port}?from={quote(SENDER)}",
                             sms_url=sms.url, sms_token=sms.token)
        try:
            yield Notifying(w, smtp, sms)
        finally:
            smtp.stop()


def _kind(mail: EmailMessage) -> str:
    """The notice a mail is, from its Message-ID (the message's key: code/seq/destination/kind)."""
    return str(mail["Message-ID"]).strip("<>").split("@")[0].rsplit(".", 1)[1]


def receive_with(wiring: Wiring, actors: Actors, contact: Contact | None) -> Dossier:
    reception = Reception(procedure_code=BIRTH, application=birth_application(VY_DA), contact=contact)
    dossier, created = dossiers.receive(wiring.uow(), actor=actors(f"reception.{PHU_XUAN}"), reception=reception,
                                        **deps(wiring))
    assert created
    return dossier


def through_supplementation_to_return(story: Story, dossier: Dossier) -> Dossier:
    at = story.clock()
    story.act("request_supplement", dossier, at + timedelta(minutes=30), f"specialist.{VY_DA}",
              reasons="Giấy chứng sinh bị mờ", items=[MissingItem("Giấy chứng sinh", "original")])
    story.act("supplement", dossier, at + timedelta(hours=1), f"reception.{PHU_XUAN}", note="Đã nộp bản rõ")
    story.clock.now = at + timedelta(hours=2)
    return drive_to_end(story.wiring, story.actors, dossier)


def test_every_notice_arrives_once_in_order_by_mail_and_sms(notifying: Notifying, clock: Clock) -> None:
    notifying.smtp.start()
    story = Story(notifying.wiring, clock)
    dossier = receive_with(notifying.wiring, story.actors, Contact(EMAIL, "0912 345 678", True))
    assert load(notifying.wiring, dossier.code).contact == Contact(EMAIL, PHONE, True)  # normalised
    assert notifying.deliver(clock) == 2  # the receipt, by mail and SMS
    assert through_supplementation_to_return(story, dossier).status.value == "returned"
    assert notifying.deliver(clock) == 6

    assert notifying.kinds_mailed() == ALL_NOTICES
    assert notifying.kinds_texted() == ALL_NOTICES
    mails = notifying.smtp.mailbox.mails
    assert len({m["Message-ID"] for m in mails}) == 4 and [r["repeat"] for r in notifying.sms.requests] == [False] * 4
    receipt = mails[0]
    assert receipt["To"] == EMAIL and "thongbao@hue.gov.vn" in receipt["From"]
    assert receipt["Subject"] == f"Đã tiếp nhận hồ sơ {dossier.code}"
    body = receipt.get_content()
    assert dossier.code in body and f"Mã tra cứu: {grouped_secret(dossier.secret)}" in body
    assert "Giấy chứng sinh (bản chính, 1 bản)" in mails[1].get_content()
    assert grouped_secret(dossier.secret) in mails[3].get_content()
    assert all(r["to"] == PHONE and r["text"].isascii() and dossier.code in r["text"]
               for r in notifying.sms.received)
    with notifying.wiring.uow() as uow:
        written = uow.outbox.of_dossier(dossier.id or 0)
    citizen = [m for m in written if m.destination in (Destination.EMAIL, Destination.SMS)]
    assert len(citizen) == 8 and {m.status for m in citizen} == {MessageStatus.DELIVERED}
    assert [r["id"] for r in notifying.sms.received] == [m.key for m in citizen if m.destination == Destination.SMS]
    assert notifying.deliver(clock) == 0  # nothing left, nothing sent again


@pytest.mark.parametrize("contact", [None, Contact(EMAIL, PHONE, False)])
def test_a_dossier_without_consent_gets_nothing(notifying: Notifying, clock: Clock, contact: Contact | None) -> None:
    notifying.smtp.start()
    story = Story(notifying.wiring, clock)
    dossier = receive_with(notifying.wiring, story.actors, contact)
    assert load(notifying.wiring, dossier.code).contact == contact  # kept, never used
    through_supplementation_to_return(story, dossier)
    notifying.deliver(clock)
    with notifying.wiring.uow() as uow:
        written = uow.outbox.of_dossier(dossier.id or 0)
    assert [m for m in written if m.destination != Destination.DVCQG] == []
    assert notifying.smtp.mailbox.mails == [] and notifying.sms.requests == []


def test_the_smtp_server_down_never_blocks_the_command_and_the_mail_follows_once_it_is_back(
        notifying: Notifying, clock: Clock) -> None:
    story = Story(notifying.wiring, clock)
    dossier = receive_with(notifying.wiring, story.actors, Contact(EMAIL, PHONE, True))  # mail server down
    assert load(notifying.wiring, dossier.code).received_at == clock()  # committed
    notifying.deliver(clock)
    assert notifying.kinds_texted() == ["received"]  # the SMS does not wait for the mail
    with notifying.wiring.uow() as uow:
        mail = next(m for m in uow.outbox.of_dossier(dossier.id or 0) if m.destination == Destination.EMAIL)
    assert (mail.status, mail.attempts) == (MessageStatus.PENDING, 1)
    assert EMAIL not in (mail.last_error or "") and "could not be reached" in (mail.last_error or "")
    notifying.smtp.start()
    clock.now += timedelta(seconds=30)  # the first back-off
    notifying.deliver(clock)
    notifying.deliver(clock)
    assert notifying.kinds_mailed() == ["received"]


def test_a_recipient_refused_for_good_is_parked_without_the_address_in_its_error(notifying: Notifying,
                                                                                 clock: Clock) -> None:
    notifying.smtp.start()
    notifying.smtp.mailbox.refuse["nobody@example.vn"] = "550 5.1.1"
    story = Story(notifying.wiring, clock)
    dossier = receive_with(notifying.wiring, story.actors, Contact("nobody@example.vn", None, True))
    notifying.deliver(clock)
    with notifying.wiring.uow() as uow:
        (mail,) = uow.outbox.of_dossier(dossier.id or 0)
    assert mail.status == MessageStatus.PARKED
    assert "550" in (mail.last_error or "") and "nobody" not in (mail.last_error or "")


def _message(to: str, key: str = "19768-250714-0001/5/sms/received", **payload: str) -> OutboundMessage:
    return OutboundMessage(Destination.SMS, "received", "sms:dossier:1", key,
                           {"to": to, "text": "Ho so 19768-250714-0001 da duoc tiep nhan.", **payload},
                           AT)


def test_the_sms_transport_against_the_provider() -> None:
    with SmsProvider(token="right") as provider:
        transport = SmsTransport(provider.url, "right")
        transport.deliver(_message(PHONE))
        transport.deliver(_message(PHONE))  # a repeat: the provider tells it by its id
        assert [r["repeat"] for r in provider.requests] == [False, True] and len(provider.received) == 1
        with pytest.raises(DeliveryFailed) as refused:
            transport.deliver(_message("+8412", key="k2"))
        assert refused.value.permanent and "+8412" not in str(refused.value) and "400" in str(refused.value)
        provider.fail_next(1)
        with pytest.raises(DeliveryFailed) as busy:
            transport.deliver(_message(PHONE, key="k3"))
        assert not busy.value.permanent
        transport.deliver(_message(PHONE, key="k3"))
        with pytest.raises(DeliveryFailed) as token:
            SmsTransport(provider.url, "wrong").deliver(_message(PHONE, key="k4"))
        assert not token.value.permanent and "401" in str(token.value)  # the token is fixed, then it goes
        url = provider.url
    with pytest.raises(DeliveryFailed) as down:
        SmsTransport(url, "right").deliver(_message(PHONE, key="k5"))
    assert not down.value.permanent


def test_a_passing_refusal_by_the_mail_server_is_retried_and_the_url_is_read() -> None:
    transport = SmtpTransport.from_url(f"smtp://notices%40hue@mail.example:587?from={quote(SENDER)}&starttls=1",
                                       password="pw")
    assert (transport.host, transport.port, transport.starttls, transport.sender) == (
        "mail.example", 587, True, SENDER)
    for wrong in ("http://x", "smtp://host:25", "smtp:///?from=a@b.vn"):
        with pytest.raises(ValueError):
            SmtpTransport.from_url(wrong)
    server = SmtpServer(free_port())
    server.start()
    try:
        server.mailbox.refuse[EMAIL] = "450 4.2.1"  # mailbox busy: try later
        local = SmtpTransport.from_url(f"smtp://127.0.0.1:{server.port}?from={quote(SENDER)}")
        message = OutboundMessage(Destination.EMAIL, "received", "email:dossier:1", "C-1/5/email/received",
                                  {"to": EMAIL, "subject": "Đã tiếp nhận hồ sơ C-1", "body": "Kính gửi Ông/Bà,\n"},
                                  AT)
        with pytest.raises(DeliveryFailed) as busy:
            local.deliver(message)
        assert not busy.value.permanent and EMAIL not in str(busy.value)
        del server.mailbox.refuse[EMAIL]
        local.deliver(message)
        local.deliver(message)
        ids = {m["Message-ID"] for m in server.mailbox.mails}
        assert ids == {"<C-1.5.email.received@hue.gov.vn>"}  # the same mail twice: the same id
        assert server.mailbox.mails[0]["Subject"] == "Đã tiếp nhận hồ sơ C-1"
    finally:
        server.stop()
    with pytest.raises(DeliveryFailed) as down:
        local.deliver(message)
    assert not down.value.permanent


def test_the_fake_provider_runs_as_a_command_writing_its_journal(tmp_path: Path) -> None:
    journal, port = tmp_path / "sms.jsonl", free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.fakes.sms_provider", "--port", str(port),
                                "--journal", str(journal), "--token", "t"], cwd=ROOT, stdout=subprocess.PIPE,
                               text=True)
    with process:
        try:
            assert process.stdout is not None and "SMS fake provider on" in process.stdout.readline()
            transport = SmsTransport(f"http://127.0.0.1:{port}/sms", "t")
            transport.deliver(_message(PHONE))
            transport.deliver(_message(PHONE))
        finally:
            process.terminate()
            process.wait(timeout=10)
    lines = [json.loads(line) for line in journal.read_text("utf-8").splitlines()]
    assert [(line["id"], line["to"], line["repeat"]) for line in lines] == [
        ("19768-250714-0001/5/sms/received", PHONE, False), ("19768-250714-0001/5/sms/received", PHONE, True)]
