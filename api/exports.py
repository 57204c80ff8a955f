"""The figures report as a table to download: CSV (UTF-8 with BOM, so Excel reads the Vietnamese) and a
spreadsheet (XLSX, one sheet per grouping, rates as percentages)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import xlsxwriter

from engine.domain.calendar import VN_TZ
from engine.domain.figures import Figures, Group
from engine.services.stats import CentreReport, Named

# (header, how to read it from a group's figures); rates are fractions, shown as percentages.
# The intake's four (handed in online, guided, refused reception, waiting) are the centres' only: a dossier
# refused reception was never received, so it is outside "Tiếp nhận" and the rates.
COLUMNS: list[tuple[str, str]] = [
    ("Tiếp nhận", "received"), ("Đã giải quyết", "resolved"), ("Trước hạn", "resolved_before_time"),
    ("Đúng hạn", "resolved_on_time"), ("Trễ hạn", "resolved_late"), ("Đang xử lý trong hạn", "in_process_on_time"),
    ("Đang xử lý quá hạn", "in_process_overdue"), ("Tạm dừng", "suspended"), ("Rút hồ sơ", "withdrawn"),
    ("Tiếp nhận trực tuyến", "online"), ("Nộp trực tuyến", "submitted_online"), ("Hướng dẫn hoàn thiện", "guided"),
    ("Từ chối tiếp nhận", "refused"), ("Chờ tiếp nhận", "waiting"), ("Tỷ lệ giải quyết", "resolution_rate"),
    ("Tỷ lệ đúng hạn", "on_time_rate"),
]
RATES = {"resolution_rate", "on_time_rate"}
SHEETS = (("Theo trung tâm", "centres"), ("Theo đơn vị giải quyết", "competent_units"),
          ("Theo thủ tục", "procedures"))


def _rows(groups: Iterable[Group[Named]], totals: Figures | None) -> list[list[Any]]:
    rows = [[g.rank or "", g.key.id, g.key.name, *[getattr(g.figures, a) for _, a in COLUMNS]] for g in groups]
    if totals is not None:
        rows.append(["", "", "Tổng cộng", *[getattr(totals, a) for _, a in COLUMNS]])
    return rows


def _header(first: str) -> list[str]:
    return ["Hạng", "Mã", first, *[h for h, _ in COLUMNS]]


def _period(report: CentreReport) -> str:
    start, end, as_of = (t.astimezone(VN_TZ) for t in (report.start, report.end, report.as_of))
    return (f"{report.scope.name}: hồ sơ tiếp nhận từ {start:%H:%M %d/%m/%Y} đến trước {end:%H:%M %d/%m/%Y}, "
            f"tình trạng tại {as_of:%H:%M %d/%m/%Y}")


def csv_bytes(report: CentreReport) -> bytes:
    """The centres table with the province's totals; rates as percentages with one decimal."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_period(report)])
    writer.writerow(_header("Trung tâm"))
    for row in _rows(report.centres, report.totals):
        writer.writerow([f"{v * 100:.1f}%" if isinstance(v, float) else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(report: CentreReport) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold, percent = book.add_format({"bold": True}), book.add_format({"num_format": "0.0%"})
    for title, attribute in SHEETS:
        sheet = book.add_worksheet(title)
        sheet.write(0, 0, _period(report))
        sheet.write_row(1, 0, _header(title.removeprefix("Theo ").capitalize()), bold)
        totals = report.totals if attribute == "centres" else None
        for r, row in enumerate(_rows(getattr(report, attribute), totals), start=2):
            for c, value in enumerate(row):
                if value is None:
                    continue
                sheet.write(r, c, value, percent if c >= 3 and COLUMNS[c - 3][1] in RATES else None)
        sheet.set_column(2, 2, 36)
        sheet.set_column(3, 3 + len(COLUMNS), 12)
        sheet.freeze_panes(2, 3)
    book.close()
    return out.getvalue()
