"""A returning citizen at the counter (issue 22): the officer finds their dossier in one step by its code typed
in the header's search box, by the receipt's QR text as a handheld scanner types it (then Enter), by the QR read
with the camera (Chromium's fake camera playing a receipt QR rendered with segno), or by the name typed without
accents. Then a specialist's urgent inbox (its total matches its rows) and a saved filter, and a supervisor's
landing on the province's dossiers and figures."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import segno
from playwright.sync_api import expect

from tests.conftest import birth_application
from tests.e2e.conftest import CHROMIUM, PASSWORD, sign_in, sign_out

COUNTER, SPECIALIST = "reception.19768", "specialist.19777"
NAME = "Hoàng Thị Thu Hằng"


def _receive(app: Any, *, days_ago: int = 0) -> dict[str, Any]:
    """A birth registration received at Phú Xuân for a family of Vỹ Dạ, `days_ago` calendar days ago."""
    client, w = app.test_client(), app.extensions["onestop"]
    token = client.post("/api/v1/auth/token", json={"username": COUNTER, "password": PASSWORD}).get_json()
    application = birth_application("19777")
    application["applicant"]["full_name"] = NAME
    clock = w.clock
    try:
        now = clock()
        w.clock = lambda: now - timedelta(days=days_ago)
        response = client.post("/api/v1/dossiers", json={"procedure_code": "1.001193", "application": application},
                               headers={"Authorization": f"Bearer {token['access_token']}"})
    finally:
        w.clock = clock
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _y4m(text: str, path: Path, width: int = 640, height: int = 480) -> Path:
    """A still video (YUV 4:2:0, a few identical frames) of the QR code of `text`, for Chromium's fake camera."""
    matrix = [list(row) for row in segno.make(text, error="m", micro=False).matrix]
    scale = min(width, height) // (len(matrix) + 8)
    left, top = (width - scale * len(matrix)) // 2, (height - scale * len(matrix)) // 2
    luma = bytearray(b"\xeb" * (width * height))  # white paper
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (top + y * scale + dy) * width + left + x * scale
                    luma[start:start + scale] = b"\x10" * scale
    chroma = b"\x80" * (width * height // 4)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * 10)
    return path


@pytest.fixture
def camera_browser(chromium: Any) -> Iterator[Any]:
    """Launches a second Chromium whose (fake) camera plays a given video; closed after the test."""
    launched: list[Any] = []

    def launch(video: Path) -> Any:
        browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"])
        launched.append(browser)
        return browser

    yield launch
    for browser in launched:
        browser.close()


def test_a_counter_officer_finds_a_returning_citizens_dossier_in_one_step(app: Any, server: str, browser: Any,
                                                                           shots: Any) -> None:
    receipt = _receive(app)
    code, qr_text = receipt["code"], f"{server}/?code={receipt['code']}&secret={receipt['secret']}"
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    sign_in(page, server, COUNTER)
    shots(page, "counter-with-search-box")

    # The code, typed in the header's search box: the dossier opens.
    page.locator("#top-q").fill(code.lower())
    page.locator("#top-q").press("Enter")
    expect(page).to_have_url(re.compile(rf"/dossiers/{code}$"))
    expect(page.get_by_role("heading", name=re.compile(code))).to_be_visible()
    shots(page, "opened-by-code")

    # The receipt's QR, read by a handheld scanner: it types the look-up address, then Enter. Only the code
    # leaves the browser: the look-up secret stays out of the request.
    page.goto(f"{server}/counter")
    searches: list[str] = []
    page.on("request", lambda r: searches.append(r.url) if "/dossiers?" in r.url else None)
    page.locator("#top-q").press_sequentially(qr_text, delay=2)
    page.locator("#top-q").press("Enter")
    expect(page).to_have_url(re.compile(rf"/dossiers/{code}$"))
    assert searches and all("secret" not in url and receipt["secret"] not in url for url in searches)

    # The name, typed without accents: the list shows the dossier with its applicant; one click opens it.
    page.locator("#top-q").fill("hoang thi thu hang")
    page.locator("#top-q").press("Enter")
    row = page.locator("table.list tbody tr", has_text=code)
    expect(row).to_contain_text(NAME)
    shots(page, "found-by-name")
    row.get_by_role("link", name=code).click()
    expect(page).to_have_url(re.compile(rf"/dossiers/{code}$"))


def test_the_camera_reads_the_receipts_qr_and_opens_the_dossier(app: Any, server: str, camera_browser: Any,
                                                                tmp_path: Path, shots: Any) -> None:
    receipt = _receive(app)
    code = receipt["code"]
    video = _y4m(f"{server}/?code={code}&secret={receipt['secret']}", tmp_path / "receipt-qr.y4m")
    context = camera_browser(video).new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.grant_permissions(["camera"], origin=server)
    page = context.new_page()
    sign_in(page, server, COUNTER)
    scan = page.get_by_role("button", name="Quét bằng camera").first
    expect(scan).to_be_visible()
    scan.click()
    expect(page).to_have_url(re.compile(rf"/dossiers/{code}$"), timeout=15000)
    shots(page, "opened-by-camera")


def test_the_urgent_inbox_counts_its_rows_and_a_saved_filter_brings_it_back(app: Any, server: str, browser: Any,
                                                                            shots: Any) -> None:
    late = _receive(app, days_ago=3)["code"]  # its review step is long overdue
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    sign_in(page, server, SPECIALIST)
    page.goto(f"{server}/inbox")
    page.get_by_label("Mức độ khẩn").select_option("urgent")
    page.get_by_role("button", name="Lọc", exact=True).click()
    total = int(re.search(r"\((\d+)\)", page.locator("h1").inner_text())[1])  # type: ignore[index]
    expect(page.locator("table.list tbody tr")).to_have_count(min(total, 50))
    expect(page.locator("table.list tbody tr", has_text=late)).to_contain_text(NAME)
    assert total >= 1
    shots(page, "inbox-urgent")

    page.get_by_label("Lưu bộ lọc này với tên").fill("Việc gấp")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.locator(".flash.success")).to_contain_text("Việc gấp")
    page.goto(f"{server}/inbox")
    page.get_by_role("link", name="Việc gấp").click()
    expect(page.get_by_label("Mức độ khẩn")).to_have_value("urgent")
    expect(page.locator("table.list tbody tr")).to_have_count(min(total, 50))
    shots(page, "saved-filter")
    sign_out(page)


def test_a_supervisor_lands_on_the_provinces_dossiers_and_figures(app: Any, server: str, browser: Any,
                                                                   shots: Any) -> None:
    code = _receive(app)["code"]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    sign_in(page, server, "supervisor.46")
    expect(page).to_have_url(re.compile(r"/dossiers$"))
    expect(page.get_by_role("heading", name=re.compile("Hồ sơ của tỉnh"))).to_be_visible()
    expect(page.locator(".kpis")).to_contain_text("Tháng này")
    expect(page.locator("table.list")).to_contain_text(code)
    shots(page, "supervisor-landing")
    page.get_by_role("link", name=re.compile("Mở bảng số liệu")).click()
    expect(page).to_have_url(re.compile(r"/stats"))
