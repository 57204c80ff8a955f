"""Several receipts printed at once (issue 22): one document, a page each, only of dossiers the officer may read."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from tests.api.helpers import API, received, sign_in
from tests.conftest import PHU_XUAN, THUAN_HOA


def test_the_receipts_of_several_dossiers_print_as_one_document(client: Any) -> None:
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    codes = [received(client, counter)["code"] for _ in range(3)]

    html = client.get(f"{API}/slips/receipts", query_string={"code": codes}, headers=counter)
    pdf = client.get(f"{API}/slips/receipts", query_string={"code": codes[:2], "format": "pdf"}, headers=counter)

    assert html.status_code == 200 and html.mimetype == "text/html"
    text = html.get_data(as_text=True)
    assert [text.index(code) for code in codes] == sorted(text.index(code) for code in codes)
    assert text.count('<div class="slip-break"></div>') == 2 and text.count("<body") == 1
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    single = client.get(f"{API}/dossiers/{codes[0]}/slips/receipt", query_string={"format": "pdf"}, headers=counter)
    pages = len(PdfReader(io.BytesIO(single.get_data())).pages)
    assert len(PdfReader(io.BytesIO(pdf.get_data())).pages) == 2 * pages


def test_a_dossier_the_officer_may_not_read_refuses_the_whole_batch(client: Any) -> None:
    mine = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]
    other = received(client, sign_in(client, f"reception.{THUAN_HOA}"))["code"]
    counter = sign_in(client, f"reception.{PHU_XUAN}")

    mixed = client.get(f"{API}/slips/receipts", query_string={"code": [mine, other]}, headers=counter)
    too_many = client.get(f"{API}/slips/receipts", query_string={"code": [f"x-{i}" for i in range(51)]},
                          headers=counter)
    none = client.get(f"{API}/slips/receipts", headers=counter)

    assert mixed.status_code == 403 and mixed.mimetype == "application/problem+json"  # no receipt at all
    assert too_many.status_code == 422 and none.status_code == 422
