"""Printing: the Jinja2 templates of forms/slips laid out as HTML, HTML turned into A4 PDF (WeasyPrint),
the QR code as inline SVG (segno), and the tracking register as CSV for Excel.

Times print in Vietnam time, dates as administrative documents write them (Decree 30/2020: a day
below 10 and the months January and February take a leading zero). Nothing here logs content.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from engine.domain.calendar import VN_TZ
from engine.domain.dossier_code import grouped_secret

BLANK = "…………………………"
# Excel reads a cell starting with one of these as a formula; a leading apostrophe keeps it text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

REGISTER_COLUMNS = (
    "Số thứ tự", "Mã hồ sơ", "Tên thủ tục hành chính", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức",
    "Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", "Ngày, giờ nhận hồ sơ", "Ngày, giờ hẹn trả kết quả",
    "Ngày chuyển hồ sơ đến cơ quan giải quyết", "Ngày nhận kết quả từ cơ quan giải quyết",
    "Ngày trả kết quả cho cá nhân, tổ chức", "Ký nhận", "Ghi chú",
)


# Legal slips print Vietnamese whatever the page's language, so their words for the domain's codes live here,
# not in the pages' gettext catalogues: the national status names (DVCQG TrangThaiHoSo) and Decision 766's classes.
STATUS_WORDS = {
    "submitted": "Mới đăng ký",
    "received": "Được tiếp nhận",
    "refused": "Không được tiếp nhận",
    "processing": "Đang xử lý",
    "supplement_requested": "Yêu cầu bổ sung giấy tờ",
    "awaiting_payment": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "withdrawn": "Công dân yêu cầu rút hồ sơ",
    "stopped": "Dừng xử lý",
    "result_ready": "Đã xử lý xong",
    "returned": "Đã trả kết quả",
}
TIMELINESS_WORDS = {
    "before_time": "Trước hạn",
    "on_time": "Đúng hạn",
    "late": "Trễ hạn",
    "in_time": "Trong hạn",
    "near_due": "Sắp đến hạn",
    "overdue": "Quá hạn",
}


def status_words(status: str) -> str:
    """A dossier status (its code) as a slip prints it."""
    return STATUS_WORDS[str(status)]


def timeliness_words(timeliness: str) -> str:
    """A timeliness class (its code) as a slip prints it."""
    return TIMELINESS_WORDS[str(timeliness)]


def _local(moment: datetime) -> datetime:
    return moment.astimezone(VN_TZ)


def day_month(day: date) -> str:
    """"ngày 05 tháng 02 năm 2025", "ngày 14 tháng 7 năm 2025" (Decree 30/2020 zero-padding)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def long_date(moment: datetime | date | None) -> str:
    """A date as a sentence writes it; a datetime counts in Vietnam time."""
    if moment is None:
        return "ngày … tháng … năm …"
    return day_month(_local(moment).date() if isinstance(moment, datetime) else moment)


def long_time(moment: datetime | None) -> str:
    """"14 giờ 30 phút, ngày 14 tháng 7 năm 2025" in Vietnam time."""
    if moment is None:
        return "… giờ … phút, ngày … tháng … năm …"
    local = _local(moment)
    return f"{local:%H} giờ {local:%M} phút, {day_month(local.date())}"


def short_time(moment: datetime | None) -> str:
    """"14/07/2025 14:30" in Vietnam time, for dense tables; empty when there is no time."""
    return f"{_local(moment):%d/%m/%Y %H:%M}" if moment is not None else ""


def short_date(moment: datetime | date) -> str:
    """"14/07/2025"; a datetime counts in Vietnam time."""
    return f"{_local(moment) if isinstance(moment, datetime) else moment:%d/%m/%Y}"


def hour_minute(moment: datetime) -> str:
    return f"{_local(moment):%H:%M}"


def blank(value: Any, dots: str = BLANK) -> Any:
    """The value, or a dotted line to write on by hand."""
    return dots if value is None or value == "" else value


def vnd(amount: int) -> str:
    """10000 → "10.000" (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".")


def qr_svg(text: str) -> Markup:
    """A QR code (error correction M, quiet zone of 4 modules) as inline SVG, sized by CSS."""
    import segno  # here: only a printed slip needs it, not every web worker

    code = segno.make(text, error="m", micro=False)
    return Markup(code.svg_inline(scale=4, border=4, omitsize=True))  # segno writes the SVG itself


@lru_cache(maxsize=4)
def _environment(directory: str) -> Environment:
    environment = Environment(loader=FileSystemLoader(directory), autoescape=True, undefined=StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(long_date=long_date, long_time=long_time, short_time=short_time,
                               short_date=short_date, hour_minute=hour_minute, blank=blank, vnd=vnd,
                               contact=contact, grouped_secret=grouped_secret, status_words=status_words,
                               timeliness_words=timeliness_words)
    environment.globals.update(qr_svg=qr_svg)
    return environment


def render_html(templates: Path, template: str, **context: Any) -> str:
    """Render `template` of the directory `templates` (autoescaped) with `context`."""
    return _environment(str(templates)).get_template(template).render(**context)


def slip_html(templates: Path, slip: Any, **context: Any) -> str:
    """A dossier's slip (`engine.services.slips.Slip`) as HTML; its template is named after its kind."""
    return render_html(templates, f"{slip.kind.value}.html", slip=slip, form=slip.form, issuer=slip.issuer,
                       number=slip.number, issued_at=slip.issued_at, **context)


def submission_slip_html(templates: Path, slip: Any, **context: Any) -> str:
    """A submission's slip (`engine.services.slips.SubmissionSlip`) as HTML: `submission_<kind>.html`, apart
    from the dossier's, since nothing was received and there is no dossier to print."""
    return render_html(templates, f"submission_{slip.kind.value}.html", slip=slip, form=slip.form,
                       issuer=slip.issuer, number=slip.number, issued_at=slip.issued_at, **context)


def register_html(templates: Path, register: Any) -> str:
    """A centre's tracking register (`engine.services.registers.Register`) as HTML."""
    return render_html(templates, "register.html", register=register, form=register.form, issuer=register.issuer,
                       number=None, issued_at=register.printed_at)


def html_to_pdf(html: str, base_url: Path) -> bytes:
    """Lay the HTML out on A4 pages as its @page rules say. WeasyPrint is imported on first use: it is
    slow to import and only printing needs it."""
    from weasyprint import HTML

    return bytes(HTML(string=html, base_url=str(base_url)).write_pdf())


def register_csv(rows: Iterable[Any]) -> bytes:
    """The register's rows as a CSV for a Vietnamese Excel (`csv_table`)."""
    return csv_table([REGISTER_COLUMNS, *([
        r.ordinal, r.code, r.procedure_name, r.copies, r.applicant.name, contact(r.applicant), r.competent_unit,
        short_time(r.received_at), short_time(r.due_at), short_time(r.sent_at), short_time(r.result_at),
        short_time(r.returned_at), "", r.note] for r in rows)])


CSV_SEPARATOR = ";"
"""vi-VN's list separator: Excel on a Windows set to Vietnamese splits a double-clicked CSV's lines on it
(its decimal separator is the comma)."""


def csv_table(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as a CSV for a Vietnamese Excel: UTF-8 with a byte order mark (without it Excel reads the ANSI code
    page and garbles the diacritics), `;`, CRLF, fractions as percentages with the decimal comma ("95,2"); text
    that Excel would take for a formula is quoted with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value * 100:.1f}".replace(".", ",")
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def contact(applicant: Any) -> str:
    """Address and phone in one cell, as the register's column has them ("ĐT:" keeps a phone's leading
    zero as text in Excel)."""
    phone = f"ĐT: {applicant.phone}" if applicant.phone else None
    return "; ".join(p for p in (applicant.address, phone) if p)
