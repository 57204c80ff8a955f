"""The acceptance decision in Chromium (issue 19): Phú Xuân's counter guides one applicant to complete the
dossier (Mẫu 02), refuses another (Mẫu 03) and receives a third, the checklist holding Accept back until
every required document is ticked; then an online submission handed in through the API by the portal's
client waits in the intake queue, the citizen sees it waiting, and the counter accepts it from the queue."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect

from tests.conftest import PHU_XUAN, VY_DA, birth_application
from tests.e2e.conftest import PASSWORD, sign_in
from tests.e2e.test_dossier_journey import PHONE, _fill_application

BIRTH = "1.001193"


def _button(page: Any, name: str) -> Any:
    return page.get_by_role("button", name=name, exact=True)


def _slip(page: Any, shots: Any, link: str, name: str) -> str:
    """Open a slip from its link (a new tab), save its picture, and give back its text."""
    with page.expect_popup() as popup:
        page.get_by_role("link", name=link, exact=True).first.click()
    slip = popup.value
    slip.wait_for_load_state()
    shots(slip, name)
    text = " ".join(slip.locator("body").text_content().split())  # as written, before CSS capitals
    slip.close()
    return text


def _post(server: str, path: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    request = urllib.request.Request(f"{server}/api/v1{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request) as response:  # the test server on localhost
        return json.loads(response.read())  # type: ignore[no-any-return]


def test_the_counter_guides_refuses_and_receives_on_one_screen(server: str, browser: Any, shots: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    sign_in(page, server, f"reception.{PHU_XUAN}")
    application = birth_application(VY_DA)

    # The birth notice is missing: Accept waits, and the guidance already lists what to bring.
    page.goto(f"{server}/counter/{BIRTH}")
    _fill_application(page, application)
    expect(_button(page, "Tiếp nhận và in phiếu hẹn")).to_be_disabled()
    page.get_by_label(re.compile("^Tờ khai đăng ký khai sinh")).check()
    expect(_button(page, "Tiếp nhận và in phiếu hẹn")).to_be_disabled()
    expect(page.locator("#items")).to_have_value("Giấy chứng sinh")
    page.locator("#reasons").fill("Chưa có Giấy chứng sinh của cơ sở y tế nơi trẻ sinh ra.")
    shots(page, "counter-guide")
    _button(page, "Hướng dẫn bổ sung").click()
    expect(page.locator("#outcome")).to_contain_text("Đã hướng dẫn bổ sung, hoàn thiện hồ sơ")
    expect(page.locator("#outcome")).to_contain_text("Giấy chứng sinh")
    expect(page.get_by_role("button", name="Tiếp nhận và in phiếu hẹn")).to_have_count(0)
    shots(page, "counter-guided")
    guidance = _slip(page, shots, "HTML", "guidance-slip")
    assert "Giấy chứng sinh" in guidance and "Người hướng dẫn" in guidance and "tiếp nhận lúc" not in guidance

    # Not within the procedure: refused with reasons, never received.
    page.goto(f"{server}/counter/{BIRTH}")
    _fill_application(page, application)
    page.locator("#reasons").fill("Trẻ đã được đăng ký khai sinh tại phường Thuận Hóa.")
    _button(page, "Từ chối tiếp nhận").click()
    expect(page.locator("#outcome")).to_contain_text("Đã từ chối tiếp nhận hồ sơ")
    shots(page, "counter-refused")
    refusal = _slip(page, shots, "HTML", "refusal-slip")
    assert "hồ sơ không được tiếp nhận" in refusal and "Thuận Hóa" in refusal and "tiếp nhận lúc" not in refusal

    # Complete: both required documents ticked, Accept opens and the guidance empties.
    page.goto(f"{server}/counter/{BIRTH}")
    _fill_application(page, application)
    page.get_by_label(re.compile("^Tờ khai đăng ký khai sinh")).check()
    page.get_by_label(re.compile("^Giấy chứng sinh")).check()
    expect(_button(page, "Tiếp nhận và in phiếu hẹn")).to_be_enabled()
    expect(page.locator("#items")).to_have_value("")
    expect(_button(page, "Hướng dẫn bổ sung")).to_be_disabled()
    shots(page, "counter-accept")
    _button(page, "Tiếp nhận và in phiếu hẹn").click()
    expect(page.get_by_role("heading", name=re.compile("Đã tiếp nhận hồ sơ"))).to_be_visible()
    code = page.locator(".dossier-head .code").inner_text()
    assert re.fullmatch(rf"{PHU_XUAN}-\d{{6}}-\d{{4}}", code)
    shots(page, "counter-received")


def test_an_online_submission_waits_in_the_queue_and_is_accepted_from_it(server: str, browser: Any,
                                                                          shots: Any) -> None:
    reference = f"G22.{uuid.uuid4().hex[:12]}"
    handed = datetime.now(UTC) - timedelta(hours=2, minutes=15)
    token = _post(server, "/auth/token", {"username": "portal.46", "password": PASSWORD})["access_token"]
    _post(server, "/intake/submissions", token=token, body={
        "reference": reference, "centre_id": PHU_XUAN, "procedure_code": BIRTH,
        "submitted_at": handed.isoformat(), "application": birth_application(VY_DA), "components": [
            {"name": "Tờ khai đăng ký khai sinh (bản điện tử)", "form": "electronic", "document": 0},
            {"name": "Giấy chứng sinh (bản điện tử)", "form": "electronic", "document": 1}]})

    phone = browser.new_page(viewport=PHONE, locale="vi-VN")
    phone.goto(f"{server}/?code={reference}")
    expect(phone.locator("#submission")).to_contain_text("đang chờ cán bộ kiểm tra để tiếp nhận")
    assert "Nguyễn Văn An" not in phone.content()
    shots(phone, "citizen-waiting")

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    sign_in(page, server, f"reception.{PHU_XUAN}")
    page.get_by_role("link", name="Hồ sơ chờ tiếp nhận").click()
    row = page.locator("#queue tr", has_text=reference)
    expect(row).to_contain_text("Trực tuyến")
    expect(row).to_contain_text(re.compile(r"2 giờ 1[56] phút"))
    shots(page, "intake-queue")
    row.get_by_role("link", name=reference).click()

    expect(page.locator("#doc-0")).to_be_checked()
    expect(page.locator("#doc-1")).to_be_checked()
    expect(page.locator(".components")).to_contain_text("Giấy chứng sinh (bản điện tử)")
    expect(_button(page, "Tiếp nhận và in phiếu hẹn")).to_be_enabled()
    shots(page, "intake-decision")
    _button(page, "Tiếp nhận và in phiếu hẹn").click()
    expect(page.get_by_role("heading", name=re.compile("Đã tiếp nhận hồ sơ"))).to_be_visible()
    shots(page, "intake-accepted")
    receipt = _slip(page, shots, "HTML", "receipt")
    assert "Thời gian nộp hồ sơ (trực tuyến):" in receipt and "Thời gian tiếp nhận hồ sơ:" in receipt

    phone.goto(f"{server}/?code={reference}")
    expect(phone.locator("#submission")).to_contain_text("Hồ sơ đã được tiếp nhận với mã hồ sơ")
    expect(phone.locator("#code")).to_have_value("")  # the portal's id is not a dossier code
    shots(phone, "citizen-accepted")
    phone.locator("#submission").get_by_role("link", name=re.compile("^Tra cứu hồ sơ")).click()
    expect(phone.locator("#code")).to_have_value(re.compile(rf"^{PHU_XUAN}-\d{{6}}-\d{{4}}$"))
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page scrolls sideways"
