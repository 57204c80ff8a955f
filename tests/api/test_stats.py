"""The figures endpoints: who may read what, the period, and the downloads (the figures themselves are
checked against hand-computed cases in tests/integration/test_stats.py)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from typing import Any

import pytest

from engine.services import accounts, intake
from engine.services.intake import Handing
from tests.api.helpers import API, drive_to_result, local, received, return_result, scans, sign_in
from tests.conftest import PASSWORD, PHU_XUAN, VY_DA, Clock, birth_application

PERIOD = {"from": "2025-07-14T00:00", "to": "2025-07-15T00:00"}


def _two_dossiers(client: Any, clock: Clock) -> None:
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    returned = received(client, counter, channel="online")
    received(client, counter, files=scans(client, counter, [0, 1]))
    drive_to_result(client, returned["code"])
    assert return_result(client, counter, returned["code"]).status_code == 200
    clock.now = local(2025, 7, 14, 18, 0)


def test_a_supervisor_reads_every_centre_unranked_below_ten(client: Any, clock: Clock) -> None:
    """Two dossiers are too few to rank a centre (MIN_TO_RANK): it is listed first, busiest, without a rank."""
    _two_dossiers(client, clock)
    response = client.get(f"{API}/stats/centres", query_string=PERIOD, headers=sign_in(client, "supervisor.46"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["scope"] == {"id": "46", "name": "Thành phố Huế"}
    assert body["from"].startswith("2025-07-14T00:00:00+07:00") and body["as_of"].startswith("2025-07-14T18:00")
    first = body["centres"][0]
    assert (first["id"], first["rank"]) == (PHU_XUAN, None)
    figures = first["figures"]
    assert (figures["total"], figures["carried_over"], figures["received"], figures["resolved"],
            figures["in_process_overdue"], figures["pending"], figures["received_online"], figures["digitised"],
            figures["electronic_results"]) == (2, 0, 2, 1, 1, 1, 1, 1, 0)
    assert figures["resolution_rate"] == 0.5 and figures["on_time_rate"] == 0.5
    assert body["centres"][1]["rank"] is None
    assert [g["id"] for g in body["competent_units"]] == [VY_DA]
    assert body["days"] == [{"day": "2025-07-14", "figures": figures}]


def test_indicators_give_their_method(client: Any, clock: Clock) -> None:
    _two_dossiers(client, clock)
    response = client.get(f"{API}/stats/indicators", query_string=PERIOD, headers=sign_in(client, "supervisor.46"))
    indicators = {i["id"]: i for i in response.get_json()["indicators"]}
    assert (indicators["2.1"]["numerator"], indicators["2.1"]["denominator"]) == (1, 2)
    assert indicators["3.3"]["value"] == 0.5 and indicators["3.3"]["full_marks_at"] == 0.5
    # Only the one with both required components scanned: the online one came without files.
    assert indicators["4.2"]["value"] == 0.5
    assert all(i["method"] for i in indicators.values())


def test_an_officer_reads_only_their_unit(client: Any, clock: Clock) -> None:
    _two_dossiers(client, clock)
    leader = sign_in(client, f"leader.{VY_DA}")
    own = client.get(f"{API}/stats/centres", query_string=PERIOD, headers=leader)
    assert own.status_code == 200 and own.get_json()["totals"]["received"] == 2  # handled for Phú Xuân
    other = client.get(f"{API}/stats/centres", query_string={**PERIOD, "unit": PHU_XUAN}, headers=leader)
    assert other.status_code == 403
    assert client.get(f"{API}/stats/centres", query_string=PERIOD).status_code == 401


def test_a_bad_period_is_a_422_naming_the_field(client: Any) -> None:
    headers = sign_in(client, "supervisor.46")
    reversed_ = client.get(f"{API}/stats/centres", query_string={"from": "2025-07-15T00:00", "to": "2025-07-14T00:00"},
                           headers=headers)
    assert reversed_.status_code == 422 and "/to" in str(reversed_.get_json())
    garbled = client.get(f"{API}/stats/centres", query_string={"from": "yesterday"}, headers=headers)
    assert garbled.status_code == 422 and "from" in str(garbled.get_json())
    unknown = client.get(f"{API}/stats/centres", query_string={**PERIOD, "unit": "nowhere"}, headers=headers)
    assert unknown.status_code == 404


def test_a_period_is_days_moments_or_a_month_quarter_or_year(client: Any, clock: Clock) -> None:
    """`to` as a day includes it; as a moment it is excluded; period=month|quarter|year names one whole."""
    _two_dossiers(client, clock)
    headers = sign_in(client, "supervisor.46")

    def period(**query: Any) -> tuple[str, str, int]:
        response = client.get(f"{API}/stats/indicators", query_string=query, headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        return body["from"][:16], body["to"][:16], body["totals"]["total"]

    assert period(**{"from": "2025-07-14", "to": "2025-07-14"}) == ("2025-07-14T00:00", "2025-07-15T00:00", 2)
    assert period(**{"from": "2025-07-13", "to": "2025-07-13"}) == ("2025-07-13T00:00", "2025-07-14T00:00", 0)
    assert period(**{"from": "2025-07-14T09:00", "to": "2025-07-14T09:05"})[:2] == ("2025-07-14T09:00",
                                                                                     "2025-07-14T09:05")
    assert period(period="month", year=2025, number=7) == ("2025-07-01T00:00", "2025-08-01T00:00", 2)
    assert period(period="quarter", year=2025, number=3)[:2] == ("2025-07-01T00:00", "2025-10-01T00:00")
    assert period(period="year", year=2025)[:2] == ("2025-01-01T00:00", "2026-01-01T00:00")


@pytest.mark.parametrize(("query", "pointers"), [
    ({"period": "month", "year": 2025, "number": 7, "from": "2025-07-01"}, {"/from"}),
    ({"year": 2025, "number": 7}, {"/year", "/number"}),
    ({"period": "month", "year": 2025}, {"/number"}),
    ({"period": "quarter", "year": 2025, "number": 5}, {"/number"}),
    ({"period": "year", "year": 2025, "number": 2}, {"/number"}),
    ({"period": "fortnight", "year": 2025}, {"/period"}),
    ({"from": "2025-07-32"}, {"/from"}),
    ({"from": "2025-07-01", "to": "9999-12-31"}, {"/to"}),
])
def test_a_bad_combination_is_a_422_naming_its_fields(client: Any, query: dict[str, Any], pointers: set[str]) -> None:
    response = client.get(f"{API}/stats/centres", query_string=query, headers=sign_in(client, "supervisor.46"))
    assert response.status_code == 422
    assert {e["pointer"].removeprefix("/query") for e in response.get_json()["errors"]} == pointers


def test_csv_and_spreadsheet_downloads(client: Any, clock: Clock) -> None:
    _two_dossiers(client, clock)
    headers = sign_in(client, "supervisor.46")
    response = client.get(f"{API}/stats/centres", query_string={**PERIOD, "format": "csv"}, headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, `;` and the decimal comma: vi-VN Excel
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Thành phố Huế: từ 14/07/2025 đến 14/07/2025, tình trạng tại 18:00 14/07/2025"]
    assert rows[1][:6] == ["Hạng", "Mã", "Trung tâm", "Tổng số", "Kỳ trước chuyển qua", "Mới tiếp nhận"]
    assert rows[2][:4] == ["", PHU_XUAN, "Phường Phú Xuân", "2"] and rows[2][-2:] == ["50,0", "50,0"]
    assert rows[1][-2:] == ["Tỷ lệ giải quyết (%)", "Tỷ lệ đúng hạn (%)"]
    assert rows[-1][2:4] == ["Tổng cộng", "2"]
    sheet = client.get(f"{API}/stats/centres", query_string={**PERIOD, "format": "xlsx"}, headers=headers)
    assert sheet.status_code == 200
    assert 'filename="figures-46-202507140000.xlsx"' in sheet.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(sheet.data)) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        strings = book.read("xl/sharedStrings.xml").decode("utf-8")
        titles = book.read("xl/workbook.xml").decode("utf-8")
    assert len(sheets) == 3 and "Theo thủ tục" in titles and "Phường Phú Xuân" in strings
    assert all(h in strings for h in ("Nộp trực tuyến", "Hướng dẫn hoàn thiện", "Từ chối tiếp nhận", "Chờ tiếp nhận"))
    assert all(h in strings for h in ("Kỳ trước chuyển qua", "Phi địa giới", "Trả lại / dừng", "Tồn cuối kỳ"))


def test_refused_reception_is_counted_apart_from_what_was_received(client: Any, clock: Clock) -> None:
    """A dossier refused at the counter (Mẫu 03) is the centre's `refused`, never one of its `received`."""
    _two_dossiers(client, clock)
    w = client.application.extensions["onestop"]
    counter = accounts.authenticate(w.uow(), username=f"reception.{PHU_XUAN}", password=PASSWORD)
    intake.decide_at_counter(w.uow(), actor=counter, catalogue=w.catalogue, clock=w.clock,
                             handing=Handing(PHU_XUAN, "1.001193", birth_application(VY_DA)), key="refused",
                             reasons="Không thuộc thẩm quyền", items=None)
    headers = sign_in(client, "supervisor.46")

    body = client.get(f"{API}/stats/centres", query_string=PERIOD, headers=headers).get_json()
    rows = list(csv.reader(io.StringIO(client.get(f"{API}/stats/centres", query_string={**PERIOD, "format": "csv"},
                                                  headers=headers).data.decode("utf-8-sig")), delimiter=";"))

    figures = body["centres"][0]["figures"]
    assert (figures["received"], figures["refused"], figures["guided"], figures["submitted_online"],
            figures["waiting"]) == (2, 1, 0, 0, 0)
    assert body["totals"]["refused"] == 1 and body["totals"]["on_time_rate"] == 0.5  # of the two received
    table = [dict(zip(rows[1], row, strict=True)) for row in rows[2:]]
    assert (table[0]["Mới tiếp nhận"], table[0]["Từ chối tiếp nhận"], table[0]["Chờ tiếp nhận"]) == ("2", "1", "0")
    assert (table[-1]["Trung tâm"], table[-1]["Từ chối tiếp nhận"]) == ("Tổng cộng", "1")
    _log_in(client, "supervisor.46")
    page = client.get("/stats", query_string=PERIOD).get_data(as_text=True)
    ranking = page[page.index("<table class=\"list figures\">"):page.index("</table>")]
    assert all(h in ranking for h in ("Nộp trực tuyến", "Hướng dẫn hoàn thiện", "Từ chối tiếp nhận", "Chờ tiếp nhận"))


def _log_in(client: Any, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)})


def test_the_dashboard_shows_the_ranking_charts_and_downloads(client: Any, clock: Clock) -> None:
    _two_dossiers(client, clock)
    _log_in(client, "supervisor.46")
    page = client.get("/stats", query_string={"from": "2025-07-14T00:00", "to": "2025-07-15T00:00"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/json" id="stats-data">(.*?)</script>', text, re.S)[1])
    assert data["centres"] == ["Phường Phú Xuân"] and data["total"] == [2] and data["resolved"] == [1]
    assert data["days"] == ["14/07"] and data["day_late"] == [1]
    assert "chart.umd.min.js" in text and "dashboard.js" in text
    assert "/api/v1/units/19768/register?from=2025-07-14&amp;to=2025-07-14" in text
    assert "format=csv" in text and "format=xlsx" in text
    assert "50,0%" in text  # Phú Xuân's resolution rate, with the Vietnamese decimal comma
    # The downloads work with the page's session (a GET needs no CSRF token).
    assert client.get("/api/v1/stats/centres?from=2025-07-14T00:00&to=2025-07-15T00:00&format=csv").status_code == 200


def test_the_dashboard_takes_days_and_offers_the_usual_periods(client: Any, clock: Clock) -> None:
    """Date inputs with an inclusive end ("Từ ngày … đến ngày …"); presets as whole days; the period shown as
    days; the small centres after the ranked ones, with the note."""
    _two_dossiers(client, clock)
    _log_in(client, "supervisor.46")
    text = client.get("/stats", query_string={"from": "2025-07-14", "to": "2025-07-14"}).get_data(as_text=True)
    assert '<input type="date" id="from" name="from" value="2025-07-14">' in text
    assert '<input type="date" id="to" name="to" value="2025-07-14">' in text
    assert "14/07/2025 – 14/07/2025" in text and "Từ ngày" in text and "đến ngày" in text
    presets = dict((label, href) for href, label in re.findall(r'<a href="\?([^"]*)">([^<]+)</a>', text))
    assert presets["Hôm nay"] == "from=2025-07-14&amp;to=2025-07-14"
    assert presets["Tuần này"] == "from=2025-07-14&amp;to=2025-07-20"
    assert presets["Tháng này"] == "from=2025-07-01&amp;to=2025-07-31"
    assert presets["Tháng trước"] == "from=2025-06-01&amp;to=2025-06-30"
    assert presets["Quý này"] == "from=2025-07-01&amp;to=2025-09-30"
    assert presets["Năm nay"] == "from=2025-01-01&amp;to=2025-12-31"
    assert "Dưới 10 hồ sơ: không xếp hạng" in text  # two dossiers: Phú Xuân is listed, unranked
    assert "/stats/dossiers?figure=total&amp;from=2025-07-14&amp;to=2025-07-14" in text
    assert "/stats/dossiers?figure=resolved&amp;group=centre:19768&amp;from=2025-07-14&amp;to=2025-07-14" in text
    listed = client.get("/stats/dossiers", query_string={"figure": "resolved", "from": "2025-07-14",
                                                         "to": "2025-07-14"}).get_data(as_text=True)
    assert '<span class="count">1</span>' in listed and "Hồ sơ đã giải quyết" in listed


def test_the_dashboard_of_an_officer_is_their_unit_and_refuses_another(client: Any, clock: Clock) -> None:
    _two_dossiers(client, clock)
    _log_in(client, f"leader.{VY_DA}")
    own = client.get("/stats", query_string={"from": "2025-07-14T00:00", "to": "2025-07-15T00:00"})
    assert "Phường Vỹ Dạ" in own.get_data(as_text=True) and own.status_code == 200
    other = client.get("/stats", query_string={"unit": PHU_XUAN})
    assert other.status_code == 403 and "Chỉ được xem số liệu của đơn vị mình." in other.get_data(as_text=True)
    assert 'id="stats-data"' not in other.get_data(as_text=True)


def test_a_scan_for_a_document_outside_the_list_is_a_422(client: Any) -> None:
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    files = scans(client, counter, [1, 7])
    response = client.post(f"{API}/dossiers", headers=counter, json={
        "procedure_code": "1.001193", "application": birth_application(VY_DA), "files": files})
    assert response.status_code == 422
    assert [e["pointer"] for e in response.get_json()["errors"]] == ["/files/1/document"]
    assert client.get(f"{API}/dossiers", headers=counter).get_json()["total"] == 0
