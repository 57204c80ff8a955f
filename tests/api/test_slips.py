"""GET /dossiers/{code}/slips/{kind}: what a counter officer prints (Mẫu 01–06), as HTML and PDF.

Each slip is checked for the facts the paper form carries, in Vietnam time, and for refusing to
print a notice the dossier never received.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from engine.adapters.printing import qr_svg
from engine.domain.dossier_code import grouped_secret
from engine.domain.notice import NoticeKind
from tests.api.helpers import (
    API,
    complete,
    drive_to_result,
    local,
    received,
    return_result,
    sign_in,
    step_data,
    task_of,
)
from tests.api.printed import pdf_words, slip, words
from tests.conftest import Clock

A4 = (595, 842)  # points, portrait
REASONS = "Giấy chứng sinh là bản chụp, không có bản chính."


def act(client: Any, headers: dict[str, str], code: str, action: str, body: dict[str, Any]) -> None:
    response = client.post(f"{API}/dossiers/{code}/{action}", json=body, headers=headers)
    assert response.status_code == 200, response.get_json()


@pytest.fixture
def counter(client: Any) -> dict[str, str]:
    return sign_in(client, "reception.19768")


def test_receipt_prints_code_secret_applicant_and_times_in_vietnam_time(client: Any, counter: dict[str, str]) -> None:
    receipt = received(client, counter)
    response = slip(client, counter, receipt["code"], "receipt")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    text = words(response.get_data(as_text=True))
    for expected in ("Mẫu số 01, Phụ lục I, Thông tư số 03/2025/TT-VPCP", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "UBND PHƯỜNG PHÚ XUÂN", "Phú Xuân, ngày 14 tháng 7 năm 2025",
                     "Số: 1/TNHS", f"Mã hồ sơ: {receipt['code']}", f"Mã tra cứu: {grouped_secret(receipt['secret'])}",
                     "Ông/Bà Nguyễn Văn An", "046190000123", "0912345678", "Số 12 đường Lê Lợi, tổ 5, Phường Vỹ Dạ",
                     "Đăng ký khai sinh (mã thủ tục 1.001193)", "Giấy chứng sinh", "Bản sao có chứng thực",
                     "4. Thời gian nhận hồ sơ: 09 giờ 00 phút, ngày 14 tháng 7 năm 2025",
                     "5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 14 tháng 7 năm 2025",
                     "Vào Sổ theo dõi hồ sơ, Quyển số: 2025, Số thứ tự: 1", "Người tiếp nhận hồ sơ"):
        assert expected in text, expected
    assert "02 giờ 00 phút" not in text  # the UTC hour never shows
    assert "Email: …" in text  # a detail the application lacks is a line to write on


def test_receipt_qr_code_opens_the_public_look_up_with_code_and_secret(client: Any, counter: dict[str, str]) -> None:
    receipt = received(client, counter)
    page = slip(client, counter, receipt["code"], "receipt").get_data(as_text=True)
    url = f"http://localhost/?code={receipt['code']}&secret={receipt['secret']}"
    assert str(qr_svg(url)) in page  # the QR code encodes exactly this address
    query = parse_qs(urlsplit(url).query)
    assert client.get("/", query_string=query).status_code == 200
    found = client.get(f"{API}/public/dossiers/{query['code'][0]}", query_string={"secret": query["secret"][0]})
    assert found.status_code == 200 and found.get_json()["code"] == receipt["code"]


def test_receipt_pdf_is_one_a4_page_with_the_vietnamese_text(client: Any, counter: dict[str, str]) -> None:
    receipt = received(client, counter)
    response = slip(client, counter, receipt["code"], "receipt", format="pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == f'inline; filename="receipt-{receipt["code"]}.pdf"'
    text, reader = pdf_words(response.data)
    assert len(reader.pages) == 1
    assert tuple(round(float(v)) for v in reader.pages[0].mediabox[2:]) == A4
    for expected in ("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", receipt["code"], grouped_secret(receipt["secret"]),
                     "Nguyễn Văn An", "Trung tâm Phục vụ hành chính công phường Phú Xuân",
                     "17 giờ 00 phút, ngày 14 tháng 7 năm 2025", "Mẫu số 01"):
        assert expected in text, expected


def test_a_signed_receipt_verifies_as_the_receiving_centres_and_not_once_changed(client: Any,
                                                                                 counter: dict[str, str]) -> None:
    receipt = received(client, counter)
    response = slip(client, counter, receipt["code"], "receipt", format="pdf", signed="true")
    assert response.status_code == 200 and response.mimetype == "application/pdf"

    check = client.post(f"{API}/public/signatures/verify", data=response.data,
                        headers={"Content-Type": "application/pdf"}).get_json()
    changed = bytearray(response.data)
    changed[len(changed) // 3] ^= 0x01
    tampered = client.post(f"{API}/public/signatures/verify", data=bytes(changed),
                           headers={"Content-Type": "application/pdf"}).get_json()

    assert (check["valid"], check["signer"]) == (True, "Phường Phú Xuân")
    assert (tampered["valid"], tampered["intact"]) == (False, False)
    unsigned = slip(client, counter, receipt["code"], "receipt", format="pdf").data
    assert client.post(f"{API}/public/signatures/verify", data=unsigned,
                       headers={"Content-Type": "application/pdf"}).get_json()["signed"] is False


def test_supplement_request_goes_out_from_the_receiving_centre_for_the_handling_unit(
        client: Any, counter: dict[str, str]) -> None:
    code = received(client, counter)["code"]
    handler = sign_in(client, "specialist.19777")  # once received, the handling unit asks for what is missing
    assert slip(client, counter, code, "supplement_request").status_code == 404
    act(client, handler, code, "supplement-request", {"reasons": REASONS, "items": [
        {"name": "Giấy chứng sinh", "form": "original", "copies": 1},
        {"name": "Căn cước của người đi đăng ký", "form": "photocopy", "copies": 2}]})
    text = words(slip(client, counter, code, "supplement_request", number=1).get_data(as_text=True))
    assert "Mẫu số 02" in text and "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text.upper()
    # The centre's own form; the specialist who wrote the request is named as the contact, not as the signer.
    assert "UBND PHƯỜNG PHÚ XUÂN TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG" in text and f"Lý do: {REASONS}" in text
    assert text.endswith("Người hướng dẫn (Ký và ghi rõ họ tên)")
    assert "lần" not in text  # asked once: no round to number
    assert "1 Giấy chứng sinh 1" in text and "2 Căn cước của người đi đăng ký 2" in text
    assert "Thủ trưởng đơn vị" not in text and "TM. Ủy ban nhân dân" not in text
    missing = slip(client, counter, code, "supplement_request", number=2)
    assert missing.status_code == 404 and "number 2 (it has 1)" in missing.get_json()["detail"]


def test_a_received_dossier_is_never_refused_but_a_refusal_from_before_still_prints(
        client: Any, counter: dict[str, str], clock: Clock) -> None:
    code = received(client, counter)["code"]
    before = slip(client, counter, code, "refusal", format="pdf")
    assert before.status_code == 404 and before.mimetype == "application/problem+json"
    assert before.get_json()["detail"] == f"dossier {code} was not refused"
    w = client.application.extensions["onestop"]  # refused after its reception, as dossiers were before issue 19
    with w.uow() as uow:
        dossier = uow.dossiers.get(code, lock=True)
        dossier.issue(NoticeKind.REFUSAL, clock(), dossier.received_by, dossier.receiving_unit_id,
                      "Đã được đăng ký khai sinh tại phường Thuận Hóa.")
        uow.dossiers.update(dossier)
        uow.commit()
    text, reader = pdf_words(slip(client, counter, code, "refusal", format="pdf").data)
    assert len(reader.pages) == 1
    for expected in ("Mẫu số 03", "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Số: 1/TCHS",
                     "Đã được đăng ký khai sinh tại phường Thuận Hóa.", "Nguyễn Văn An", code):
        assert expected in text, expected
    assert "tiếp nhận lúc" not in text  # a refusal of reception never prints a reception time
    assert slip(client, counter, code, "guidance").status_code == 404  # a submission's slip, not a dossier's


def test_apology_quotes_the_receipt_and_both_appointments(client: Any, counter: dict[str, str]) -> None:
    code = received(client, counter)["code"]
    assert slip(client, counter, code, "apology").status_code == 404
    handler = sign_in(client, "specialist.19777")
    act(client, handler, code, "extend", {"reasons": "Cần xác minh nơi cư trú của người mẹ.",
                                          "new_due_at": local(2025, 7, 15, 16, 30).isoformat()})
    text = words(slip(client, handler, code, "apology").get_data(as_text=True))
    for expected in ("Mẫu số 04", "ỦY BAN NHÂN DÂN PHƯỜNG VỸ DẠ", "Số: ……/XLHS", "Vỹ Dạ, ngày 14 tháng 7 năm 2025",
                     "Kính gửi: Ông/Bà Nguyễn Văn An", "số biên nhận 1/TNHS",
                     "Thời gian hẹn trả kết quả: 17 giờ 00 phút, ngày 14 tháng 7 năm 2025",
                     "Thời gian hẹn trả kết quả lại: 16 giờ 30 phút, ngày 15 tháng 7 năm 2025",
                     "Lý do: Cần xác minh nơi cư trú của người mẹ.", "Ủy ban nhân dân phường Vỹ Dạ trân trọng xin lỗi",
                     "V/v xin lỗi và đề nghị gia hạn thời gian giải quyết hồ sơ", "TM. Ủy ban nhân dân Chủ tịch"):
        assert expected in text, expected
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text.upper()
    assert "hẹn lại ngày" not in text


def test_a_deputy_chairman_signs_for_the_chairman(client: Any, counter: dict[str, str]) -> None:
    """Decree 30/2020/NĐ-CP: TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH, with the deputy's own name."""
    admin = sign_in(client, "admin.46")
    body = {"username": "pho.chu.tich.19777", "password": "xuân-hè-thu-2025", "display_name": "Hoàng Văn Phó",
            "unit_id": "19777", "roles": ["leader"], "deputy": True}
    created = client.post(f"{API}/users", json=body, headers=admin)
    assert created.status_code == 201 and created.get_json()["deputy"] is True
    not_a_leader = client.post(f"{API}/users", headers=admin, json={
        **body, "username": "pho.chu.tich.x", "roles": ["specialist"]})
    assert not_a_leader.status_code == 422 and not_a_leader.get_json()["errors"][0]["pointer"] == "/deputy"
    code = received(client, counter)["code"]
    specialist = sign_in(client, "specialist.19777")
    review = task_of(client, specialist, code, "review")
    assert review is not None and complete(client, specialist, review["id"], step_data("review")).status_code == 200
    deputy = client.post(f"{API}/auth/token", json={"username": body["username"], "password": body["password"]})
    headers = {"Authorization": f"Bearer {deputy.get_json()['access_token']}"}
    act(client, headers, code, "extend", {"reasons": "Cần xác minh nơi cư trú của người mẹ.",
                                          "new_due_at": local(2025, 7, 15, 16, 30).isoformat()})
    text = words(slip(client, counter, code, "apology").get_data(as_text=True))
    assert "TM. Ủy ban nhân dân KT. Chủ tịch Phó chủ tịch (Ký, ghi rõ họ tên và đóng dấu) Hoàng Văn Phó" in text


def test_stop_notice_comes_from_the_handling_unit(client: Any, counter: dict[str, str], clock: Clock) -> None:
    code = received(client, counter)["code"]
    clock.now += timedelta(hours=1, minutes=30)
    act(client, sign_in(client, "specialist.19777"), code, "stop", {"reasons": "Cha, mẹ không cư trú tại phường."})
    text, _ = pdf_words(slip(client, counter, code, "stop_notice", format="pdf").data)
    for expected in ("Mẫu số 05", "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "PHƯỜNG VỸ DẠ", "Số: ……/TB",
                     "Qua thẩm định, hồ sơ của Ông/Bà không đủ điều kiện giải quyết",
                     "kể từ 10 giờ 30 phút, ngày 14 tháng 7 năm 2025", "Cha, mẹ không cư trú tại phường.",
                     "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"):
        assert expected in text, expected
    assert "THỦ TRƯỞNG ĐƠN VỊ" not in text.upper()


def control_rows(markup: str) -> list[str]:
    body = markup.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [words(row) for row in body.split("<tr>")[1:]]


def test_control_sheet_has_a_row_per_hand_over_judged_against_each_step(client: Any, counter: dict[str, str],
                                                                         clock: Clock) -> None:
    code = received(client, counter)["code"]
    assert control_rows(slip(client, counter, code, "control_sheet").get_data(as_text=True))[0].startswith(
        "1. Giao: Phường Phú Xuân")
    clock.now = local(2025, 7, 15, 10, 15)  # review had 4 office hours from 09:00 yesterday: late
    drive_to_result(client, code)
    clock.now = local(2025, 7, 15, 10, 45)
    assert return_result(client, counter, code).status_code == 200
    rows = control_rows(slip(client, counter, code, "control_sheet").get_data(as_text=True))
    assert len(rows) == 3
    assert rows[0].startswith("1. Giao: Phường Phú Xuân") and "Nhận: Phường Vỹ Dạ" in rows[0]
    assert "09 giờ 00 phút, ngày 14 tháng 7 năm 2025 Đúng hạn" in rows[0]
    assert rows[1].startswith("2. Giao: Phường Vỹ Dạ") and "Nhận: Phường Phú Xuân" in rows[1]
    assert "10 giờ 15 phút, ngày 15 tháng 7 năm 2025 Quá hạn" in rows[1]
    assert rows[2].startswith("3. Giao: Phường Phú Xuân") and "Tổ chức, cá nhân: Nguyễn Văn An" in rows[2]
    assert "Quá hạn Đã trả kết quả" in rows[2]  # returned a day after the same-day appointment


def test_control_sheet_on_time_when_every_step_keeps_its_allotment(client: Any, counter: dict[str, str],
                                                                    clock: Clock) -> None:
    code = received(client, counter)["code"]
    clock.now = local(2025, 7, 14, 10, 0)
    drive_to_result(client, code)
    clock.now = local(2025, 7, 14, 10, 30)
    assert return_result(client, counter, code).status_code == 200
    rows = control_rows(slip(client, counter, code, "control_sheet").get_data(as_text=True))
    assert [("Đúng hạn" in row, "Quá hạn" in row) for row in rows] == [(True, False)] * 3
    text, reader = pdf_words(slip(client, counter, code, "control_sheet", format="pdf").data)
    assert len(reader.pages) == 1 and "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert "Đã trả kết quả (Đúng hạn)" in text


def test_slips_are_for_units_the_dossier_involves(client: Any, counter: dict[str, str]) -> None:
    code = received(client, counter)["code"]
    assert slip(client, sign_in(client, "specialist.19777"), code, "receipt").status_code == 200
    stranger = slip(client, sign_in(client, "reception.19786"), code, "receipt")
    assert stranger.status_code == 403 and stranger.mimetype == "application/problem+json"
    assert slip(client, {}, code, "receipt").status_code == 401
    unknown = slip(client, counter, code, "register")
    assert unknown.status_code == 404 and "receipt, supplement_request" in unknown.get_json()["detail"]
    assert slip(client, counter, "19768-250714-9999", "receipt").status_code == 404
    assert slip(client, counter, code, "receipt", format="docx").status_code == 422


def test_printing_never_logs_personal_data(client: Any, counter: dict[str, str],
                                           caplog: pytest.LogCaptureFixture) -> None:
    code = received(client, counter)["code"]
    with caplog.at_level(logging.DEBUG):
        for kind in ("receipt", "control_sheet"):
            assert slip(client, counter, code, kind, format="pdf").status_code == 200
    logged = " ".join(r.getMessage() for r in caplog.records)
    for personal in ("Nguyễn Văn An", "046190000123", "0912345678", "Lê Lợi"):
        assert personal not in logged


def test_a_notice_by_a_police_unit_is_on_its_letterhead_and_signed_by_its_head(client: Any) -> None:
    from api.settings import ROOT
    from tests.api.procedures import Officers, complete_step, load, receive_scenario
    from tests.conftest import THUAN_HOA, VY_DA

    officers, path = Officers(client), ROOT / "processes" / "birth_group" / "scenarios" / "straight.json"
    steps = {s["task"]: s for s in load(path)["steps"]}
    receipt = receive_scenario(client, officers, path, centre=THUAN_HOA)
    for name in ("review", "sign"):
        complete_step(client, officers, receipt, steps[name])
    police = officers(f"specialist.{VY_DA}-CA")
    act(client, police, receipt["code"], "stop", {"reasons": "Chỗ ở không đủ điều kiện đăng ký thường trú."})
    text, reader = pdf_words(slip(client, police, receipt["code"], "stop_notice", format="pdf").data)
    assert len(reader.pages) == 1
    for expected in ("CÔNG AN THÀNH PHỐ HUẾ", "CÔNG AN PHƯỜNG VỸ DẠ", "Vỹ Dạ, ngày", "Số: ……/TB",
                     "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "không đủ điều kiện giải quyết. Công an Phường Vỹ Dạ từ chối",
                     "TRƯỞNG CÔNG AN PHƯỜNG", "(Ký, ghi rõ họ tên và đóng dấu)"):
        assert expected in text, expected
    for wrong in ("TRUNG TÂM PHỤC VỤ", "UBND PHƯỜNG THUẬN HÓA", "THỦ TRƯỞNG", "TM. ỦY BAN"):
        assert wrong not in text, wrong


def test_a_withdrawal_prints_the_stop_notice_on_the_applicants_request(client: Any, counter: dict[str, str]) -> None:
    code = received(client, counter)["code"]
    act(client, counter, code, "withdraw", {"reasons": "Người nộp xin rút để bổ sung giấy tờ sau."})
    text = words(slip(client, counter, code, "stop_notice").get_data(as_text=True))
    for expected in ("Mẫu số 05", "Xét đề nghị rút hồ sơ của Ông/Bà", "ỦY BAN NHÂN DÂN PHƯỜNG PHÚ XUÂN",
                     "TM. Ủy ban nhân dân Chủ tịch"):
        assert expected in text, expected
