"""A dossier's whole journey through the pages alone: received at Phú Xuân's counter for a family of
Vỹ Dạ, handled from the inboxes of Vỹ Dạ's civil-status officer and leader, returned at Phú Xuân,
then looked up and rated by the citizen on a phone-sized screen."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.conftest import VY_DA, birth_application
from tests.e2e.conftest import sign_in, sign_out

PHONE = {"width": 390, "height": 844}


def _fill_application(page: Any, values: dict[str, Any], prefix: str = "/application") -> None:
    for name, value in values.items():
        pointer = f"{prefix}/{name}"
        if isinstance(value, dict):
            _fill_application(page, value, pointer)
            continue
        field = page.locator(f'[name="{pointer}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(str(value))


def test_receive_handle_return_and_rate(server: str, browser: Any, shots: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    sign_in(page, server, "reception.19768")
    expect(page.get_by_role("heading", name="Tiếp nhận hồ sơ")).to_be_visible()
    page.get_by_label("Tìm thủ tục theo tên hoặc mã").fill("khai sinh")
    page.get_by_role("button", name="Tìm").click()
    shots(page, "counter-search")
    page.get_by_role("link", name=re.compile("^Đăng ký khai sinh")).click()

    # A first submission with the child's name missing and a bad ID: the server's messages sit by the fields.
    application = birth_application(VY_DA)
    broken = {**application, "child": {**application["child"], "full_name": ""},
              "mother": {**application["mother"], "id_number": "12345"}}
    _fill_application(page, broken)
    page.get_by_label(re.compile("^Tờ khai đăng ký khai sinh")).check()  # Accept waits for the required ones
    page.get_by_label(re.compile("^Giấy chứng sinh")).check()
    page.get_by_role("button", name="Tiếp nhận và in phiếu hẹn").click()
    expect(page.locator("#f-application-child-full_name-error")).to_have_text("Bắt buộc nhập.")
    expect(page.locator("#f-application-mother-id_number-error")).to_have_text("Không đúng định dạng.")
    expect(page.locator('[name="/application/applicant/full_name"]')).to_have_value("Nguyễn Văn An")
    shots(page, "counter-errors")

    _fill_application(page, application)
    page.get_by_label(re.compile("^Tờ khai đăng ký khai sinh")).check()
    page.get_by_label(re.compile("^Giấy chứng sinh")).check()
    shots(page, "counter-filled")
    page.get_by_role("button", name="Tiếp nhận và in phiếu hẹn").click()
    expect(page.get_by_role("heading", name=re.compile("Đã tiếp nhận hồ sơ"))).to_be_visible()
    code = page.locator(".dossier-head .code").inner_text()
    assert re.fullmatch(r"19768-\d{6}-\d{4}", code)
    expect(page.locator(".side-col")).to_contain_text("Phường Vỹ Dạ")
    shots(page, "dossier-received")

    # The receipt slip carries the look-up secret the citizen will use.
    with page.expect_popup() as popup:
        page.get_by_role("link", name="HTML").first.click()
    receipt = popup.value
    receipt.wait_for_load_state()
    secret = receipt.locator(".lookup-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", secret), "the receipt shows no look-up secret in two groups"
    shots(receipt, "receipt")
    receipt.close()
    sign_out(page)

    # Vỹ Dạ's civil-status officer, then its leader, work from their inboxes.
    # The leader's approval has one option: its button says it (issue 22), no one-option select.
    for username, fill, button in (
            ("specialist.19777", {"register_book": "01/2026", "register_number": "57"}, "Hoàn thành bước"),
            ("leader.19777", {}, "Đồng ý, ký Giấy khai sinh")):
        sign_in(page, server, username)
        page.goto(f"{server}/inbox")
        shots(page, f"inbox-{username}")
        page.get_by_role("link", name=code).click()
        form = page.locator("form[id^=task-]")
        for name, value in fill.items():
            field = form.locator(f'[name$="/{name}"]')
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        shots(page, f"task-{username}")
        form.get_by_role("button", name=button).click()
        expect(page.locator(".flash.success")).to_be_visible()
        sign_out(page)

    # Back at Phú Xuân: the result is ready and the return step is in the counter's inbox.
    sign_in(page, server, "reception.19768")
    page.goto(f"{server}/inbox")
    page.get_by_role("link", name=code).click()
    expect(page.locator(".dossier-head")).to_contain_text("Đã xử lý xong")
    page.get_by_label("Họ tên người nhận kết quả").fill("Nguyễn Văn An")
    shots(page, "return")
    page.get_by_role("button", name="Trả kết quả").click()
    expect(page.locator(".dossier-head")).to_contain_text("Đã trả kết quả")
    shots(page, "returned")

    # The citizen, on a phone, scans the QR code (the home page with code and secret) and rates.
    phone = browser.new_page(viewport=PHONE, locale="vi-VN")
    phone.goto(f"{server}/?code={code}&secret={secret}")
    expect(phone.locator(".big-status")).to_have_text("Đã trả kết quả")
    body = phone.content()
    for personal in ("046190000123", "0912345678", "Nguyễn Văn An", "Lê Lợi"):
        assert personal not in body
    shots(phone, "citizen-status")
    phone.get_by_label("Rất hài lòng").check()
    phone.get_by_role("button", name="Gửi đánh giá").click()
    expect(phone.locator(".flash.success")).to_have_text("Cảm ơn ông/bà đã đánh giá.")
    expect(phone.get_by_role("button", name="Gửi đánh giá")).to_have_count(0)
    shots(phone, "citizen-rated")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page scrolls sideways"
