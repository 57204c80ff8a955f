"""Holding and returning steps through the pages: a specialist claims a review from the inbox, a colleague sees who
holds it and cannot complete it, the leader reassigns it, and the new holder completes it; the leader then sends
the signing back with a reason, the specialist reads it in the inbox and on the dossier page and redoes the
review, and the leader approves with one button."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from engine.services import accounts, dossiers, users
from engine.services.dossiers import Reception
from tests.conftest import VY_DA, birth_application
from tests.e2e.conftest import PASSWORD, sign_in, sign_out

COLLEAGUE, COLLEAGUE_NAME = "chuyenvien2.19777", "Lê Thị Hoa"
REASON = "Số trang sổ hộ tịch ghi sai, đề nghị kiểm tra và ghi lại."


def _received(app: Any) -> str:
    """A birth registration received at Phú Xuân for a family of Vỹ Dạ (the counter's pages have their own test)."""
    w = app.extensions["onestop"]
    counter = accounts.authenticate(w.uow(), username="reception.19768", password=PASSWORD)
    dossier, _created = dossiers.receive(w.uow(), actor=counter, catalogue=w.catalogue, calendar=w.calendar,
                                         clock=w.clock, reception=Reception("1.001193", birth_application(VY_DA)))
    return dossier.code


def _review(page: Any, number: str) -> None:
    form = page.locator("form[id^=task-]")
    form.locator('[name$="/register_book"]').fill("01/2026")
    form.locator('[name$="/register_number"]').fill(number)
    form.get_by_role("button", name="Hoàn thành bước").click()


def test_claim_reassign_send_back_and_approve(app: Any, server: str, browser: Any, shots: Any) -> None:
    users.create(app.extensions["onestop"].uow(), username=COLLEAGUE, password=PASSWORD, display_name=COLLEAGUE_NAME,
                 unit_id=VY_DA, roles=["specialist"])
    code = _received(app)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")

    # The first specialist claims the review from the inbox.
    sign_in(page, server, "specialist.19777")
    page.goto(f"{server}/inbox?held=unclaimed")
    row = page.locator("tr", has=page.get_by_role("link", name=code))
    row.get_by_role("checkbox").check()
    shots(page, "inbox-select")
    page.get_by_role("button", name="Nhận xử lý các bước đã chọn").click()
    expect(page.locator(".flash.success")).to_contain_text("Đã nhận xử lý 1 bước")
    page.goto(f"{server}/inbox?held=mine")
    expect(page.locator("tr", has=page.get_by_role("link", name=code)).locator("td.holder")).to_contain_text(
        "specialist — Phường Vỹ Dạ")
    shots(page, "inbox-mine")
    sign_out(page)

    # A colleague sees who holds it and is refused, naming the holder.
    sign_in(page, server, COLLEAGUE)
    page.goto(f"{server}/dossiers/{code}")
    expect(page.locator(".holding .holder")).to_contain_text("Do specialist — Phường Vỹ Dạ xử lý")
    _review(page, "57")
    expect(page.locator(".flash.error")).to_contain_text("specialist — Phường Vỹ Dạ")
    shots(page, "colleague-refused")
    sign_out(page)

    # The leader reassigns it to the colleague, who completes it.
    sign_in(page, server, "leader.19777")
    page.goto(f"{server}/dossiers/{code}")
    page.get_by_label("Giao cho").select_option(label=COLLEAGUE_NAME)
    shots(page, "leader-assigns")
    page.get_by_role("button", name="Giao", exact=True).click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator(".steps .holder").first).to_contain_text(COLLEAGUE_NAME)
    sign_out(page)
    sign_in(page, server, COLLEAGUE)
    page.goto(f"{server}/dossiers/{code}")
    _review(page, "75")
    expect(page.locator(".flash.success")).to_be_visible()
    sign_out(page)

    # The leader sends the signing back with the reason.
    sign_in(page, server, "leader.19777")
    page.goto(f"{server}/dossiers/{code}")
    expect(page.get_by_role("combobox", name=re.compile("Quyết định"))).to_have_count(0)  # no one-option select
    send_back = page.locator("form.send-back")
    expect(send_back).to_contain_text("Về bước: Kiểm tra, ghi sổ hộ tịch")
    send_back.get_by_label("Lý do").fill(REASON)
    shots(page, "leader-sends-back")
    send_back.get_by_role("button", name="Trả lại").click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Trả lại bước")
    sign_out(page)

    # The colleague who did the review sees why, in the inbox and on the page, and redoes it.
    sign_in(page, server, COLLEAGUE)
    page.goto(f"{server}/inbox?held=mine")
    expect(page.locator("tr", has=page.get_by_role("link", name=code))).to_contain_text(REASON)
    shots(page, "inbox-sent-back")
    page.get_by_role("link", name=code).click()
    expect(page.locator(".sent-back .reason")).to_have_text(REASON)
    expect(page.locator("li.step.sent_back")).to_contain_text("Đã trả lại")  # the leader's step, not "done"
    shots(page, "dossier-sent-back")
    _review(page, "76")
    expect(page.locator(".flash.success")).to_be_visible()
    sign_out(page)

    # The leader approves with one button, which says what it decides.
    sign_in(page, server, "leader.19777")
    page.goto(f"{server}/dossiers/{code}")
    shots(page, "leader-approves")
    page.get_by_role("button", name="Đồng ý, ký Giấy khai sinh").click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator(".dossier-head")).to_contain_text("Đã xử lý xong")
    shots(page, "approved")

    with page.expect_popup() as popup:
        page.locator("a[href*='slips/control_sheet']").first.click()
    sheet = popup.value
    sheet.wait_for_load_state()
    expect(sheet.locator("table.grid")).to_contain_text(REASON)
    shots(sheet, "control-sheet")


def test_print_the_receipts_of_several_dossiers(app: Any, server: str, browser: Any, shots: Any) -> None:
    codes = [_received(app), _received(app)]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    sign_in(page, server, "reception.19768")
    page.goto(f"{server}/dossiers")
    for code in codes:
        page.locator("tr", has=page.get_by_role("link", name=code)).get_by_role("checkbox").check()
    shots(page, "dossiers-selected")
    with page.expect_popup() as popup:
        page.get_by_role("button", name="In phiếu hẹn của các hồ sơ đã chọn").click()
    receipts = popup.value
    receipts.wait_for_load_state()
    for code in codes:
        expect(receipts.locator("body")).to_contain_text(code)
    expect(receipts.locator(".slip-break")).to_have_count(1)
    shots(receipts, "receipts")
