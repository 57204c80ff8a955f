"""Which of a dossier's events give the citizen a notice, at which address, in which words
(engine/domain/citizen_notices.py and citizen_notice_texts.py), and the contact's checks
(engine/domain/contact.py). Against the dossier aggregate alone: no database."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from engine.domain import citizen_notices
from engine.domain.calendar import VN_TZ
from engine.domain.citizen_notice_texts import MAX_SMS, sms_text
from engine.domain.contact import Contact, checked_contact, normalised_email, normalised_phone
from engine.domain.dossier import Dossier, EventKind, ReturnMethod
from engine.domain.errors import ValidationFailedError
from engine.domain.files import StoredFile
from engine.domain.lifecycle import Action
from engine.domain.notice import MissingItem
from engine.domain.outbound import Change, OfficerFacts, Recorded, UnitFacts, stream_of
from engine.domain.outbox import Destination, OutboundMessage
from engine.domain.status import DossierStatus as S
from engine.domain.step_outputs import FinancialNotice, RecordedField
from tests.unit.builders import CALENDAR, T0, dossier, hue_units, published

ID_NUMBER = "046090001234"
EMAIL, PHONE = "an.nguyen@example.vn", "+84912345678"
BOTH = frozenset({Destination.EMAIL, Destination.SMS})


class Facts:
    """OutboundFacts from the published procedures and Huế's units; the financial notice as the test sets it."""

    def __init__(self, payment: FinancialNotice | None = None):
        self.payment = payment
        self.asked_payment = 0

    def manifest(self, procedure_version_id: int) -> dict[str, Any]:
        return next(p.manifest for p in published().values() if p.id == procedure_version_id)

    def unit(self, unit_id: str) -> UnitFacts:
        return next(UnitFacts(u.id, u.name, None) for u in hue_units() if u.id == unit_id)

    def officer(self, user_id: int) -> OfficerFacts | None:
        return None

    def files(self, dossier_id: int) -> list[StoredFile]:
        return []

    def financial_notice(self, dossier: Dossier) -> FinancialNotice | None:
        self.asked_payment += 1
        return self.payment


def consenting(status: S = S.PROCESSING, contact: Contact | None = None, **kwargs: Any) -> Dossier:
    d = dossier(status, **kwargs)
    d.id = 7
    d.application = {"applicant": {"full_name": "Nguyễn Văn An", "id_number": ID_NUMBER}}
    d.contact = contact if contact is not None else Contact(EMAIL, PHONE, True)
    return d


def change(d: Dossier, first_seq: int = 5) -> Change:
    """What the dossier recorded since it was built, as the unit of work hands it over at commit."""
    return Change(d, [Recorded(e, seq) for seq, e in enumerate(d.recorded, start=first_seq)])


def sent(d: Dossier, facts: Facts | None = None, destinations: frozenset[Destination] = BOTH,
         first_seq: int = 5) -> list[OutboundMessage]:
    return citizen_notices.messages(change(d, first_seq), facts or Facts(), destinations, T0)


def received_now(d: Dossier) -> None:
    d.record(EventKind.RECEIVED, d.received_at, 1, d.receiving_unit_id, procedure=d.procedure_code,
             due_at=d.due_at.isoformat())


def by_destination(messages: list[OutboundMessage]) -> dict[Destination, OutboundMessage]:
    assert len({m.destination for m in messages}) == len(messages)
    return {m.destination: m for m in messages}


def test_reception_tells_the_code_the_grouped_secret_and_the_appointment_by_mail_and_sms() -> None:
    d = consenting(S.RECEIVED)
    received_now(d)
    found = by_destination(sent(d))
    mail, sms = found[Destination.EMAIL], found[Destination.SMS]
    assert (mail.kind, sms.kind) == ("received", "received")
    assert mail.payload["to"] == EMAIL and sms.payload["to"] == PHONE
    assert set(mail.payload) == {"to", "subject", "body"} and set(sms.payload) == {"to", "text"}
    due = d.due_at.astimezone(VN_TZ)
    assert (due.hour, due.day) == (17, 17)  # the birth group: three working days, Thursday 17:00 in Huế
    for text in (mail.payload["subject"] + mail.payload["body"], sms.payload["text"]):
        assert d.code in text
    assert "Mã tra cứu: K7M4Q-X9TRB" in mail.payload["body"]
    assert "17:00 ngày 17/07/2025" in mail.payload["body"]
    assert "Trung tâm Phục vụ hành chính công phường Phú Xuân" in mail.payload["body"]
    assert f"“{published()['3.000722'].manifest['name']['vi']}”" in mail.payload["body"]
    assert len(sms.payload["text"]) <= 160  # one segment
    assert "Ma tra cuu: K7M4Q-X9TRB" in sms.payload["text"] and "17:00 ngay 17/07/2025" in sms.payload["text"]


def test_no_notice_carries_the_id_number_or_the_applicants_name() -> None:
    d = consenting(S.RECEIVED)
    received_now(d)
    d.take(Action.START_PROCESSING, T0, None, d.receiving_unit_id)
    d.request_supplement(T0, None, d.competent_unit_id, "Thiếu giấy tờ", [MissingItem("Giấy chứng sinh")], None)
    everything = json.dumps([m.payload for m in sent(d)], ensure_ascii=False)
    assert ID_NUMBER not in everything and "Nguyễn Văn An" not in everything


@pytest.mark.parametrize("contact", [None, Contact(EMAIL, PHONE, False), Contact(None, None, True)])
def test_without_consent_or_an_address_nothing_is_sent(contact: Contact | None) -> None:
    d = consenting(S.RECEIVED)
    d.contact = contact
    received_now(d)
    facts = Facts()
    assert sent(d, facts) == []


def test_only_the_destinations_configured_and_the_addresses_given() -> None:
    d = consenting(S.RECEIVED, Contact(None, PHONE, True))
    received_now(d)
    assert [m.destination for m in sent(d)] == [Destination.SMS]
    d = consenting(S.RECEIVED)
    received_now(d)
    assert [m.destination for m in sent(d, destinations=frozenset({Destination.EMAIL, Destination.DVCQG}))] == [
        Destination.EMAIL]
    assert sent(d, destinations=frozenset({Destination.DVCQG})) == []


def test_a_supplementation_request_says_what_to_bring_and_by_when() -> None:
    d = consenting()
    reply_by = CALENDAR.add_working_days(T0, 7)
    items = [MissingItem("Giấy chứng sinh", "original"), MissingItem("Giấy chứng nhận kết hôn", "certified_copy", 2)]
    d.request_supplement(T0, None, d.competent_unit_id, "Thiếu giấy tờ chứng minh", items, reply_by)
    found = [m for m in sent(d) if m.kind == "supplement_request"]
    assert len(found) == 2
    mail, sms = by_destination(found)[Destination.EMAIL], by_destination(found)[Destination.SMS]
    body = mail.payload["body"]
    assert "- Giấy chứng sinh (bản chính, 1 bản)" in body
    assert "- Giấy chứng nhận kết hôn (bản sao có chứng thực, 2 bản)" in body
    assert f"Hạn bổ sung: 17:00 ngày {reply_by.astimezone(VN_TZ):%d/%m/%Y}" in body
    assert "Lý do: Thiếu giấy tờ chứng minh" in body
    assert "Giay chung sinh; Giay chung nhan ket hon" in sms.payload["text"]
    assert f"han {reply_by.astimezone(VN_TZ):%d/%m/%Y}" in sms.payload["text"]


def test_an_apology_gives_the_new_appointment() -> None:
    d = consenting()
    new_due = CALENDAR.add_working_days(d.due_at, 2)
    d.extend(T0 + timedelta(hours=1), None, d.competent_unit_id, "Chờ xác minh của cơ quan khác", new_due, CALENDAR)
    found = sent(d)
    assert [m.kind for m in found] == ["apology", "apology"]  # the notice and the deadline: one notice
    mail = by_destination(found)[Destination.EMAIL]
    shown = new_due.astimezone(VN_TZ)
    assert f"Ngày hẹn trả kết quả mới: {shown:%H:%M} ngày {shown:%d/%m/%Y}" in mail.payload["body"]
    assert "hẹn trước đây: 17:00 ngày 17/07/2025" in mail.payload["body"]
    assert f"{shown:%d/%m/%Y}" in by_destination(found)[Destination.SMS].payload["text"]


def test_a_verification_extension_tells_the_citizen_nothing() -> None:
    d = consenting()
    d.extend_for_verification(T0, None, d.competent_unit_id, 3, CALENDAR)
    assert sent(d) == []


def test_the_financial_obligation_names_the_amounts_total_and_deadline_when_recorded() -> None:
    notice = FinancialNotice("TB-123/2025", [RecordedField("Thuế thu nhập cá nhân", "PIT", 50_000_000),
                                             RecordedField("Lệ phí trước bạ", "Fee", 1_250_000)], date(2025, 8, 14))
    d = consenting()
    d.await_payment(T0, None, d.competent_unit_id, "financial_obligation")
    found = by_destination(sent(d, Facts(notice)))
    body = found[Destination.EMAIL].payload["body"]
    assert "thông báo nộp tiền số TB-123/2025" in body
    assert "- Thuế thu nhập cá nhân: 50.000.000 đồng" in body and "Tổng cộng: 51.250.000 đồng" in body
    assert "trước ngày 14/08/2025" in body
    assert "51.250.000 dong" in found[Destination.SMS].payload["text"]


def test_the_financial_obligation_without_a_recorded_notice_says_the_words_alone() -> None:
    d = consenting()
    d.await_payment(T0, None, d.competent_unit_id, "financial_obligation")
    facts = Facts()
    found = by_destination(sent(d, facts))
    assert "nghĩa vụ tài chính" in found[Destination.EMAIL].payload["body"]
    assert "đồng" not in found[Destination.EMAIL].payload["body"]
    assert facts.asked_payment == 1  # asked once for both destinations


@pytest.mark.parametrize(("method", "words"), [
    (ReturnMethod.COUNTER, "Mời Ông/Bà đến Trung tâm Phục vụ hành chính công phường Thuận Hóa để nhận kết quả"),
    (ReturnMethod.POST, "qua dịch vụ bưu chính công ích"),
    (ReturnMethod.ONLINE, "tải kết quả điện tử"),
])
def test_result_ready_says_where_and_how_it_is_returned(method: ReturnMethod, words: str) -> None:
    d = consenting(returning="19786")
    d.return_method = method
    d.take(Action.FINISH, T0, None, d.competent_unit_id)
    found = by_destination(sent(d))
    assert found[Destination.EMAIL].kind == "result_ready"
    assert words in found[Destination.EMAIL].payload["body"]
    assert "da co ket qua" in found[Destination.SMS].payload["text"]


def test_after_the_return_the_citizen_is_invited_to_rate_with_code_and_secret() -> None:
    d = consenting(S.RESULT_READY)
    d.take(Action.RETURN, T0 + timedelta(days=1), None, d.return_unit_id)
    found = by_destination(sent(d))
    assert {m.kind for m in found.values()} == {"rating_invitation"}
    body = found[Destination.EMAIL].payload["body"]
    assert "đánh giá mức độ hài lòng" in body and d.code in body and "K7M4Q-X9TRB" in body
    assert "K7M4Q-X9TRB" in found[Destination.SMS].payload["text"]


@pytest.mark.parametrize("status", [S.WITHDRAWN, S.STOPPED])
def test_other_events_give_no_notice(status: S) -> None:
    d = consenting()
    d.record(EventKind.TASK_COMPLETED, T0, 1, d.competent_unit_id, step="review")
    d.record(EventKind.NEAR_DUE, T0, None, None)
    d.end(Action.WITHDRAW if status == S.WITHDRAWN else Action.STOP, T0, 1, d.receiving_unit_id, "Lý do", [])
    assert sent(d) == []


def test_keys_are_deterministic_unique_and_streams_per_destination() -> None:
    d = consenting(S.RECEIVED)
    received_now(d)
    d.take(Action.START_PROCESSING, T0, None, d.receiving_unit_id)
    d.request_supplement(T0, None, d.competent_unit_id, "Thiếu", [MissingItem("Giấy chứng sinh")], None)
    first, again = sent(d), sent(d)
    assert [m.key for m in first] == [m.key for m in again]
    assert len({m.key for m in first}) == len(first) == 4
    assert first[0].key == f"{d.code}/5/email/received"
    assert all(len(m.key) <= 128 for m in first)
    assert {m.stream for m in first if m.destination == Destination.SMS} == {stream_of(Destination.SMS, d)}
    assert all(m.dossier_id == d.id and m.created_at == T0 for m in first)
    json.dumps([m.payload for m in first])  # plain data


def test_an_sms_has_no_diacritics_and_fits_two_segments() -> None:
    assert sms_text("Đã tiếp nhận hồ sơ “Đăng ký khai sinh”") == 'Da tiep nhan ho so "Dang ky khai sinh"'
    long = sms_text("Giấy tờ " * 100)
    assert len(long) == MAX_SMS and long.endswith("...") and long.isascii()
    d = consenting()
    items = [MissingItem(f"Bản sao giấy tờ chứng minh nơi cư trú số {n}") for n in range(30)]
    d.request_supplement(T0, None, d.competent_unit_id, "Thiếu", items, None)
    sms = next(m for m in sent(d) if m.destination == Destination.SMS)
    assert len(sms.payload["text"]) <= MAX_SMS and sms.payload["text"].isascii()


@pytest.mark.parametrize(("typed", "stored"), [
    ("0912345678", "+84912345678"), ("0912 345 678", "+84912345678"), ("+84 912.345.678", "+84912345678"),
    ("84912345678", "+84912345678"), ("(+84) 387-654-321", "+84387654321"), ("0123456789", None),
    ("091234567", None), ("02343822000", None), ("+1 202 555 0100", None), ("09123456789", None),
])
def test_phones_are_vietnamese_mobiles_stored_as_plus_84(typed: str, stored: str | None) -> None:
    assert normalised_phone(typed) == stored


@pytest.mark.parametrize(("typed", "stored"), [
    (" An.Nguyen@Example.VN ", "An.Nguyen@example.vn"), ("a+tag@mail.hue.gov.vn", "a+tag@mail.hue.gov.vn"),
    ("no-at-sign", None), ("a@b", None), ("a@@b.vn", None), ("a b@c.vn", None), ("a@c.vn\nBcc: x@y.vn", None),
    ("an@ví.vn", None), ("a." + "x" * 250 + "@c.vn", None),
])
def test_email_syntax(typed: str, stored: str | None) -> None:
    assert normalised_email(typed) == stored


def test_checked_contact_normalises_and_points_at_each_bad_field() -> None:
    assert checked_contact(Contact(" an@x.vn ", "0912 345 678", True)) == Contact("an@x.vn", "+84912345678", True)
    assert checked_contact(Contact("", "  ", True)) is None  # nothing to send to: no contact
    assert checked_contact(Contact(None, "0912345678", False)) == Contact(None, "+84912345678", False)  # kept
    assert checked_contact(None) is None
    with pytest.raises(ValidationFailedError) as raised:
        checked_contact(Contact("not-an-address", "12345", True))
    assert [e.pointer for e in raised.value.errors] == ["/contact/email", "/contact/phone"]
    assert "12345" not in str(raised.value) and "not-an-address" not in str(raised.value)
    with pytest.raises(ValidationFailedError) as raised:
        checked_contact(replace(Contact(), consent="yes"))  # type: ignore[arg-type]
    assert [e.pointer for e in raised.value.errors] == ["/contact/consent"]


def test_moments_are_shown_in_vietnam_time() -> None:
    d = consenting(S.RECEIVED, at=datetime(2025, 7, 14, 16, 30, tzinfo=VN_TZ))  # after 15:00: due next day
    received_now(d)
    body = by_destination(sent(d))[Destination.EMAIL].payload["body"]
    assert "lúc 16:30 ngày 14/07/2025" in body
