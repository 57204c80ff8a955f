"""The documents of a dossier in Chromium (issue 20).

An inter-connected birth group (3.000722: the ward's civil status, its police for the residence, social
insurance for the card): Phú Xuân's counter attaches a scanned PDF and a photographed JPEG to the components
and accepts; Vỹ Dạ's civil-status officer sees them, opens one and completes the review; Vỹ Dạ's leader signs
and issues the electronic result; Vỹ Dạ's police and social insurance see the files and what the steps before
them recorded; Phú Xuân returns the result; the citizen downloads the signed PDF from the look-up, and it
verifies (the API and /verify), while one changed byte does not.

A land transfer (1.013831) as far as the payment wait: the land registration branch appraises, the tax office
records its notice, and the citizen's page shows the notice's number and amounts and nothing personal."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader, PdfWriter

from api.settings import ROOT
from tests.e2e.conftest import sign_in, sign_out
from tests.e2e.test_dossier_journey import PHONE

GROUP, LAND = "3.000722", "1.013831"
PHU_XUAN, VY_DA = "19768", "19777"
WARD = "Phường Vỹ Dạ"
DESK = {"width": 1280, "height": 900}
ACCEPT = "Tiếp nhận và in phiếu hẹn"


def _scenario(folder: str) -> dict[str, Any]:
    path = ROOT / "processes" / folder / "scenarios" / "straight.json"
    scenario: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return scenario


def _steps(scenario: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["task"]: step["data"] for step in scenario["steps"]}


def _scan_pdf(path: Path, title: str) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": title})
    with path.open("wb") as out:
        writer.write(out)
    return path


def _photo_jpeg(path: Path) -> Path:
    Image.new("RGB", (120, 90), (30, 120, 200)).save(path, "JPEG")
    return path


def _fill(scope: Any, values: dict[str, Any], prefix: str) -> None:
    """Fill the inputs named by JSON pointer (`prefix/name`, nested objects deeper) from `values`."""
    for name, value in values.items():
        pointer = f"{prefix}/{name}"
        if isinstance(value, dict):
            _fill(scope, value, pointer)
            continue
        field = scope.locator(f'[name="{pointer}"]')
        if isinstance(value, bool):
            field.set_checked(value)
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(str(value))


def _complete_step(page: Any, data: dict[str, Any]) -> None:
    """Fill the officer's ready step (its inputs are `/tasks/<id>/<field>`) and complete it."""
    form = page.locator("form[id^=task-]")
    expect(form).to_have_count(1)
    task_prefix = form.get_attribute("action").rsplit("/tasks/", 1)[-1]
    # A one-option choice (the leader's approval) is no field: the form's button sends it (issue 22).
    shown = {k: v for k, v in data.items()
             if form.locator(f'[name^="/tasks/{task_prefix}/{k}"]:not([type=hidden])').count()}
    _fill(form, shown, f"/tasks/{task_prefix}")
    form.locator("button.primary").click()
    expect(page.locator(".flash.success")).to_be_visible()


def _receive(page: Any, server: str, shots: Any, procedure: str, application: dict[str, Any], ticked: list[int],
             files: dict[int, list[Path]], forms: dict[int, str], note: str) -> tuple[str, str]:
    """At Phú Xuân's counter: fill, tick, say how each came, attach the scans, accept; the code and secret."""
    page.goto(f"{server}/counter/{procedure}")
    _fill(page, application, "/application")
    for index in ticked:
        page.locator(f"#doc-{index}").check()
    for index, form in forms.items():
        page.locator(f"#form-{index}").select_option(form)
    for index, paths in files.items():
        page.locator(f"#files-{index}").set_input_files([str(p) for p in paths])
    page.locator('[name="/reception/note"]').fill(note)
    expect(page.get_by_role("button", name=ACCEPT, exact=True)).to_be_enabled()
    shots(page, "counter-filled")
    page.get_by_role("button", name=ACCEPT, exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Đã tiếp nhận hồ sơ"))).to_be_visible()
    code = page.locator(".dossier-head .code").inner_text()
    assert re.fullmatch(rf"{PHU_XUAN}-\d{{6}}-\d{{4}}", code)
    with page.expect_popup() as popup:
        page.get_by_role("link", name="HTML", exact=True).first.click()
    receipt = popup.value
    receipt.wait_for_load_state()
    secret = receipt.locator(".lookup-secret").inner_text().strip()
    receipt.close()
    return code, secret


def _open(page: Any, server: str, href: str) -> Any:
    """GET a link of the page with the page's session (what clicking it in a new tab would fetch)."""
    response = page.request.get(href if href.startswith("http") else f"{server}{href}")
    assert response.status == 200, (href, response.status)
    return response


def _component_file(page: Any, index: int, filename: str) -> Any:
    return page.locator(f"#component-{index}").get_by_role("link", name=filename, exact=True)


def test_scans_travel_with_the_dossier_and_the_signed_result_verifies(server: str, browser: Any, shots: Any,
                                                                      tmp_path: Path) -> None:
    scenario = _scenario("birth_group")
    steps, application = _steps(scenario), scenario["application"]
    assert application["residence"]["unit_id"] == VY_DA
    declaration = _scan_pdf(tmp_path / "to-khai-lien-thong.pdf", "Tờ khai liên thông")
    notice = _photo_jpeg(tmp_path / "giay-chung-sinh.jpg")

    # Phú Xuân's counter scans the declaration, photographs the birth notice, and accepts.
    page = browser.new_page(viewport=DESK, locale="vi-VN")
    sign_in(page, server, f"reception.{PHU_XUAN}")
    code, secret = _receive(page, server, shots, GROUP, application, ticked=[0, 1],
                            files={0: [declaration], 1: [notice]}, forms={1: "photocopy"},
                            note=steps["receive"]["note"])
    expect(page.locator(".side-col")).to_contain_text(WARD)
    expect(_component_file(page, 0, declaration.name)).to_be_visible()
    expect(_component_file(page, 1, notice.name)).to_be_visible()
    expect(page.locator("#component-1")).to_contain_text("bản chụp")
    shots(page, "received-with-files")
    sign_out(page)

    # Vỹ Dạ's civil-status officer sees the components, opens both files, and registers the birth.
    sign_in(page, server, f"specialist.{VY_DA}")
    page.goto(f"{server}/dossiers/{code}")
    pdf = _open(page, server, _component_file(page, 0, declaration.name).get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body() == declaration.read_bytes()
    jpeg = _open(page, server, _component_file(page, 1, notice.name).get_attribute("href"))
    assert jpeg.headers["content-type"] == "image/jpeg" and jpeg.body() == notice.read_bytes()
    shots(page, "civil-status-components")
    _complete_step(page, steps["review"])
    sign_out(page)

    # Vỹ Dạ's leader reads what the review recorded, signs and issues the electronic result, then completes.
    sign_in(page, server, f"leader.{VY_DA}")
    page.goto(f"{server}/dossiers/{code}")
    expect(page.locator("#outputs")).to_contain_text(steps["review"]["personal_id_number"])
    expect(page.locator("#result-link")).to_have_count(0)
    shots(page, "leader-before-signing")
    page.get_by_role("button", name="Ký số và cấp kết quả điện tử").click()
    expect(page.locator(".flash.success")).to_have_text("Đã ký số và cấp kết quả điện tử.")
    expect(page.locator("#result-link")).to_be_visible()
    issued = _open(page, server, page.locator("#result-link").get_attribute("href"))
    assert issued.headers["content-type"] == "application/pdf" and issued.body().startswith(b"%PDF")
    shots(page, "leader-issued")
    _complete_step(page, steps["sign"])
    sign_out(page)

    # Vỹ Dạ's police and social insurance: the scans, and what the ward recorded before them.
    for username, step in ((f"specialist.{VY_DA}-CA", "register_residence"),
                           ("specialist.46-BHXH", "issue_insurance_card")):
        sign_in(page, server, username)
        page.goto(f"{server}/dossiers/{code}")
        expect(_component_file(page, 0, declaration.name)).to_be_visible()
        expect(_component_file(page, 1, notice.name)).to_be_visible()
        assert _open(page, server, _component_file(page, 0, declaration.name).get_attribute("href")
                     ).headers["content-type"] == "application/pdf"
        outputs = page.locator("#outputs")
        expect(outputs).to_contain_text("Kiểm tra, đăng ký khai sinh")
        expect(outputs).to_contain_text(steps["review"]["register_book"])
        expect(outputs).to_contain_text(steps["review"]["personal_id_number"])
        shots(page, f"{step}-sees")
        _complete_step(page, steps[step])
        sign_out(page)

    # Back at Phú Xuân: returned.
    sign_in(page, server, f"reception.{PHU_XUAN}")
    page.goto(f"{server}/dossiers/{code}")
    expect(page.locator(".dossier-head")).to_contain_text("Đã xử lý xong")
    expect(page.locator("#outputs")).to_contain_text(steps["register_residence"]["notice_number"])
    page.get_by_label("Họ tên người nhận kết quả").fill(steps["hand_over"]["collected_by"])
    page.get_by_role("button", name="Trả kết quả").click()
    expect(page.locator(".dossier-head")).to_contain_text("Đã trả kết quả")
    shots(page, "returned")

    # The citizen downloads the signed result from the look-up.
    phone = browser.new_page(viewport=PHONE, locale="vi-VN")
    phone.goto(f"{server}/?code={code}&secret={secret}")
    expect(phone.locator(".big-status")).to_have_text("Đã trả kết quả")
    expect(phone.locator("#result .timeline")).not_to_contain_text("result_issued")  # plain words, not the kind
    shots(phone, "citizen-result")
    with phone.expect_download() as downloading:
        phone.locator("#result-download").click()
    download = downloading.value
    assert download.suggested_filename == f"ket-qua-{code}.pdf"
    signed = Path(download.path()).read_bytes()
    assert signed == issued.body()
    text = " ".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(signed)).pages)
    assert code in text and steps["review"]["personal_id_number"] in text, "the result is not made from the steps"

    check = phone.request.post(f"{server}/api/v1/public/signatures/verify", multipart={
        "file": {"name": "ket-qua.pdf", "mimeType": "application/pdf", "buffer": signed}})
    assert check.status == 200, check.text()
    assert check.json()["valid"] is True and check.json()["signer"] == WARD, check.json()

    phone.goto(f"{server}/verify")
    phone.locator("#file").set_input_files({"name": download.suggested_filename, "mimeType": "application/pdf",
                                            "buffer": signed})
    phone.get_by_role("button", name="Kiểm tra").click()
    expect(phone.locator("#check h2")).to_have_text("Chữ ký số hợp lệ")
    expect(phone.locator("#check")).to_contain_text(WARD)
    shots(phone, "verify-valid")

    # One byte changed inside what the signature covers: no longer intact.
    tampered = _changed_byte(signed)
    check = phone.request.post(f"{server}/api/v1/public/signatures/verify", multipart={
        "file": {"name": "ket-qua.pdf", "mimeType": "application/pdf", "buffer": tampered}})
    assert check.status == 200, check.text()
    assert check.json()["valid"] is False and check.json()["signed"] is True and check.json()["intact"] is False
    phone.locator("#file").set_input_files({"name": "ket-qua-sua.pdf", "mimeType": "application/pdf",
                                            "buffer": tampered})
    phone.get_by_role("button", name="Kiểm tra").click()
    expect(phone.locator("#check")).to_have_class(re.compile("verify-invalid"))
    expect(phone.locator("#check h2")).to_have_text("Tệp đã bị sửa đổi sau khi ký")
    shots(phone, "verify-tampered")


def _changed_byte(pdf: bytes) -> bytes:
    """The PDF with one byte of its first object's text changed (the structure still parses)."""
    at = pdf.index(b"/Producer") + 1 if b"/Producer" in pdf else pdf.index(b"obj") + 4
    changed = bytearray(pdf)
    changed[at] = ord("Q") if changed[at] != ord("Q") else ord("R")
    return bytes(changed)


def test_the_tax_notice_reaches_the_citizen_page_without_personal_data(server: str, browser: Any, shots: Any,
                                                                      tmp_path: Path) -> None:
    scenario = _scenario("land_change_registration")
    steps, application = _steps(scenario), scenario["application"]
    contract = _scan_pdf(tmp_path / "hop-dong-chuyen-nhuong.pdf", "Hợp đồng chuyển nhượng")

    page = browser.new_page(viewport=DESK, locale="vi-VN")
    sign_in(page, server, f"reception.{PHU_XUAN}")
    code, secret = _receive(page, server, shots, LAND, application, ticked=[0, 1, 2, 3], files={1: [contract]},
                            forms={}, note=steps["receive"]["note"])
    expect(_component_file(page, 1, contract.name)).to_be_visible()
    shots(page, "received")
    sign_out(page)

    # The land registration branch appraises; the tax office sees the contract and the appraisal, and records
    # its notice.
    sign_in(page, server, "specialist.46-VPDK-01")
    page.goto(f"{server}/dossiers/{code}")
    expect(_component_file(page, 1, contract.name)).to_be_visible()
    _complete_step(page, steps["appraise"])
    shots(page, "land-branch-appraised")
    sign_out(page)

    sign_in(page, server, "specialist.46-THUE")
    page.goto(f"{server}/dossiers/{code}")
    expect(_component_file(page, 1, contract.name)).to_be_visible()
    expect(page.locator("#outputs")).to_contain_text(steps["appraise"]["transfer_info_number"])
    _complete_step(page, steps["determine_obligation"])
    box = page.locator("#financial-notice")
    expect(box).to_contain_text(steps["determine_obligation"]["tax_notice_number"])
    expect(box).to_contain_text("71.250.000 đ")
    shots(page, "tax-notice")
    sign_out(page)

    # The citizen's page: the notice, its amounts, total and deadline; nobody's name or ID number.
    phone = browser.new_page(viewport=PHONE, locale="vi-VN")
    phone.goto(f"{server}/?code={code}&secret={secret}")
    notice = phone.locator("#financial-notice")
    expect(notice).to_contain_text(steps["determine_obligation"]["tax_notice_number"])
    for amount in ("57.000.000 ₫", "14.250.000 ₫", "71.250.000 ₫", "20/12/2025"):
        expect(notice).to_contain_text(amount)
    expect(phone.locator("#result-download")).to_have_count(0)
    body = phone.content()
    for personal in (application["applicant"]["full_name"], application["applicant"]["id_number"],
                     application["applicant"]["phone"], application["transferor"]["full_name"],
                     application["transferor"]["id_number"], application["parcel"]["certificate_serial"]):
        assert personal not in body, personal
    shots(phone, "citizen-tax-notice")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page scrolls sideways"
