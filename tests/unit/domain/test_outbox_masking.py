"""A receiver's error is stored for admins with the personal data it quoted masked (outbox.without_personal_data),
and the logs mask the same way (api/log_privacy.py reuses it)."""

from __future__ import annotations

import pytest

from api.log_privacy import mask
from engine.domain.outbox import without_personal_data


@pytest.mark.parametrize(("quoted", "placeholder"), [
    ("an.nguyen+hs@mail.hue.gov.vn", "[email]"),
    ("TRAN_BINH@example.com", "[email]"),
    ("0912345678", "[phone]"),
    ("+84912345678", "[phone]"),
    ("84912345678", "[phone]"),
    ("0912 345 678", "[phone]"),
    ("+84 912.345.678", "[phone]"),
    ("0234-382-1234", "[phone]"),
    ("079201001234", "[id-number]"),
    ("123456789", "[id-number]"),
])
def test_each_kind_of_personal_data_is_replaced_by_its_placeholder(quoted: str, placeholder: str) -> None:
    error = f"550 mailbox refused: <{quoted}>; try later"

    assert without_personal_data(error) == f"550 mailbox refused: <{placeholder}>; try later"


def test_what_an_admin_needs_stays_readable() -> None:
    error = ("HTTP 422: NgayHenTra '2025-07-14' is not yyyyMMddHHmmss (20250714103000); MaHoSo "
             "000.00.19.H57-250714-0001, TrangThaiHoSo 4, 1234567890 and 1234567890123 are not ID numbers")

    assert without_personal_data(error) == error


def test_several_in_one_text_are_all_masked() -> None:
    error = "rejected 079201001234 (CCCD) for an@x.vn, call 0912345678 or 0987654321"

    assert without_personal_data(error) == "rejected [id-number] (CCCD) for [email], call [phone] or [phone]"


def test_the_logs_mask_e_mail_addresses_too() -> None:
    line = '"GET /track?code=19768-250714-0001&secret=K7Q2M9 HTTP/1.1" mail an@x.vn phone 0912 345 678'

    assert mask(line) == '"GET /track?code=19768-250714-0001&secret=[secret] HTTP/1.1" mail [email] phone [phone]'
