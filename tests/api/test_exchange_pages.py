"""The exchange between provinces on officers' pages: the counter's refusal beside the residence field, the admin's
outbox naming the packages' destination and a parked package, and the handling province's figures page with its
part of the dossiers another province received."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from tests.api.exchange_pair import DA_NANG, HAI_VAN, HUE, Pair
from tests.api.helpers import csrf_of, received, sign_in, sign_in_page
from tests.api.test_pages import _flat
from tests.conftest import PHU_XUAN, birth_application

FORM = "/counter/1.001193"


def _residence_error(page: str) -> str:
    """The error shown beside the residence field of the counter's form."""
    field = re.search(r'name="/application/residence/unit_id".*?</div>', page, re.S)
    assert field, "no residence field"
    return field.group(0)


def test_the_counter_shows_a_province_with_no_registered_deployment_beside_the_residence(client: Any) -> None:
    sign_in_page(client, f"reception.{PHU_XUAN}")
    sent = _flat(birth_application(HAI_VAN)) | {"csrf_token": csrf_of(client, FORM), "document": ["0", "1"]}

    answer = client.post(FORM, data=sent)

    assert answer.status_code == 422
    assert "chưa có hệ thống được đăng ký để liên thông hồ sơ giữa các tỉnh" in _residence_error(
        answer.get_data(as_text=True))


def test_the_outbox_names_the_other_provinces_and_their_parked_packages(pair: Pair) -> None:
    a = pair.a.client
    code = received(a, sign_in(a, f"reception.{PHU_XUAN}"), application=birth_application(HAI_VAN))["code"]
    pair.transports[HUE].sender = pair.b  # sealed with Đà Nẵng's own key: Huế's package is refused, and parked
    pair.deliver()

    sign_in_page(a, f"admin.{HUE}")
    page = a.get("/admin/outbox", query_string={"destination": "province", "status": "parked"}).get_data(as_text=True)

    assert pair.transports[HUE].answers[0][0] in (401, 403)
    row = re.search(rf'<tr id="message-\d+"[^>]*>.*?{code}.*?</tr>', page, re.S)
    assert row, page
    assert "Tỉnh khác" in row.group(0) and "Gói hồ sơ: hồ sơ để giải quyết" in row.group(0)
    assert "Tỉnh khác" in page.split("<h2>", 2)[1]  # the backlog by destination


def test_the_handling_provinces_figures_page_shows_its_part(pair: Pair) -> None:
    a, b = pair.a.client, pair.b.client
    received(a, sign_in(a, f"reception.{PHU_XUAN}"), application=birth_application(HAI_VAN))
    pair.deliver()
    pair.clock.now += timedelta(hours=1)

    sign_in_page(b, f"supervisor.{DA_NANG}")
    page = b.get("/stats", query_string={"from": "2025-07-01", "to": "2025-07-31"}).get_data(as_text=True)

    section = re.search(r'<section class="card" id="from-other-provinces".*?</section>', page, re.S)
    assert section, "no table of the dossiers from other provinces"
    assert "Hồ sơ liên thông từ tỉnh khác" in section.group(0)
    row = re.search(rf'<tr data-unit="{HAI_VAN}"><td>Phường Hải Vân</td><td class="num"><a href="([^"]+)">1</a></td>',
                    section.group(0))
    assert row, section.group(0)
    assert f"group=from_other_provinces:{HAI_VAN}" in row[1]  # the count leads to its dossiers
