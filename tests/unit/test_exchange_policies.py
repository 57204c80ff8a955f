"""Which packages a dossier's change calls for (engine/domain/exchange_sender.py, exchange_handler.py): each side
sends what happened on its side, never what it applied from the other (no echo), and a dossier received and
handled in one province sends none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine.domain import exchange_handler, exchange_sender
from engine.domain.dossier import Dossier, EventKind
from engine.domain.exchange import Exchange, ExchangeRole, PackageKind
from engine.domain.files import StoredFile
from engine.domain.lifecycle import Action
from engine.domain.notice import MissingItem
from engine.domain.outbound import Change, OfficerFacts, Recorded, UnitFacts
from engine.domain.outbox import Destination
from engine.domain.status import DossierStatus as S
from engine.domain.task import Task
from tests.unit.builders import CALENDAR, T0, dossier

DA_NANG_WARD = "20195"


class Facts:
    def manifest(self, procedure_version_id: int) -> dict[str, Any]:
        return {"name": {"vi": "Đăng ký khai sinh"}}

    def unit(self, unit_id: str) -> UnitFacts:
        return UnitFacts(unit_id, f"unit {unit_id}", None)

    def officer(self, user_id: int) -> OfficerFacts | None:
        return None

    def files(self, dossier_id: int) -> list[StoredFile]:
        return []

    def chain(self, dossier_id: int) -> list[dict[str, Any]]:
        return [{"seq": 1, "kind": "received", "at": T0.isoformat(), "hash": "0" * 64}]

    def version_number(self, procedure_version_id: int) -> int:
        return 3

    def steps(self, dossier_id: int) -> list[Task]:
        return []


def _exchanged(role: ExchangeRole, status: S = S.PROCESSING) -> Dossier:
    d = dossier(status, competent=DA_NANG_WARD)
    d.id = 9
    d.exchange = Exchange(role, "48" if role == ExchangeRole.SENDER else "46")
    return d


def _change(d: Dossier) -> Change:
    return Change(d, [Recorded(e, seq) for seq, e in enumerate(d.recorded, start=10)])


def _kinds(d: Dossier, policy: Any) -> list[tuple[str, str]]:
    return [(m.kind, m.key) for m in policy.messages(_change(d), Facts(), T0)]


def test_the_sender_sends_what_its_centre_did_each_once_named_by_its_event() -> None:
    d = _exchanged(ExchangeRole.SENDER)
    d.record(EventKind.SENT_TO_PROVINCE, T0, 1, d.receiving_unit_id, province="48", package="dossier")
    sent = exchange_sender.messages(_change(d), Facts(), T0)
    assert [(m.destination, m.kind, m.key) for m in sent] == [
        (Destination.PROVINCE, "dossier", f"{d.code}:dossier:10")]
    body = sent[0].payload["body"]
    assert body["procedure"] == {"code": d.procedure_code, "version": 3, "name": "Đăng ký khai sinh"}
    assert body["competent_unit"]["id"] == DA_NANG_WARD and body["history"][0]["seq"] == 1
    assert sent[0].payload["receiver"] == "48"


def test_the_sender_does_not_echo_what_the_handler_reported() -> None:
    d = _exchanged(ExchangeRole.SENDER)
    d.request_supplement(T0, None, DA_NANG_WARD, "thiếu giấy", [MissingItem("Giấy chứng sinh")], None)
    assert _kinds(d, exchange_sender) == []
    d = _exchanged(ExchangeRole.SENDER)
    d.end(Action.STOP, T0, None, DA_NANG_WARD, "không đủ điều kiện", [])
    assert _kinds(d, exchange_sender) == []


def test_the_sender_tells_a_supplementation_and_a_withdrawal() -> None:
    d = _exchanged(ExchangeRole.SENDER, S.SUPPLEMENT_REQUESTED)
    d.supplement(T0 + timedelta(hours=1), 1, d.receiving_unit_id, "đã bổ sung", CALENDAR, [])
    d.end(Action.WITHDRAW, T0 + timedelta(hours=2), 1, d.receiving_unit_id, "công dân rút", [])
    assert [kind for kind, _ in _kinds(d, exchange_sender)] == ["supplemented", "withdrawn"]


def test_the_handler_tells_its_requests_and_its_end_but_not_what_the_sender_did() -> None:
    d = _exchanged(ExchangeRole.HANDLER)
    d.record(EventKind.RECEIVED_FROM_PROVINCE, T0, 1, None, province="46", package="dossier", package_id="x")
    d.request_supplement(T0, 2, DA_NANG_WARD, "thiếu giấy", [MissingItem("Giấy chứng sinh", copies=2)], None)
    d.supplement(T0 + timedelta(hours=1), 1, d.receiving_unit_id, "", CALENDAR, [])  # applied from the sender
    d.take(Action.FINISH, T0 + timedelta(hours=2), 2, DA_NANG_WARD)
    sent = exchange_handler.messages(_change(d), Facts(), T0)
    assert [m.kind for m in sent] == [PackageKind.ACCEPTED, PackageKind.SUPPLEMENT_REQUESTED,
                                      PackageKind.RESULT_READY]
    assert sent[1].payload["body"]["items"] == [{"name": "Giấy chứng sinh", "form": "original", "copies": 2}]
    assert sent[2].payload["body"]["result"] is None  # a result on paper


def test_a_dossier_of_one_province_sends_no_package() -> None:
    d = dossier(S.PROCESSING)
    d.id = 9
    d.take(Action.FINISH, T0, 2, d.competent_unit_id)
    assert _kinds(d, exchange_sender) == [] and _kinds(d, exchange_handler) == []
