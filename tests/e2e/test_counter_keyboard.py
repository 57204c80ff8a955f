"""The counter with a keyboard only (issue 22): one birth registration filled and received in Chromium with
keys alone, as bench/counter_keystrokes.py measures it, in Vietnamese and in English, and with JavaScript
off; the browser's instant checks and helpers (dates day first, the commune by name, the copy button) with
the server's checks still final."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from bench.counter_keystrokes import birth_values, fill_and_receive, month_first
from engine.services import directory
from tests.e2e.conftest import sign_in

# The figures measured after issue 22 (docs/BENCHMARKS.md): more keys than these is a regression. Issue 23 adds
# one Tab stop: the consent to notices (its addresses show only once it is ticked).
MOST_CHARACTERS, MOST_NAVIGATION = 172, 35


@pytest.fixture(scope="module")
def unit_names(app: Any) -> dict[str, str]:
    return {u.id: u.name for u in directory.units(app.extensions["onestop"].uow(), province_id="46")}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_birth_registration_is_received_with_the_keyboard_alone(server: str, browser: Any, shots: Any,
                                                                  unit_names: dict[str, str], lang: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN" if lang == "vi" else "en-US")
    sign_in(page, server, "reception.19768")
    if lang == "en":
        page.locator("a[lang=en]").click()

    counts = fill_and_receive(page, server, us_dates=month_first(browser), unit_names=unit_names)

    assert re.fullmatch(r"19768-\d{6}-\d{4}", counts.dossier_code)
    assert counts.characters <= MOST_CHARACTERS and counts.navigation <= MOST_NAVIGATION, counts
    shots(page, f"received-{lang}")
    expect(page.locator("#next-dossier")).to_be_visible()
    expect(page.locator(":focus")).to_have_attribute("href", re.compile("receipt"))  # Enter prints
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the next dossier: its first field is focused
    page.wait_for_url(re.compile("/counter/1.001193$"))
    expect(page.locator(":focus")).to_have_attribute("name", "/application/applicant/full_name")


def test_the_form_works_with_javascript_off(server: str, chromium: Any, shots: Any,
                                            unit_names: dict[str, str]) -> None:
    """Without counter.js the dates and the commune's name are read by the server alone, and no copy button
    shows. (Accept itself waits for decision.js, which enables it once the required documents are ticked:
    the guidance is sent instead, the application read and checked the same way.)"""
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, server, "reception.19768")

    values = birth_values() | {"reasons": "Giấy chứng sinh là bản sao"}
    counts = fill_and_receive(page, server, us_dates=False, unit_names=unit_names, values=values, decision="guide")

    assert counts.characters > MOST_CHARACTERS  # the father typed: no copy button without the script
    assert "/intake/" in page.url, page.locator(".error").all_inner_texts()
    application = page.locator("dl.facts").first
    expect(application).to_contain_text("14/03/2025")
    expect(application).to_contain_text("Phường Vỹ Dạ")
    expect(application).not_to_contain_text("19777")
    shots(page, "guided-without-javascript")
    context.close()


def test_the_browser_checks_as_the_officer_types_and_the_server_stays_final(server: str, browser: Any,
                                                                            shots: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")  # month-first Chrome
    sign_in(page, server, "reception.19768")
    page.goto(f"{server}/counter/1.001193")
    expect(page.locator(":focus")).to_have_attribute("name", "/application/applicant/full_name")

    birth = page.locator('[name="/application/child/date_of_birth"]')
    birth.fill("31/02/2025")
    birth.press("Tab")
    expect(page.locator("#f-application-child-date_of_birth-error")).to_have_text(
        "Ngày không hợp lệ: gõ ngày/tháng/năm, ví dụ 02/07/2025.")
    birth.fill("2/7/2025")
    birth.press("Tab")
    expect(birth).to_have_value("02/07/2025")  # 2 July, whatever the browser's language
    expect(page.locator("#f-application-child-date_of_birth-error")).to_have_count(0)

    phone = page.locator('[name="/application/applicant/phone"]')
    phone.fill("12345")
    phone.press("Tab")
    expect(page.locator("#f-application-applicant-phone-error")).to_have_text("Không đúng định dạng.")

    commune = page.locator('[name="/application/residence/unit_id"]')
    commune.press_sequentially("vy d")
    expect(page.locator("#f-application-residence-unit_id-picked")).to_have_text("→ Phường Vỹ Dạ")
    commune.press("Tab")
    expect(commune).to_have_value("Phường Vỹ Dạ")

    page.locator('[name="/application/applicant/full_name"]').fill("Nguyễn Văn An")
    page.locator('[name="/application/applicant/id_number"]').fill("046190000123")
    page.locator('button[data-copy-to="/application/father"]').click()
    expect(page.locator('[name="/application/father/full_name"]')).to_have_value("Nguyễn Văn An")
    expect(page.locator('[name="/application/father/id_number"]')).to_have_value("046190000123")
    expect(page.locator(":focus")).to_have_attribute("name", "/application/father/date_of_birth")
    shots(page, "checked-in-the-browser")

    # The browser does not stop the form: the server's own check answers, beside the same fields.
    page.get_by_label(re.compile("^Tờ khai đăng ký khai sinh")).check()
    page.get_by_label(re.compile("^Giấy chứng sinh")).check()
    page.get_by_role("button", name="Tiếp nhận và in phiếu hẹn").click()
    expect(page.locator("#f-application-applicant-phone-error")).to_have_text("Không đúng định dạng.")
    expect(page.locator(":focus")).to_have_attribute("name", "/application/applicant/phone")
    expect(page.locator('[name="/application/child/date_of_birth"]')).to_have_value("02/07/2025")
    expect(commune).to_have_value("Phường Vỹ Dạ")
    shots(page, "server-errors")


DATES = ["2/7/2025", "02072025", "2-7-2025", "2.7.2025", "2025-07-02", "31/02/2025", "29/2/2024", "29/02/2023",
         "00/01/2025", "2/13/2025", "2/7/25", "0207202", "ngày 2", " 02/07/2025 "]
NAMES = ["Phường Vỹ Dạ", "  ĐẶC   khu Lý Sơn ", "Thuận Hóa", "Huế"]


def test_the_browser_reads_dates_and_names_as_the_server_does(server: str, browser: Any) -> None:
    from api.pages.form_values import iso_date, plain

    page = browser.new_page()
    sign_in(page, server, "reception.19768")
    page.goto(f"{server}/counter/1.001193")
    read = page.evaluate("""async ([dates, names]) => {
        const {isoDate, plain} = await import('/static/counter.js');
        return [dates.map(isoDate), names.map(plain)];
    }""", [DATES, NAMES])
    assert read == [[iso_date(d) for d in DATES], [plain(n) for n in NAMES]]
