"""The figures' words that are not written where they are shown: the periodic report's columns and heading
(shown in the page's language on /stats/report, and always in Vietnamese in its CSV and XLSX downloads, which
are official tables), the figures behind a count, and the groups they are counted by."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale, lazy_gettext, lazy_pgettext, pgettext
from flask_babel import gettext as _

from api.pages.i18n import day, moment
from engine.domain.calendar import VN_TZ

# A report word's key (api/exports.py's REPORT_COLUMNS) -> its catalogue word.
REPORT_WORDS = {
    "stats.report.in_person": lazy_gettext("In person"),
    "stats.report.online": lazy_gettext("Online"),
    "stats.report.by_post": lazy_pgettext("report", "By post"),
    "stats.report.unit": lazy_gettext("Unit"),
    "stats.report.carried_over": lazy_gettext("Carried over"),
    "stats.report.received": lazy_gettext("Newly received"),
    "stats.report.resolved": lazy_gettext("Resolved"),
    "stats.report.on_time": lazy_gettext("On time"),
    "stats.report.withdrawn": lazy_gettext("Withdrawn"),
    "stats.report.stopped": lazy_gettext("Returned / stopped"),
    "stats.report.balance": lazy_gettext("Pending at the end"),
    "stats.report.by_centre": lazy_gettext("By receiving centre"),
    "stats.report.before_time": lazy_gettext("Before time"),
    "stats.report.late": lazy_gettext("Late"),
    "stats.report.in_process": lazy_gettext("In process"),
    "stats.report.in_time": lazy_gettext("In time"),
    "stats.report.sum": lazy_pgettext("report", "Total"),
    "stats.report.by_competent": lazy_gettext("By competent unit"),
    "stats.report.period": lazy_gettext("Reporting period"),
    "stats.report.as_of": lazy_gettext("As it stood at"),
    "stats.report.number": lazy_gettext("No."),
    "stats.report.total": lazy_gettext("To handle"),
    "stats.report.outside_area": lazy_gettext("Of which outside the home area"),
    "stats.report.on_time_rate": lazy_gettext("On-time rate (%)"),
    "stats.procedure": lazy_gettext("Procedure"),
    "stats.total": lazy_gettext("Total"),
}


def report_word(key: str) -> str:
    """A word of the periodic report in the page's language."""
    return str(REPORT_WORDS[key])


def vi(key: str) -> str:
    """A word of the periodic report in Vietnamese, whatever the page's language: the downloads."""
    with force_locale("vi"):
        return str(REPORT_WORDS[key])



def report_title() -> str:
    """The periodic report's title on the page (its downloads keep the official Vietnamese one)."""
    return _("Report on the handling of administrative procedures").upper()


def period_label(kind: str, number: int, year: int) -> str:
    """"Tháng 11/2025", "Quý IV/2025", "Năm 2025" in the page's language."""
    if kind == "month":
        return _("Month %(number)s/%(year)s", number=number, year=year)
    if kind == "quarter":
        return _("Quarter %(number)s/%(year)s", number=("I", "II", "III", "IV")[number - 1], year=year)
    return _("Year %(year)s", year=year)


def period_words(start: datetime, end: datetime) -> str:
    """"từ 01/12/2026 đến 31/12/2026" for whole days (the last one included), else down to the minute."""
    first, following = start.astimezone(VN_TZ), end.astimezone(VN_TZ)
    if first.time() == following.time() == datetime.min.time():
        last = (following - timedelta(days=1)).date()
        return _("from %(first)s to %(last)s", first=day(first.date()), last=day(last))
    return _("from %(first)s to before %(following)s", first=moment(start), following=moment(end))


def figure_label(value: Any) -> str:
    """The name of a figure whose dossiers /stats/dossiers lists."""
    labels = {
        "total": pgettext("figure", "Dossiers to handle"),
        "received": pgettext("figure", "Newly received"),
        "resolved": pgettext("figure", "Resolved"),
        "in_process_on_time": pgettext("figure", "In process, in time"),
        "in_process_overdue": pgettext("figure", "In process, overdue"),
        "suspended": pgettext("figure", "Waiting for the applicant"),
        "withdrawn": pgettext("figure", "Withdrawn"),
        "stopped": pgettext("figure", "Returned / stopped"),
        "carried_over": _("Carried over from before"),
        "received_online": _("Received online"),
        "received_in_person": _("Received in person"),
        "received_by_post": _("Received by public post"),
        "outside_area": _("Received outside the home commune"),
        "resolved_before_time": _("Resolved before time"),
        "resolved_on_time": _("Resolved on time"),
        "resolved_late": _("Resolved late"),
        "timely": _("Timely (finished or still in time)"),
        "digitised": _("Fully digitised"),
        "partly_digitised": _("Partly digitised"),
        "returned": _("Result handed over"),
        "electronic_results": _("With an electronic result"),
        "very_satisfied": _("Rated very satisfied"),
        "satisfied": _("Rated satisfied"),
        "dissatisfied": _("Rated dissatisfied"),
    }
    return labels.get(str(value), str(value))


def group_label(value: Any) -> str:
    """What the dossiers behind a figure are grouped by (a centre, a competent unit…)."""
    labels = {
        "centre": _("centre"),
        "competent_unit": _("competent unit"),
        "procedure": _("procedure"),
        "day": _("day of receipt"),
    }
    return labels.get(str(value), str(value))
