"""An admin edits a procedure's decision table in the browser (dmn-js on the draft's DMN file): a rule's
annotation is changed in its cell, the draft saved, checked and published, and the API shows the new version
with the changed table."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

CODE = "2.000635"  # civil-status extract: its authority is decided by civil_status_extract.dmn
NOTE = "Đăng ký tại UBND cấp xã (kể cả xã cũ trước sắp xếp)"


def test_decision_table_cell_edited_and_published(server: str, browser: Any, shots: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 950}, locale="vi-VN")
    sign_in(page, server, "admin.46")
    page.goto(f"{server}/admin/procedures")
    page.locator("tr", has=page.locator("code", has_text=CODE)).get_by_role("link", name="Sửa bảng quyết định").click()
    expect(page.locator("#decisions[data-ready=true]")).to_be_attached(timeout=15000)
    expect(page.locator("#decision-file")).to_have_value("civil_status_extract.dmn")
    shots(page, "opened")

    cell = page.locator('td.annotation[data-row-id="Rule_commune"]')
    cell.click()
    page.keyboard.press("Control+a")
    page.keyboard.type(NOTE)
    page.locator("h1").click()
    expect(page.locator("#draft-state")).to_contain_text("lần sửa 1")  # saved by itself after a pause
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.locator("#decisions-status")).to_have_text("Đã lưu bản nháp.")
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.locator("#decisions-status")).to_have_text("Hợp lệ, có thể ban hành.")
    page.get_by_role("button", name="Ban hành phiên bản mới").click()
    expect(page.locator("#decisions-status")).to_contain_text("Đã ban hành phiên bản 2")
    shots(page, "published")

    published = page.request.get(f"{server}/api/v1/process-models/{CODE}").json()
    assert published["version"] == 2
    assert NOTE in published["decisions"]["civil_status_extract.dmn"]

    # A new decision file: added to the draft and named in the manifest's process.dmn.
    page.get_by_label("Tệp quyết định mới").fill("fee_rule.dmn")
    page.get_by_role("button", name="Thêm").click()
    expect(page.locator("#decision-file")).to_have_value("fee_rule.dmn")
    expect(page.locator("#draft-state")).to_contain_text("lần sửa 1")
    shots(page, "new-file")
    draft = page.request.get(f"{server}/api/v1/process-models/{CODE}/draft").json()
    assert draft["manifest"]["process"]["dmn"] == ["civil_status_extract.dmn", "fee_rule.dmn"]
    assert 'id="fee_rule"' in draft["decisions"]["fee_rule.dmn"]
