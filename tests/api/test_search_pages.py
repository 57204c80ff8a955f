"""The officers' search box and dossier list (issue 22): a code typed or the receipt's QR text (as a handheld
scanner types it) opens the dossier in one step when the officer may read it; a name typed without accents, an ID
number or a phone lists what matches, with the applicant column; a supervisor lands on the province's dossiers
with this month's figures rather than an empty inbox."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.api.helpers import csrf_of, received, sign_in, sign_in_page
from tests.conftest import PASSWORD, PHU_XUAN, THUAN_HOA, VY_DA


def _receipt(client: Any) -> dict[str, Any]:
    return received(client, sign_in(client, f"reception.{PHU_XUAN}"))


def test_a_code_or_the_receipts_qr_text_opens_the_dossier_in_one_step(client: Any) -> None:
    receipt = _receipt(client)
    sign_in_page(client, f"reception.{PHU_XUAN}")
    by_code = client.get(f"/dossiers?q={receipt['code'].lower()}%20")
    assert by_code.status_code == 302 and by_code.headers["Location"] == f"/dossiers/{receipt['code']}"
    qr_text = f"http://localhost/?code={receipt['code']}&secret={receipt['secret']}"
    by_qr = client.get(f"/dossiers?q={quote(qr_text, safe='')}")
    assert by_qr.status_code == 302 and by_qr.headers["Location"] == f"/dossiers/{receipt['code']}"


def test_a_code_outside_the_officers_scope_is_not_found_and_not_opened(client: Any) -> None:
    receipt = _receipt(client)
    sign_in_page(client, f"reception.{THUAN_HOA}")
    page = client.get(f"/dossiers?q={receipt['code']}")
    assert page.status_code == 200
    assert "Không tìm thấy hồ sơ có mã này" in page.get_data(as_text=True)


def test_a_name_typed_without_accents_lists_the_matching_dossiers_with_their_applicants(client: Any) -> None:
    receipt = _receipt(client)
    sign_in_page(client, f"specialist.{VY_DA}")
    page = client.get("/dossiers?q=nguyen+van+an&sort=oldest").get_data(as_text=True)
    assert receipt["code"] in page and "Nguyễn Văn An" in page and 'aria-sort="ascending"' in page
    assert receipt["code"] not in client.get("/dossiers?q=tran+van+an").get_data(as_text=True)


def test_every_officer_page_has_the_search_box_and_the_scanner(client: Any) -> None:
    sign_in_page(client, f"reception.{PHU_XUAN}")
    for path in ("/counter", "/inbox", "/dossiers", "/intake"):
        page = client.get(path).get_data(as_text=True)
        assert 'role="search"' in page and 'name="q"' in page and "scanner.js" in page, path
        assert 'data-scan-for="top-q"' in page
    assert client.get("/static/node_modules/jsqr/dist/jsQR.js", buffered=True).status_code == 200


def test_a_supervisor_lands_on_the_provinces_dossiers_and_figures(client: Any) -> None:
    receipt = _receipt(client)
    signed = client.post("/login", data={"username": "supervisor.46", "password": PASSWORD,
                                         "csrf_token": csrf_of(client)})
    assert signed.status_code == 302 and signed.headers["Location"] == "/dossiers"
    page = client.get("/dossiers").get_data(as_text=True)
    assert "Hồ sơ của tỉnh" in page and receipt["code"] in page and 'href="/stats"' in page
    assert "Tổng số hồ sơ" in page and "Tháng này" in page  # this month's figures, above the list
    specialist = client.application.test_client()
    sign_in_page(specialist, f"specialist.{VY_DA}")
    assert 'href="/stats"' not in specialist.get("/dossiers").get_data(as_text=True).split("<main")[1]


def test_the_received_period_is_typed_day_first_whatever_the_browser(client: Any) -> None:
    receipt = _receipt(client)  # received on Monday 14/07/2025
    sign_in_page(client, f"reception.{PHU_XUAN}")
    until_august = client.get("/dossiers?received_to=01/08/2025").get_data(as_text=True)
    assert receipt["code"] in until_august  # 1 August, not 8 January
    assert 'name="received_to" inputmode="numeric" placeholder="dd/mm/yyyy" size="10" value="01/08/2025"' \
        in until_august
    assert receipt["code"] not in client.get("/dossiers?received_from=01/08/2025").get_data(as_text=True)
    assert receipt["code"] in client.get("/dossiers?received_from=2025-07-14").get_data(as_text=True)  # ISO too
