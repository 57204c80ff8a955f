"""Printing helpers: dates as administrative documents write them, in Vietnam time, and register cells
that Excel cannot mistake for formulas."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from types import SimpleNamespace

import segno

from engine.adapters.printing import long_date, long_time, qr_svg, register_csv, short_time, vnd


def test_times_print_in_vietnam_time_with_decree_30_zero_padding() -> None:
    moment = datetime(2025, 7, 14, 7, 30, tzinfo=UTC)  # 14:30 in Huế
    assert long_time(moment) == "14 giờ 30 phút, ngày 14 tháng 7 năm 2025"
    assert long_time(datetime(2025, 2, 4, 18, 5, tzinfo=UTC)) == "01 giờ 05 phút, ngày 05 tháng 02 năm 2025"
    assert long_date(date(2025, 12, 9)) == "ngày 09 tháng 12 năm 2025"
    assert short_time(moment) == "14/07/2025 14:30"


def test_absent_times_are_dotted_lines_or_empty_cells() -> None:
    assert long_time(None) == "… giờ … phút, ngày … tháng … năm …"
    assert long_date(None) == "ngày … tháng … năm …"
    assert short_time(None) == ""


def test_amounts_use_the_vietnamese_thousands_separator() -> None:
    assert vnd(1_250_000) == "1.250.000"


def test_qr_code_is_inline_svg_of_the_given_text() -> None:
    svg = str(qr_svg("http://localhost/?code=19768-250714-0001&secret=AB23"))
    assert svg.startswith("<svg") and "width=" not in svg.split(">", 1)[0]  # sized by the slip's CSS
    assert segno.make("http://localhost/?code=19768-250714-0001&secret=AB23", error="m").version <= 5


def test_register_csv_has_a_bom_and_neutralises_formulas() -> None:
    person = SimpleNamespace(name="=HYPERLINK(\"http://x\")", address="Số 5, tổ 2", phone="0912345678")
    received, due = datetime(2025, 7, 14, 2, 0, tzinfo=UTC), datetime(2025, 7, 14, 10, 0, tzinfo=UTC)
    row = SimpleNamespace(ordinal=1, code="19768-250714-0001", procedure_name="Đăng ký khai sinh", copies=1,
                          applicant=person, competent_unit="Phường Vỹ Dạ", received_at=received, due_at=due,
                          sent_at=None, result_at=None, returned_at=None, note="-1")
    data = register_csv([row])
    assert data.startswith("\ufeff".encode())
    cells = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))[1]  # vi-VN Excel
    assert cells[4] == "'=HYPERLINK(\"http://x\")" and cells[-1] == "'-1"
    assert cells[5] == "Số 5, tổ 2; ĐT: 0912345678" and cells[7:9] == ["14/07/2025 09:00", "14/07/2025 17:00"]
