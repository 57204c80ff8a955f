"""An admin edits a procedure's diagram in the browser modeler: a problem the server finds is marked
on the diagram element; the fixed diagram is published as a new version, which the next dossier
received at a counter runs, with the renamed step in the handling officer's inbox."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.conftest import VY_DA, birth_application
from tests.e2e.conftest import sign_in, sign_out
from tests.e2e.test_dossier_journey import _fill_application

RENAMED = "Kiểm tra hồ sơ và ghi Sổ đăng ký khai sinh"


def test_edit_validate_publish_and_new_dossiers_use_it(server: str, browser: Any, shots: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 950}, locale="vi-VN")
    sign_in(page, server, "admin.46")
    expect(page.get_by_role("heading", name="Quy trình thủ tục hành chính")).to_be_visible()
    shots(page, "procedures")
    row = page.locator("tr", has=page.locator("code", has_text=re.compile(r"^1\.001193$")))
    before = row.locator(".badge").count()
    row.get_by_role("link", name="Sửa sơ đồ").click()
    expect(page.locator("#modeler[data-ready=true]")).to_be_attached(timeout=15000)
    shots(page, "modeler-opened")

    # The hand-over step moved to a new lane bound to nobody: the server names the lane and the modeler marks it.
    lane = page.evaluate("""() => {
        const m = window.onestopModeler;
        const registry = m.get('elementRegistry');
        const lane = m.get('modeling').addLane(registry.get('Lane_return_desk'), 'bottom');
        m.get('modeling').updateLabel(lane, 'nobody');
        const step = registry.get('hand_over');
        m.get('modeling').moveElements([step], {x: 0, y: lane.y + lane.height / 2 - step.y - step.height / 2});
        return lane.id;
    }""")
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.locator("#problems li")).to_contain_text([lane])
    expect(page.locator(f'[data-element-id="{lane}"].has-problem')).to_be_attached()
    shots(page, "modeler-problem")
    page.locator("#canvas").click(position={"x": 800, "y": 100})  # focus the diagram, then its own undo
    for _ in range(3):
        page.keyboard.press("Control+z")

    # Rename the review step the way an admin would: double-click it and type.
    page.locator('[data-element-id="review"]').dblclick()
    editor = page.locator(".djs-direct-editing-parent")
    expect(editor).to_be_visible()
    page.keyboard.press("Control+a")
    page.keyboard.type(RENAMED)
    page.locator("#canvas").click(position={"x": 30, "y": 30})
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.locator("#modeler-status")).to_have_text("Hợp lệ, có thể ban hành.")
    page.get_by_role("button", name="Ban hành phiên bản mới").click()
    expect(page.locator("#modeler-status")).to_contain_text("Đã ban hành phiên bản")
    version = int(page.locator("#version").inner_text())
    shots(page, "modeler-published")
    page.goto(f"{server}/admin/procedures")
    expect(row.locator(".badge")).to_have_count(before + 1)
    sign_out(page)

    # The next dossier runs the new version, and its handler sees the renamed step.
    sign_in(page, server, "reception.19768")
    page.goto(f"{server}/counter/1.001193")
    _fill_application(page, birth_application(VY_DA))
    page.get_by_label(re.compile("^Tờ khai đăng ký khai sinh")).check()  # Accept waits for the required ones
    page.get_by_label(re.compile("^Giấy chứng sinh")).check()
    page.get_by_role("button", name="Tiếp nhận và in phiếu hẹn").click()
    expect(page.locator(".side-col")).to_contain_text(f"1.001193 v{version}")
    code = page.locator(".dossier-head .code").inner_text()
    sign_out(page)
    sign_in(page, server, "specialist.19777")
    page.goto(f"{server}/inbox")
    expect(page.locator("tr", has=page.get_by_role("link", name=code))).to_contain_text(RENAMED)
    shots(page, "inbox-renamed-step")
