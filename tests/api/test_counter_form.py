"""The counter's form for a queue (issue 22), through the Flask client with no JavaScript: the first field
focused, dates typed day/month/year and shown back so, the commune typed by name and received as its id,
shown by name on the dossier's page, the copy buttons the form declares, the schema and the words the
browser's checks use; the server's checks stay final."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from tests.api.helpers import csrf_of, sign_in, sign_in_page
from tests.api.test_pages import _flat
from tests.conftest import VY_DA, birth_application

FORM = "/counter/1.001193"


def _sent(application: dict[str, Any], client: Any, **fields: str) -> dict[str, Any]:
    return _flat(application) | {"csrf_token": csrf_of(client), "document": ["0", "1"], **fields}


def test_the_form_starts_on_its_first_field_with_dates_as_text_and_communes_by_name(client: Any) -> None:
    sign_in_page(client, "reception.19768")
    page = client.get(FORM).get_data(as_text=True)

    assert re.findall(r'<(?:input|select|textarea)[^>]*\bautofocus\b[^>]*>', page) == [
        m for m in re.findall(r'<input[^>]*>', page) if 'name="/application/applicant/full_name"' in m]
    birth = re.search(r'<input[^>]*name="/application/child/date_of_birth"[^>]*>', page)
    assert birth and 'type="text"' in birth.group(0) and 'placeholder="dd/mm/yyyy"' in birth.group(0)
    commune = re.search(r'<input[^>]*name="/application/residence/unit_id"[^>]*>', page)
    assert commune and 'list="communes"' in commune.group(0) and "data-picker" in commune.group(0)
    assert '<option value="Phường Vỹ Dạ" data-id="19777">' in page
    assert re.search(r'data-copy-from="/application/applicant" data-copy-to="/application/father" hidden>'
                     r'Chép từ người đi đăng ký</button>', page)
    schema = re.search(r'<script type="application/json" id="application-schema"[^>]*>(.*?)</script>', page, re.S)
    assert schema and json.loads(html.unescape(schema.group(1)))["properties"]["mother"]["required"]
    words = re.search(r'<script type="application/json" id="form-messages">(.*?)</script>', page, re.S)
    assert words and json.loads(words.group(1))["required"] == "Bắt buộc nhập."
    assert 'type="module" src="/static/counter.js"' in page


def test_a_day_first_date_and_a_communes_name_are_received_as_the_schema_wants(client: Any) -> None:
    sign_in_page(client, "reception.19768")
    application = birth_application(VY_DA)
    application["child"]["date_of_birth"] = "2/7/2025"
    application["mother"]["date_of_birth"] = "21081992"
    application["residence"]["unit_id"] = "vy da"

    response = client.post(FORM, data=_sent(application, client))

    assert response.status_code == 302
    code = re.search(r"/dossiers/([\d-]+)", response.headers["Location"])
    assert code
    received = client.get(f"/api/v1/dossiers/{code.group(1)}", headers=sign_in(client, "reception.19768")).get_json()
    assert received["application"]["child"]["date_of_birth"] == "2025-07-02"
    assert received["application"]["mother"]["date_of_birth"] == "1992-08-21"
    assert received["application"]["residence"]["unit_id"] == VY_DA
    sign_in_page(client, "reception.19768")
    page = client.get(f"/dossiers/{code.group(1)}").get_data(as_text=True)
    assert "<dd>Phường Vỹ Dạ</dd>" in page and "<dd>02/07/2025</dd>" in page  # names and dates, not codes


def test_a_date_that_is_no_day_and_an_unknown_commune_come_back_with_clear_words(client: Any) -> None:
    sign_in_page(client, "reception.19768")
    application = birth_application(VY_DA)
    application["child"]["date_of_birth"] = "31/02/2025"
    application["residence"]["unit_id"] = "Phường Không Có"

    response = client.post(FORM, data=_sent(application, client))
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert re.search(r'id="f-application-child-date_of_birth-error" class="error">Ngày không hợp lệ: gõ '
                     r'ngày/tháng/năm, ví dụ 02/07/2025.<', page)
    assert re.search(r'id="f-application-residence-unit_id-error" class="error">Không có xã, phường nào', page)
    assert 'value="31/02/2025"' in page and 'value="Phường Không Có"' in page  # as typed, to correct
    assert 'value="21/08/1992"' in page  # a good date comes back day first
    focused = re.findall(r'<input[^>]*\bautofocus\b[^>]*>', page)
    assert len(focused) == 1 and 'name="/application/child/date_of_birth"' in focused[0]  # the first wrong one


def test_a_good_commune_comes_back_by_name_when_another_field_is_wrong(client: Any) -> None:
    sign_in_page(client, "reception.19768")
    application = birth_application(VY_DA)
    application["mother"]["id_number"] = "12AB"

    page = client.post(FORM, data=_sent(application, client)).get_data(as_text=True)

    assert re.search(r'name="/application/residence/unit_id"[^>]*value="Phường Vỹ Dạ"', page)


def test_the_english_page_says_it_in_english(client: Any) -> None:
    sign_in_page(client, "reception.19768")
    client.get("/lang/en?next=/counter")
    application = birth_application(VY_DA)
    application["child"]["date_of_birth"] = "2025-13-01"

    page = client.post(FORM, data=_sent(application, client)).get_data(as_text=True)

    assert "Not a valid date: type day/month/year, e.g. 02/07/2025." in page
    assert re.search(r'data-copy-to="/application/mother" hidden>Copy from the applicant</button>', page)
