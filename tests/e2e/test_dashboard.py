"""The supervisor's dashboard on simulated days: the headline figures, both charts drawn by Chart.js,
the ranking with its registers, the indicators, and the spreadsheet download; a tile leading to the dossiers
behind it; the periodic report of the year, on screen and as printed."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from engine.adapters.definitions import read_scenarios
from engine.services import simulation
from tests.e2e.conftest import sign_in

CENTRES = ["19768", "19777", "19786", "19810", "19813", "19815"]


def test_a_supervisor_reads_the_province_at_a_glance(app: Any, server: str, browser: Any, shots: Any) -> None:
    w = app.extensions["onestop"]
    summary = simulation.simulate(w.uow, catalogue=w.catalogue, calendar=w.calendar, clock=w.clock,
                                  scenarios=read_scenarios(w.settings.processes_dir), days=3, per_centre=4,
                                  centres=CENTRES, seed=7)
    assert summary.received > 20 and summary.rated > 0
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="vi-VN")
    sign_in(page, server, "supervisor.46")
    page.get_by_role("link", name="Thống kê", exact=True).click()  # the menu, not the landing page's tile
    page.get_by_role("link", name="Năm nay").click()
    expect(page.get_by_role("heading", name="Kết quả giải quyết hồ sơ — Thành phố Huế")).to_be_visible()
    # Both charts are drawn (a canvas Chart.js has drawn on has a chart instance).
    for chart in ("centres-chart", "days-chart"):
        assert page.evaluate(f"() => !!Chart.getChart(document.getElementById('{chart}'))")
    drawn = page.evaluate("() => Chart.getChart(document.getElementById('centres-chart')).data.datasets[0].data")
    assert sum(drawn) >= summary.received  # this year's dossiers, the simulated ones among them
    ranking = page.locator("table.figures").first
    expect(ranking.locator("tbody tr").first.locator("td").first).to_have_text("1")
    expect(ranking.get_by_role("link", name="Sổ theo dõi").first).to_be_visible()
    expect(page.get_by_text("Tỷ lệ hồ sơ giải quyết đúng hạn")).to_be_visible()
    expect(page.locator("#from")).to_have_attribute("type", "date")
    expect(page.locator(".period-line .period")).to_have_text(re.compile(r"^01/01/\d{4} – 31/12/\d{4}$"))
    shots(page, "dashboard-year")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (.xlsx)").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # A tile leads to the dossiers behind it, as many as it shows.
    tile = page.locator("a.kpi", has_text="Tổng số hồ sơ")
    shown = tile.locator("strong").inner_text()
    tile.click()
    expect(page.get_by_role("heading", name=f"Tổng số hồ sơ cần giải quyết: {shown}")).to_be_visible()
    expect(page.locator("table.list tbody tr")).to_have_count(min(int(shown), 50))
    shots(page, "dossiers-behind-total")
    code = page.locator("table.list tbody tr").first.locator("a").inner_text()
    page.locator("table.list tbody tr").first.locator("a").click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(code)))).to_be_visible()
    page.go_back()
    page.get_by_role("link", name="Về bảng thống kê").click()

    # The periodic report of the year, per centre, in the official columns; then as it prints.
    page.get_by_role("link", name="Báo cáo định kỳ →").click()
    page.select_option("#period", "year")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator(".report-period")).to_have_text(re.compile(r"^Năm \d{4}$"))
    expect(page.locator("table.periodic thead th", has_text="Mới tiếp nhận")).to_have_attribute("colspan", "5")
    totals = page.locator("table.periodic tfoot td")
    assert int(totals.nth(1).inner_text()) >= summary.received  # Tổng số: this year's dossiers to handle
    shots(page, "report-year")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 1123, "height": 794})  # A4 landscape at 96 dpi
    expect(page.locator("header.top")).to_be_hidden()
    shots(page, "report-year-print")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.get_by_role("link", name="← Thống kê").click()
    page.select_option("#unit", "19768")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("heading", name="Kết quả giải quyết hồ sơ — Phường Phú Xuân")).to_be_visible()
    shots(page, "dashboard-one-centre")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # no sideways scroll on a phone
    shots(page, "dashboard-phone")
