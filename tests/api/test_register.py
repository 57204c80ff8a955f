"""GET /units/{unit_id}/register: the centre's tracking register (Sổ theo dõi hồ sơ, Mẫu 07) for a
period, as HTML, A4 landscape PDF and CSV for Excel; kept for the centre's officers and the
province's supervisors.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from pypdf import PdfReader

from engine.adapters.printing import REGISTER_COLUMNS
from tests.api.helpers import API, local, received, sign_in
from tests.api.printed import pdf_words, slip, words
from tests.conftest import Clock

JULY = {"from": "2025-07-01", "to": "2025-07-31"}


def register(client: Any, headers: dict[str, str], unit: str = "19768", **query: Any) -> Any:
    return client.get(f"{API}/units/{unit}/register", query_string=query, headers=headers)


def test_register_lists_the_centres_dossiers_with_each_stage(client: Any, clock: Clock) -> None:
    counter = sign_in(client, "reception.19768")
    first = received(client, counter)["code"]
    clock.now += timedelta(minutes=45)
    second = received(client, counter)["code"]
    received(client, sign_in(client, "reception.19777"))  # another centre's dossier stays out
    text = words(register(client, counter, **JULY).get_data(as_text=True))
    assert "Mẫu số 07" in text and "Từ ngày 01 tháng 7 năm 2025 đến ngày 31 tháng 7 năm 2025" in text
    assert f"1 {first} Đăng ký khai sinh 01 Nguyễn Văn An Số 12 đường Lê Lợi, tổ 5, Phường Vỹ Dạ; ĐT: 0912345678" \
           f" Phường Vỹ Dạ 14/07/2025 09:00 14/07/2025 17:00 14/07/2025 09:00" in text
    assert f"2 {second}" in text and "Tổng số hồ sơ tiếp nhận trong kỳ: 2." in text


def test_register_numbers_continue_the_year_book_like_the_receipts(client: Any, clock: Clock) -> None:
    counter = sign_in(client, "reception.19768")
    received(client, counter)
    received(client, counter)
    clock.now = local(2025, 7, 15, 8, 0)
    third = received(client, counter)["code"]
    text = words(register(client, counter, **{"from": "2025-07-15", "to": "2025-07-15"}).get_data(as_text=True))
    assert f"3 {third}" in text and "Tổng số hồ sơ tiếp nhận trong kỳ: 1." in text
    receipt = words(slip(client, counter, third, "receipt").get_data(as_text=True))
    assert "Số: 3/TNHS" in receipt and "Quyển số: 2025, Số thứ tự: 3" in receipt


def test_register_csv_opens_in_excel_with_vietnamese_text(client: Any) -> None:
    counter = sign_in(client, "reception.19768")
    code = received(client, counter)["code"]
    response = register(client, counter, format="csv", **JULY)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="register-19768-20250701-20250731.csv"'
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))  # vi-VN Excel
    assert tuple(rows[0]) == REGISTER_COLUMNS
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Mã hồ sơ"] == code and row["Tên cá nhân, tổ chức"] == "Nguyễn Văn An"
    assert row["Địa chỉ, số điện thoại"].endswith("ĐT: 0912345678")
    assert row["Ngày, giờ nhận hồ sơ"] == "14/07/2025 09:00"


def test_register_pdf_is_a4_landscape(client: Any) -> None:
    counter = sign_in(client, "reception.19768")
    code = received(client, counter)["code"]
    response = register(client, counter, format="pdf", **JULY)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text, reader = pdf_words(response.data)
    assert isinstance(reader, PdfReader) and len(reader.pages) == 1
    assert tuple(round(float(v)) for v in reader.pages[0].mediabox[2:]) == (842, 595)
    assert "SỔ THEO DÕI HỒ SƠ" in text and code in text and "Nguyễn Văn An" in text


def test_register_is_kept_for_the_centre_and_its_provinces_supervisors(client: Any) -> None:
    assert register(client, sign_in(client, "supervisor.46"), **JULY).status_code == 200
    assert register(client, sign_in(client, "specialist.19768"), **JULY).status_code == 200
    other = register(client, sign_in(client, "reception.19777"), **JULY)
    assert other.status_code == 403 and other.mimetype == "application/problem+json"
    agency = register(client, sign_in(client, "specialist.46-BHXH"), "46-BHXH", **JULY)
    assert agency.status_code == 404 and "no one-stop centre" in agency.get_json()["detail"]


def test_register_period_must_be_given_in_order_and_bounded(client: Any) -> None:
    counter = sign_in(client, "reception.19768")
    reversed_period = register(client, counter, **{"from": "2025-07-31", "to": "2025-07-01"})
    assert reversed_period.status_code == 422
    assert reversed_period.get_json()["errors"][0]["pointer"] == "/query/to"
    assert register(client, counter, **{"from": "2024-01-01", "to": "2025-07-01"}).status_code == 422
    assert register(client, counter, to="2025-07-01").status_code == 422
    assert register(client, counter, **{"from": "2025-07-01", "to": "1.7.2025"}).status_code == 422
