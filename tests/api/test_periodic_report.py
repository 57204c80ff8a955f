"""The periodic report (báo cáo định kỳ) and the dossiers behind each figure, over a small November story.

Birth registrations (same-day: due 17:00, or 17:00 the next working day when received after 15:00) received at
Phú Xuân for families of Vỹ Dạ, which handles them; one received at Vỹ Dạ itself.

    Z  Thu 23/10 09:00, resolved 24/10: finished before November, in none of its figures
    A  Fri 31/10 09:00, due that day, resolved Mon 03/11: carried into November, resolved late in it
    F  Mon 10/11 09:00, withdrawn 11:00
    G  Wed 12/11 09:00, resolved 16:00: on time
    D  Thu 13/11 09:00 at Vỹ Dạ, resolved 10:00: Vỹ Dạ's own
    E  Mon 17/11 15:30, due 18/11, resolved 17/11 16:00, handed over 18/11: before time, returned, rated
    J  Mon 24/11 09:00, stopped by Vỹ Dạ 10:00
    H  Thu 27/11 09:00, supplement asked 10:00: pending at the end, waiting for the applicant
    C  Fri 28/11 09:00, never resolved: overdue at the end
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.domain.figures import DOSSIER_FIGURES
from engine.domain.notice import MissingItem
from engine.domain.rating import SatisfactionLevel
from tests.api.helpers import API, sign_in, sign_in_page
from tests.conftest import PHU_XUAN, VY_DA, Clock
from tests.integration._support import Story

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOVEMBER = {"period": "month", "year": 2025, "number": 11}
DAYS = {"from": "2025-11-01", "to": "2025-11-30"}
SIDES = ("carried_over", "received")
ENDS = ("resolved", "pending", "withdrawn", "stopped")


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=VN)


@pytest.fixture
def story(app: Any, clock: Clock) -> dict[str, str]:
    s = Story(app.extensions["onestop"], clock)
    px, specialist = f"reception.{PHU_XUAN}", f"specialist.{VY_DA}"
    z = s.receive(at(23, 10, 9))
    s.resolve(z, at(24, 10, 9))
    a = s.receive(at(31, 10, 9))
    s.resolve(a, at(3, 11, 9))
    f = s.receive(at(10, 11, 9))
    s.act("withdraw", f, at(10, 11, 11), px, reasons="Người nộp rút hồ sơ")
    g = s.receive(at(12, 11, 9))
    s.resolve(g, at(12, 11, 16))
    d = s.receive(at(13, 11, 9), centre=VY_DA)
    s.resolve(d, at(13, 11, 10))
    e = s.receive(at(17, 11, 15, 30))
    s.resolve(e, at(17, 11, 16))
    s.hand_over(e, at(18, 11, 9))
    s.rate(e, at(18, 11, 10), SatisfactionLevel.VERY_SATISFIED)
    j = s.receive(at(24, 11, 9))
    s.act("stop", j, at(24, 11, 10), specialist, reasons="Không đủ điều kiện")
    h = s.receive(at(27, 11, 9))
    s.act("request_supplement", h, at(27, 11, 10), specialist, reasons="Thiếu giấy chứng sinh",
          items=[MissingItem("Giấy chứng sinh")])
    c = s.receive(at(28, 11, 9))
    clock.now = datetime(2025, 12, 10, 12, 0, tzinfo=VN)
    return {name: x.code for name, x in zip("ZAFGDEJHC", (z, a, f, g, d, e, j, h, c), strict=True)}


def _report(client: Any, headers: dict[str, str], **query: Any) -> dict[str, Any]:
    response = client.get(f"{API}/stats/report", query_string={**NOVEMBER, **query}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def _adds_up(f: dict[str, Any]) -> bool:
    """Tổng số = kỳ trước + mới = đã giải quyết + đang giải quyết + rút + trả lại, and each part its columns."""
    return (f["total"] == sum(f[k] for k in SIDES) == sum(f[k] for k in ENDS)
            and f["received"] == f["received_online"] + f["received_in_person"] + f["received_by_post"]
            and f["resolved"] == f["resolved_before_time"] + f["resolved_on_time"] + f["resolved_late"]
            and f["pending"] == f["in_process_on_time"] + f["in_process_overdue"])


def test_every_row_of_the_report_adds_up(client: Any, story: dict[str, str]) -> None:
    headers = sign_in(client, "supervisor.46")
    for by in ("centre", "competent_unit"):
        body = _report(client, headers, by=by)
        assert body["period"] == {"kind": "month", "year": 2025, "number": 11, "label": "Tháng 11/2025"}
        assert body["from"].startswith("2025-11-01T00:00:00+07:00") and body["to"].startswith("2025-12-01T00:00")
        assert body["as_of"].startswith("2025-12-01T00:00")  # the period is over: judged at its end
        assert all(_adds_up(row["figures"]) for row in body["rows"]) and _adds_up(body["totals"])
        assert [row["number"] for row in body["rows"]] == list(range(1, len(body["rows"]) + 1))
        rows = {row["id"]: row["figures"] for row in body["rows"]}
        assert body["totals"]["total"] == sum(f["total"] for f in rows.values()) == 8
    centres = {row["id"]: row["figures"] for row in _report(client, headers)["rows"]}
    assert len(centres) > 2  # every centre of the province, those with nothing too
    px = centres[PHU_XUAN]
    assert ((px["total"], px["carried_over"], px["received"], px["received_in_person"], px["resolved"],
             px["resolved_before_time"], px["resolved_on_time"], px["resolved_late"], px["pending"],
             px["in_process_on_time"], px["in_process_overdue"], px["suspended"], px["withdrawn"], px["stopped"])
            == (7, 1, 6, 6, 3, 1, 1, 1, 2, 1, 1, 1, 1, 1))
    assert centres[VY_DA]["total"] == 1 and centres[VY_DA]["resolved"] == 1


def test_a_quarter_and_a_year_are_named_as_the_report_names_them(client: Any, story: dict[str, str]) -> None:
    headers = sign_in(client, "supervisor.46")
    quarter = _report(client, headers, period="quarter", number=4)
    year = _report(client, headers, period="year", number=None)
    assert quarter["period"]["label"] == "Quý IV/2025" and quarter["from"].startswith("2025-10-01")
    assert year["period"]["label"] == "Năm 2025" and year["to"].startswith("2026-01-01")
    assert quarter["totals"]["total"] == year["totals"]["total"] == 9  # Z too; nothing carried into October
    assert all(_adds_up(row["figures"]) for row in quarter["rows"])


def test_a_bad_period_is_a_422_naming_its_field(client: Any) -> None:
    headers = sign_in(client, "supervisor.46")
    for query, pointer in (({"period": "quarter", "year": 2025, "number": 5}, "/number"),
                           ({"period": "month", "year": 2025}, "/number"), ({"period": "week"}, "/period"),
                           ({"period": "month", "year": 1999, "number": 1}, "/year"), ({"by": "province"}, "/by")):
        response = client.get(f"{API}/stats/report", query_string=query, headers=headers)
        assert response.status_code == 422, query
        assert pointer in [e["pointer"].removeprefix("/query") for e in response.get_json()["errors"]], query


def test_each_figure_lists_exactly_the_dossiers_it_counts(client: Any, story: dict[str, str]) -> None:
    headers = sign_in(client, "supervisor.46")
    report = _report(client, headers)
    totals, centres = report["totals"], {row["id"]: row["figures"] for row in report["rows"]}
    units = {row["id"]: row["figures"] for row in _report(client, headers, by="competent_unit")["rows"]}
    for figure in DOSSIER_FIGURES:
        for group, expected in ((None, totals[figure]), (f"centre:{PHU_XUAN}", centres[PHU_XUAN][figure]),
                                (f"competent_unit:{VY_DA}", units[VY_DA][figure])):
            query = {**DAYS, "figure": figure, "limit": 100, **({"group": group} if group else {})}
            response = client.get(f"{API}/stats/dossiers", query_string=query, headers=headers)
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            assert body["total"] == len(body["items"]) == expected, (figure, group)
    overdue = client.get(f"{API}/stats/dossiers", query_string={**NOVEMBER, "figure": "in_process_overdue"},
                         headers=headers).get_json()
    assert [d["code"] for d in overdue["items"]] == [story["C"]]
    assert overdue["items"][0]["status"] == "processing" and "applicant_name" in overdue["items"][0]
    carried = client.get(f"{API}/stats/dossiers", query_string={**DAYS, "figure": "carried_over"}, headers=headers)
    assert [d["code"] for d in carried.get_json()["items"]] == [story["A"]]


def test_the_dossier_list_is_for_those_who_may_read_the_dossiers(client: Any, story: dict[str, str]) -> None:
    query = {**DAYS, "figure": "total"}
    own = client.get(f"{API}/stats/dossiers", query_string=query, headers=sign_in(client, f"leader.{VY_DA}"))
    assert own.status_code == 200 and own.get_json()["total"] == 8  # handled by Vỹ Dạ, or received there
    admin = client.get(f"{API}/stats/dossiers", query_string=query, headers=sign_in(client, "admin.46"))
    assert admin.status_code == 403  # reads the figures, never a dossier
    other = client.get(f"{API}/stats/dossiers", query_string={**query, "unit": PHU_XUAN},
                       headers=sign_in(client, f"leader.{VY_DA}"))
    assert other.status_code == 403
    bad = client.get(f"{API}/stats/dossiers", query_string={**query, "figure": "waiting", "group": "street:1"},
                     headers=sign_in(client, "supervisor.46"))
    assert bad.status_code == 422
    assert {e["pointer"].removeprefix("/query") for e in bad.get_json()["errors"]} == {"/figure", "/group"}


def test_the_csv_opens_in_a_vietnamese_excel(client: Any, story: dict[str, str]) -> None:
    response = client.get(f"{API}/stats/report", query_string={**NOVEMBER, "format": "csv"},
                          headers=sign_in(client, "supervisor.46"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="bao-cao-46-centre-202511-month.csv"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf") and b"\r\n" in response.data
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"]
    assert rows[1] == ["Đơn vị: Thành phố Huế (theo trung tâm tiếp nhận)"]
    assert rows[2] == ["Kỳ báo cáo: Tháng 11/2025 (từ 01/11/2025 đến 30/11/2025)"]
    assert rows[3] == ["Tình trạng tại 00:00 01/12/2025"]
    first, second = rows[5], rows[6]
    assert first[:5] == ["STT", "Đơn vị", "Tổng số", "Kỳ trước chuyển qua", "Mới tiếp nhận"]
    assert first[9:11] == ["Đã giải quyết", ""] and first[-1] == "Tỷ lệ đúng hạn (%)"
    assert second[4:9] == ["Tổng", "Trực tuyến", "Trực tiếp", "Qua BCCI", "Trong đó: phi địa giới"]
    table = rows[7:]
    px = next(row for row in table if row[1] == "Phường Phú Xuân")
    assert px[2:4] == ["7", "1"] and px[-1] == "71,4"  # 5 of 7 timely, with the decimal comma
    assert table[-1][1:3] == ["Tổng cộng", "8"]
    for row in table:  # Tổng số = kỳ trước + mới = đã giải quyết + đang giải quyết + rút + trả lại
        n = [int(v) for v in row[2:-1]]
        assert n[0] == n[1] + n[2] == n[7] + n[11] + n[14] + n[15] and n[11] == n[16]


def test_the_spreadsheet_has_the_two_header_rows_merged(client: Any, story: dict[str, str]) -> None:
    response = client.get(f"{API}/stats/report", query_string={**NOVEMBER, "format": "xlsx", "by": "competent_unit"},
                          headers=sign_in(client, "supervisor.46"))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
        strings = book.read("xl/sharedStrings.xml").decode("utf-8")
        titles = book.read("xl/workbook.xml").decode("utf-8")
    merged = set(re.findall(r'<mergeCell ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"', sheet))
    # Heading lines on rows 1-4; header rows 6 and 7: STT, Đơn vị, Tổng số, Kỳ trước over both; Mới tiếp nhận
    # over E:I, Đã giải quyết over J:M, Đang giải quyết over N:P; then Rút, Trả lại, Tồn, Tỷ lệ over both.
    assert {"A6:A7", "B6:B7", "C6:C7", "D6:D7", "E6:I6", "J6:M6", "N6:P6", "Q6:Q7", "T6:T7", "A1:T1"} <= merged
    assert 'orientation="landscape"' in sheet and 'paperSize="9"' in sheet
    assert "Tháng 11-2025" in titles and "theo đơn vị giải quyết" in strings and "Phường Vỹ Dạ" in strings


def test_the_report_page_shows_the_official_layout(client: Any, story: dict[str, str]) -> None:
    sign_in_page(client, "supervisor.46")
    page = client.get("/stats/report", query_string=NOVEMBER)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text and "Tháng 11/2025" in text
    assert re.search(r'<th colspan="5" scope="col">Mới tiếp nhận</th>', text)
    assert re.search(r'<th rowspan="2" scope="col">Tồn cuối kỳ</th>', text)
    assert "/api/v1/stats/report?" in text and "format=xlsx" in text
    assert f"/stats/dossiers?figure=in_process_overdue&amp;group=centre:{PHU_XUAN}&amp;from=2025-11-01" in text
    quarter = client.get("/stats/report", query_string={"period": "quarter", "year": 2025, "number": 4})
    assert "Quý IV/2025" in quarter.get_data(as_text=True)
    # One form for the three kinds: September asked as a quarter is the third; a year ignores the number.
    third = client.get("/stats/report", query_string={"period": "quarter", "year": 2025, "number": 9})
    assert "Quý III/2025" in third.get_data(as_text=True)
    year = client.get("/stats/report", query_string={"period": "year", "year": 2025, "number": 11})
    assert "Năm 2025" in year.get_data(as_text=True)
    wrong = client.get("/stats/report", query_string={"period": "month", "year": 2025, "number": 13})
    assert wrong.status_code == 200 and "number" in wrong.get_data(as_text=True)  # said, and this month shown


def test_each_tile_leads_to_as_many_dossiers_as_it_shows(client: Any, story: dict[str, str]) -> None:
    sign_in_page(client, "supervisor.46")
    text = client.get("/stats", query_string=DAYS).get_data(as_text=True)
    assert "01/11/2025 – 30/11/2025" in text
    tiles = re.findall(r'<a class="kpi[^"]*" href="([^"]+)">\s*<span class="label">[^<]*</span>'
                       r'<strong>([^<]+)</strong>', text)
    figures = {re.search(r"figure=(\w+)", href)[1] for href, _ in tiles}  # type: ignore[index]
    assert {"total", "carried_over", "received", "resolved", "timely", "in_process_on_time", "in_process_overdue",
            "suspended", "withdrawn", "stopped"} <= figures
    for href, shown in tiles:
        listed = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
        count = re.search(r'<span class="count">(\d+)</span>', listed)
        assert count is not None and count[1] == (shown if shown.isdigit() else count[1]), href
        if shown.isdigit():
            assert listed.count('href="/dossiers/') == int(shown), href
    overdue = client.get("/stats/dossiers", query_string={**DAYS, "figure": "in_process_overdue",
                                                          "group": f"centre:{PHU_XUAN}"}).get_data(as_text=True)
    assert story["C"] in overdue and "Phường Phú Xuân" in overdue and "Hồ sơ đang giải quyết quá hạn" in overdue
