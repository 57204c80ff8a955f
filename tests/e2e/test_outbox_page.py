"""An admin opens "Đồng bộ và thông báo" from the menu, finds the record the national portal refused (parked, its
error shown without the personal data it quoted), filters the list down to the parked messages and sends it
again: it is waiting to be sent once more, and the backlog says so."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from playwright.sync_api import expect

from engine.domain.outbox import DeliveryFailed, Destination, MessageStatus, OutboundMessage
from engine.services import outbound
from tests.e2e.conftest import sign_in

QUOTED = "SoGiayTo 079201001234 của an.nguyen@example.com không hợp lệ"


class Refusing:
    def deliver(self, message: OutboundMessage) -> None:
        raise DeliveryFailed(QUOTED, permanent=True)


def _parked_record(app: Any) -> int:
    """A record written an hour ago that the portal refused outright."""
    w = app.extensions["onestop"]
    key = f"e2e-{uuid.uuid4().hex}"
    message = OutboundMessage(Destination.DVCQG, "DongBoHoSoMC", key, key, {"SoGiayTo": "079201001234"},
                              w.clock() - timedelta(hours=1))
    with w.uow() as uow:
        uow.outbox.add([message])
        uow.commit()
    outbound.deliver_due(w.uow, transports={Destination.DVCQG: Refusing()}, clock=w.clock)
    with w.uow() as uow:
        stored = uow.outbox.get(message.id or 0)
    assert stored is not None and stored.status is MessageStatus.PARKED
    return message.id or 0


def test_an_admin_sees_a_parked_record_and_sends_it_again(app: Any, server: str, browser: Any, shots: Any) -> None:
    message_id = _parked_record(app)
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="vi-VN")
    sign_in(page, server, "admin.46")
    page.get_by_role("navigation", name="Trình đơn chính").get_by_role("link", name="Đồng bộ và thông báo").click()
    expect(page.get_by_role("heading", name="Đồng bộ và thông báo")).to_be_visible()

    portal = page.locator('#backlog tr[data-destination="dvcqg"]')
    expect(portal).to_contain_text("Cổng Dịch vụ công quốc gia")
    parked_before = int(portal.locator("td.parked").inner_text())
    assert parked_before >= 1
    row = page.locator(f"#message-{message_id}")
    expect(row).to_contain_text("Tạm dừng, chờ quản trị xử lý")
    expect(row.locator("td.last-error")).to_have_text("SoGiayTo [id-number] của [email] không hợp lệ")
    expect(page.locator("body")).not_to_contain_text("079201001234")
    shots(page, "outbox")

    page.get_by_label("Trạng thái").select_option("parked")
    page.get_by_role("button", name="Lọc").click()
    expect(page).to_have_url(f"{server}/admin/outbox?destination=&status=parked")
    expect(page.locator("#messages tbody tr").first).to_contain_text("Tạm dừng")
    shots(page, "outbox-parked")

    page.locator(f"#message-{message_id}").get_by_role("button", name="Gửi lại").click()
    expect(page.get_by_role("status")).to_contain_text(f"Thông điệp {message_id} sẽ được gửi lại.")
    expect(page.locator(f"#message-{message_id}")).to_have_count(0)  # still filtered: it is no longer parked
    assert page.url.endswith("/admin/outbox?status=parked")
    expect(portal.locator("td.parked")).to_have_text(str(parked_before - 1))
    shots(page, "outbox-sent-again")

    page.goto(f"{server}/admin/outbox?status=pending&destination=dvcqg")
    expect(page.locator(f"#message-{message_id}")).to_contain_text("Đang chờ gửi")
    expect(page.locator(f"#message-{message_id}").get_by_role("button", name="Gửi lại")).to_have_count(0)
    shots(page, "outbox-pending")

    page.get_by_role("link", name="EN").click()
    expect(page.get_by_role("heading", name="Synchronisation and notices")).to_be_visible()
    expect(page.locator(f"#message-{message_id}")).to_contain_text("Waiting to be sent")
    shots(page, "outbox-in-english")
