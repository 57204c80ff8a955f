"""The counter's contact for notices in Chromium (issue 23): the addresses show once the applicant's consent is
ticked, and the phone follows the application's until the officer types one of their own."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def test_the_consent_shows_the_addresses_and_the_phone_follows_the_applicants(server: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server, "reception.19768")
    page.goto(f"{server}/counter/1.001193")
    email, phone = page.locator("#contact-email"), page.locator("#contact-phone")
    expect(email).to_be_hidden()
    page.locator("#contact-consent").check()
    expect(email).to_be_visible()
    applicant_phone = page.locator('[name="/application/applicant/phone"]')
    applicant_phone.fill("0912345678")
    applicant_phone.dispatch_event("change")
    expect(phone).to_have_value("0912345678")
    applicant_phone.fill("0987654321")
    applicant_phone.dispatch_event("change")
    expect(phone).to_have_value("0987654321")  # still the copy: it follows
    phone.fill("0911111111")
    applicant_phone.fill("0900000000")
    applicant_phone.dispatch_event("change")
    expect(phone).to_have_value("0911111111")  # the officer's own is kept
