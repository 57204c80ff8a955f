"""The figures as tables to download: the dashboard's figures per centre, competent unit and procedure, and
the periodic report (báo cáo định kỳ) in its official columns; each as CSV for a Vietnamese Excel and as a
spreadsheet (XLSX).

The CSV follows what Excel on a Windows set to Vietnamese (vi-VN) reads when the file is opened with a double
click: UTF-8 with a byte order mark (without it Excel reads the bytes as the ANSI code page and garbles the
diacritics), the locale's list separator `;` (vi-VN's decimal separator is the comma, so its list separator is
not) and numbers with the decimal comma; `engine/adapters/printing.py`'s `csv_table` writes every CSV. No
personal data in either table.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from api.pages.stats_words import vi
from engine.adapters.printing import csv_table
from engine.domain.calendar import VN_TZ
from engine.domain.figures import Figures, Group
from engine.services.stats import CentreReport, Named

if TYPE_CHECKING:
    import xlsxwriter

# The dashboard's figures -----------------------------------------------------------------------------------

# (header, how to read it from a group's figures); rates are fractions, shown as percentages.
# The intake's four (handed in online, guided, refused reception, waiting) are the centres' only: a dossier
# refused reception was never received, so it is outside the dossiers to handle and the rates.
COLUMNS: list[tuple[str, str]] = [
    ("Tổng số", "total"), ("Kỳ trước chuyển qua", "carried_over"), ("Mới tiếp nhận", "received"),
    ("Tiếp nhận trực tuyến", "received_online"), ("Tiếp nhận trực tiếp", "received_in_person"),
    ("Tiếp nhận qua BCCI", "received_by_post"), ("Phi địa giới", "outside_area"),
    ("Đã giải quyết", "resolved"), ("Trước hạn", "resolved_before_time"), ("Đúng hạn", "resolved_on_time"),
    ("Quá hạn", "resolved_late"), ("Đang giải quyết trong hạn", "in_process_on_time"),
    ("Đang giải quyết quá hạn", "in_process_overdue"), ("Chờ công dân", "suspended"),
    ("Công dân rút hồ sơ", "withdrawn"), ("Trả lại / dừng", "stopped"), ("Tồn cuối kỳ", "pending"),
    ("Nộp trực tuyến", "submitted_online"), ("Hướng dẫn hoàn thiện", "guided"),
    ("Từ chối tiếp nhận", "refused"), ("Chờ tiếp nhận", "waiting"), ("Tỷ lệ giải quyết (%)", "resolution_rate"),
    ("Tỷ lệ đúng hạn (%)", "on_time_rate"),
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
    return f"{report.scope.name}: {period_text(report.start, report.end)}, tình trạng tại {_moment(report.as_of)}"


def period_text(start: datetime, end: datetime) -> str:
    """"từ 01/12/2026 đến 31/12/2026" for whole days (the last one included), else down to the minute."""
    first, following = start.astimezone(VN_TZ), end.astimezone(VN_TZ)
    if first.time() == following.time() == datetime.min.time():
        return f"từ {first:%d/%m/%Y} đến {following - timedelta(days=1):%d/%m/%Y}"
    return f"từ {_moment(first)} đến trước {_moment(following)}"


def _moment(moment: datetime) -> str:
    return f"{moment.astimezone(VN_TZ):%H:%M %d/%m/%Y}"


def csv_bytes(report: CentreReport) -> bytes:
    """The centres table with the province's totals."""
    return csv_table([[_period(report)], _header("Trung tâm"), *_rows(report.centres, report.totals)])


def _workbook(out: io.BytesIO) -> xlsxwriter.Workbook:
    # Imported here: only a request for a spreadsheet needs xlsxwriter, not every web worker.
    import xlsxwriter

    return xlsxwriter.Workbook(out, {"in_memory": True})


def xlsx_bytes(report: CentreReport) -> bytes:
    out = io.BytesIO()
    book = _workbook(out)
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


# The periodic report -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportColumn:
    field: str
    """A figure (engine/domain/figures.py), a count or the on-time rate."""
    label: str
    """A key of api/pages/stats_words.py's REPORT_WORDS."""
    group: str | None = None
    """The key of the heading over this column and its neighbours; None: the column spans both header rows."""


REPORT_COLUMNS = (
    ReportColumn("total", "stats.report.total"),
    ReportColumn("carried_over", "stats.report.carried_over"),
    ReportColumn("received", "stats.report.sum", "stats.report.received"),
    ReportColumn("received_online", "stats.report.online", "stats.report.received"),
    ReportColumn("received_in_person", "stats.report.in_person", "stats.report.received"),
    ReportColumn("received_by_post", "stats.report.by_post", "stats.report.received"),
    ReportColumn("outside_area", "stats.report.outside_area", "stats.report.received"),
    ReportColumn("resolved", "stats.report.sum", "stats.report.resolved"),
    ReportColumn("resolved_before_time", "stats.report.before_time", "stats.report.resolved"),
    ReportColumn("resolved_on_time", "stats.report.on_time", "stats.report.resolved"),
    ReportColumn("resolved_late", "stats.report.late", "stats.report.resolved"),
    ReportColumn("pending", "stats.report.sum", "stats.report.in_process"),
    ReportColumn("in_process_on_time", "stats.report.in_time", "stats.report.in_process"),
    ReportColumn("in_process_overdue", "stats.report.late", "stats.report.in_process"),
    ReportColumn("withdrawn", "stats.report.withdrawn"),
    ReportColumn("stopped", "stats.report.stopped"),
    ReportColumn("pending", "stats.report.balance"),
    ReportColumn("on_time_rate", "stats.report.on_time_rate"),
)
"""The official periodic report's columns after STT and Đơn vị (DOMAIN.md §12, "Periodic report layout")."""

ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class ReportRow:
    number: int
    """STT."""
    group: Group[Named]


@dataclass(frozen=True)
class PeriodicReport:
    scope: Named
    by: str
    """centre or competent_unit."""
    kind: str
    year: int
    number: int
    start: datetime
    end: datetime
    as_of: datetime
    procedure_code: str | None
    procedure_name: str | None
    rows: list[ReportRow]
    totals: Figures
    """The sum of the rows."""
    title: str = "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"

    @property
    def label(self) -> str:
        """"Tháng 11/2026", "Quý IV/2026", "Năm 2026"."""
        if self.kind == "month":
            return f"Tháng {self.number}/{self.year}"
        if self.kind == "quarter":
            return f"Quý {ROMAN[self.number - 1]}/{self.year}"
        return f"Năm {self.year}"

    @property
    def columns(self) -> list[dict[str, str | None]]:
        return [{"field": c.field, "group": vi(c.group) if c.group else None, "label": vi(c.label)}
                for c in REPORT_COLUMNS]

    def heading(self) -> list[str]:
        """The lines above the table."""
        by = vi("stats.report.by_centre" if self.by == "centre" else "stats.report.by_competent")
        lines = [self.title, f"{vi('stats.report.unit')}: {self.scope.name} ({by.lower()})"]
        if self.procedure_code:
            lines.append(f"{vi('stats.procedure')}: {self.procedure_code} {self.procedure_name or ''}".rstrip())
        lines.append(f"{vi('stats.report.period')}: {self.label} ({period_text(self.start, self.end)})")
        lines.append(f"{vi('stats.report.as_of')} {_moment(self.as_of)}")
        return lines


def periodic(report: CentreReport, *, by: str, kind: str, year: int, number: int) -> PeriodicReport:
    """The periodic report's rows from the figures of its period: every centre of a province (those with
    nothing too) or the competent units that had dossiers, by name, with their sum."""
    groups = report.centres if by == "centre" else report.competent_units
    names = [g.key.name for g in report.procedures if g.key.id == report.procedure_code]
    procedure_name = names[0] if names else None
    ordered = sorted(groups, key=lambda g: (_sort_key(g.key.name), g.key.id))
    rows = [ReportRow(n, g) for n, g in enumerate(ordered, start=1)]
    return PeriodicReport(scope=report.scope, by=by, kind=kind, year=year, number=number, start=report.start,
                          end=report.end, as_of=report.as_of, procedure_code=report.procedure_code,
                          procedure_name=procedure_name, rows=rows,
                          totals=sum((g.figures for g in groups), Figures()))


def _sort_key(name: str) -> str:
    """Vietnamese names in alphabetical order, near enough: without their marks, đ as d."""
    bare = unicodedata.normalize("NFD", name.casefold().replace("đ", "d"))
    return "".join(c for c in bare if not unicodedata.combining(c))


def header_rows() -> tuple[list[tuple[str, int, int]], list[str]]:
    """The two header rows as catalogue keys: the first as (key, colspan, rowspan), the second the keys of
    the grouped columns."""
    top: list[tuple[str, int, int]] = [("stats.report.number", 1, 2), ("stats.report.unit", 1, 2)]
    bottom: list[str] = []
    for column in REPORT_COLUMNS:
        if column.group is None:
            top.append((column.label, 1, 2))
        elif top[-1][0] == column.group:
            top[-1] = (column.group, top[-1][1] + 1, 1)
        else:
            top.append((column.group, 1, 1))
        if column.group is not None:
            bottom.append(column.label)
    return top, bottom


def report_values(figures: Figures) -> list[Any]:
    return [getattr(figures, c.field) for c in REPORT_COLUMNS]


def _report_table(report: PeriodicReport) -> list[list[Any]]:
    rows = [[row.number, row.group.key.name, *report_values(row.group.figures)] for row in report.rows]
    return [*rows, ["", vi("stats.total"), *report_values(report.totals)]]


def report_csv(report: PeriodicReport) -> bytes:
    """The heading lines, the two header rows (a group's heading over its first column) and the rows."""
    top, _ = header_rows()
    first: list[str] = []
    for key, span, _ in top:
        first += [vi(key)] + [""] * (span - 1)
    second = ["", ""] + [vi(c.label) if c.group else "" for c in REPORT_COLUMNS]
    return csv_table([*[[line] for line in report.heading()], [], first, second, *_report_table(report)])


def report_xlsx(report: PeriodicReport) -> bytes:
    """One sheet: the heading, the two header rows with merged cells, the rows and their sum; A4 landscape."""
    out = io.BytesIO()
    book = _workbook(out)
    sheet = book.add_worksheet(report.label.replace("/", "-"))
    title = book.add_format({"bold": True, "font_size": 13, "align": "center"})
    line = book.add_format({"align": "center"})
    head = book.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True,
                            "bg_color": "#eef1f5"})
    cell, name = book.add_format({"border": 1}), book.add_format({"border": 1, "text_wrap": True})
    percent = book.add_format({"border": 1, "num_format": "0.0%"})
    bold_cell = book.add_format({"border": 1, "bold": True})
    bold_percent = book.add_format({"border": 1, "bold": True, "num_format": "0.0%"})
    width = 2 + len(REPORT_COLUMNS)
    for r, text in enumerate(report.heading()):
        sheet.merge_range(r, 0, r, width - 1, text, title if r == 0 else line)
    top, bottom = header_rows()
    first = len(report.heading()) + 1
    c = 0
    for key, span, rowspan in top:
        if span == 1 and rowspan == 1:
            sheet.write(first, c, vi(key), head)
        else:
            sheet.merge_range(first, c, first + rowspan - 1, c + span - 1, vi(key), head)
        c += span
    grouped = [i + 2 for i, column in enumerate(REPORT_COLUMNS) if column.group]
    for c, key in zip(grouped, bottom, strict=True):
        sheet.write(first + 1, c, vi(key), head)
    table = _report_table(report)
    for r, row in enumerate(table, start=first + 2):
        last = r == first + 1 + len(table)
        for c, value in enumerate(row):
            rate = c >= 2 and REPORT_COLUMNS[c - 2].field == "on_time_rate"
            style = (bold_percent if last else percent) if rate else (bold_cell if last else name if c == 1 else cell)
            if value is None:
                sheet.write_blank(r, c, None, style)
            else:
                sheet.write(r, c, value, style)
    sheet.set_row(first + 1, 45)
    sheet.set_column(0, 0, 5)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, width - 1, 9)
    sheet.freeze_panes(first + 2, 2)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(first, first + 1)
    book.close()
    return out.getvalue()
