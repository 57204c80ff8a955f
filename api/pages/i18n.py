"""The pages' language: Flask-Babel's locale from the `lang` cookie (Vietnamese unless it says English), and the
labels of the codes the pages show (statuses, channels, document forms…) as catalogue words.

Every word is written in English in the sources (`_("…")`, `pgettext("context", "…")`) and translated by the
gettext catalogues in api/translations (see CONTRIBUTING.md, "Words on a page"). Form labels come from the JSON
Schemas themselves (`title` / `x-title-en`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from flask import Flask, request
from flask_babel import Babel, format_date, format_datetime, format_decimal, format_percent, pgettext
from flask_babel import gettext as _

LANGUAGES = ("vi", "en")
TIMEZONE = "Asia/Ho_Chi_Minh"


def lang() -> str:
    """The page's language: the `lang` cookie the language switch sets, Vietnamese by default."""
    try:
        chosen = request.cookies.get("lang", "vi")
    except RuntimeError:  # outside a request (a command, a test building a table): Vietnamese
        return "vi"
    return chosen if chosen in LANGUAGES else "vi"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "vi")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE)
    Babel(app, locale_selector=lang, timezone_selector=lambda: TIMEZONE)


def number(value: Any, digits: int | None = None) -> str:
    """A number with the page's separators: 1.234.567,5 in Vietnamese, 1,234,567.5 in English; with `digits`,
    exactly that many decimals."""
    if value is None:
        return ""
    if digits is None:
        return str(format_decimal(value))
    return str(format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0"))


def percent(rate: float | None) -> str:
    """A rate as a percentage with one decimal: 12,3% in Vietnamese, 12.3% in English; a dash for none."""
    return "—" if rate is None else str(format_percent(rate, "#,##0.0%"))


def moment(value: datetime | None, with_date: bool = True) -> str:
    """A moment in Asia/Ho_Chi_Minh: 14/07/2025 06:45 in Vietnamese, 14 Jul 2025, 06:45 in English; the time
    alone without the date."""
    if value is None:
        return ""
    if not with_date:
        return str(format_datetime(value, "HH:mm"))
    return str(format_datetime(value, "dd/MM/yyyy HH:mm" if lang() == "vi" else "d MMM yyyy, HH:mm"))


def day(value: date | str | None) -> str:
    """A day: 14/07/2025 in Vietnamese, 14 Jul 2025 in English; a form's `YYYY-MM-DD` too, anything else (what
    was typed) as it is."""
    if value is None:
        return ""
    if isinstance(value, str):
        typed = value
        try:
            value = date.fromisoformat(typed)
        except ValueError:
            return typed
    return str(format_date(value, "dd/MM/yyyy" if lang() == "vi" else "d MMM yyyy"))


def money(value: Any) -> str:
    """An amount of đồng: "1.000.000 đ" in Vietnamese, "1,000,000 VND" in English."""
    if value is None:
        return ""
    return f"{format_decimal(value)} {'VND' if lang() == 'en' else 'đ'}"


def modeler_words() -> dict[str, str]:
    """The words bpmn-js shows in the diagram editor (its palette and the buttons beside an element), by their
    English text in bpmn-js; api/static/src/modeler.js gives them to bpmn-js as its `translate`."""
    return {
        "Activate create/remove space tool": pgettext("diagram editor", "Activate create/remove space tool"),
        "Activate global connect tool": pgettext("diagram editor", "Activate global connect tool"),
        "Activate hand tool": pgettext("diagram editor", "Activate hand tool"),
        "Activate lasso tool": pgettext("diagram editor", "Activate lasso tool"),
        "Add lane above": pgettext("diagram editor", "Add lane above"),
        "Add lane below": pgettext("diagram editor", "Add lane below"),
        "Add text annotation": pgettext("diagram editor", "Add text annotation"),
        "Append compensation activity": pgettext("diagram editor", "Append compensation activity"),
        "Append conditional intermediate catch event":
            pgettext("diagram editor", "Append conditional intermediate catch event"),
        "Append end event": pgettext("diagram editor", "Append end event"),
        "Append gateway": pgettext("diagram editor", "Append gateway"),
        "Append intermediate/boundary event": pgettext("diagram editor", "Append intermediate/boundary event"),
        "Append message intermediate catch event":
            pgettext("diagram editor", "Append message intermediate catch event"),
        "Append receive task": pgettext("diagram editor", "Append receive task"),
        "Append signal intermediate catch event": pgettext("diagram editor", "Append signal intermediate catch event"),
        "Append task": pgettext("diagram editor", "Append task"),
        "Append timer intermediate catch event": pgettext("diagram editor", "Append timer intermediate catch event"),
        "Change element": pgettext("diagram editor", "Change element"),
        "Connect to other element": pgettext("diagram editor", "Connect to other element"),
        "Connect using association": pgettext("diagram editor", "Connect using association"),
        "Connect using data input association": pgettext("diagram editor", "Connect using data input association"),
        "Create data object reference": pgettext("diagram editor", "Create data object reference"),
        "Create data store reference": pgettext("diagram editor", "Create data store reference"),
        "Create end event": pgettext("diagram editor", "Create end event"),
        "Create expanded sub-process": pgettext("diagram editor", "Create expanded sub-process"),
        "Create gateway": pgettext("diagram editor", "Create gateway"),
        "Create group": pgettext("diagram editor", "Create group"),
        "Create intermediate/boundary event": pgettext("diagram editor", "Create intermediate/boundary event"),
        "Create pool/participant": pgettext("diagram editor", "Create pool/participant"),
        "Create start event": pgettext("diagram editor", "Create start event"),
        "Create task": pgettext("diagram editor", "Create task"),
        "Delete": pgettext("diagram editor", "Delete"),
        "Divide into three lanes": pgettext("diagram editor", "Divide into three lanes"),
        "Divide into two lanes": pgettext("diagram editor", "Divide into two lanes"),
        "Search in diagram": pgettext("diagram editor", "Search in diagram"),
    }


def _code(value: Any) -> str:
    return str(value.value if isinstance(value, Enum) else value)


def localized(item: Any, vi_key: str = "vi", en_key: str = "en") -> str:
    """A `{"vi": …, "en": …}` label from a manifest, in the page's language."""
    if isinstance(item, dict):
        return str(item.get(en_key) if lang() == "en" and item.get(en_key) else item.get(vi_key, ""))
    return str(item)


def rule_message(rule: str, fallback: str) -> str:
    """A form rule's failure, keyed by the JSON Schema keyword (engine.domain.forms gives the rule)."""
    rules = {
        "required": _("Required."),
        "pattern": _("Not in the expected format."),
        "format": _("Not in the expected format."),
        "enum": _("Choose one of the options."),
        "type": _("Wrong kind of value."),
        "minLength": _("Too short."),
        "maxLength": _("Too long."),
        "minimum": _("Below the minimum."),
        "maximum": _("Above the maximum."),
    }
    return rules.get(rule, fallback)


def timeliness_label(value: Any) -> str:
    """How a dossier stands against its appointment; a dash when it has no deadline yet."""
    if value is None:
        return _("—")
    labels = {
        "before_time": _("Before time"),
        "on_time": _("On time"),
        "late": pgettext("timeliness", "Late"),
        "in_time": _("In time"),
        "near_due": _("Near due"),
        "overdue": _("Overdue"),
    }
    return labels.get(_code(value), str(value))


def queue_label(value: Any) -> str:
    """The intake queue's two tabs."""
    labels = {"waiting": _("Waiting for the check"), "guided": _("Guided to complete")}
    return labels.get(_code(value), str(value))


def submission_text(stage: Any, centre: str, code: str) -> str:
    """What a submission's stage means for the citizen who sent it online."""
    texts = {
        "waiting": _("Sent to %(centre)s; waiting for an officer to check it and receive it.", centre=centre),
        "guided": _("Not received yet: it must be completed. Please prepare the documents below and send the "
                    "application again through the portal."),
        "refused": _("Not received. The reasons are on the refusal slip sent to you."),
        "accepted": _("Received as dossier %(code)s. Follow it with the dossier code and the secret on the receipt.",
                      code=code),
    }
    return texts.get(_code(stage), "")


def error_title(status: int) -> str:
    """An error page's heading."""
    titles = {403: _("You may not see this page"), 404: _("Page not found")}
    return titles.get(status, _("Could not do that"))


def waited_units() -> tuple[str, str, str]:
    """Days, hours, minutes, short: an elapsed time such as "2 giờ 15 phút"."""
    return _("d"), _("h"), _("min")


def channel_label(value: Any) -> str:
    """How a submission came in."""
    labels = {
        "in_person": _("In person"),
        "online": _("Online"),
        "post": _("By post"),
    }
    return labels.get(_code(value), str(value))


def return_method_label(value: Any) -> str:
    """How the result goes back to the applicant."""
    labels = {
        "online": _("Online"),
        "post": pgettext("return method", "By post"),
        "counter": _("At the counter"),
    }
    return labels.get(_code(value), str(value))


def document_form_label(value: Any) -> str:
    """The form a document is brought in (original, certified copy…)."""
    labels = {
        "original": _("original"),
        "certified_copy": _("certified copy"),
        "photocopy": _("photocopy"),
        "electronic": _("electronic"),
    }
    return labels.get(_code(value), str(value))


def file_source_label(value: Any) -> str:
    """Where a dossier's file came from."""
    labels = {
        "counter": pgettext("file source", "Counter"),
        "online": _("Online"),
        "step": _("Handling step"),
        "reused": _("Re-used"),
        "result": _("Result"),
        "exchange": _("From another province"),
    }
    return labels.get(_code(value), str(value))


def action_label(value: Any) -> str:
    """An action on a dossier's page."""
    labels = {
        "request_supplement": _("Request supplementation"),
        "supplement": _("Supplement received"),
        "refuse": _("Refuse"),
        "withdraw": _("Withdraw"),
        "stop": _("Stop handling"),
        "extend": _("Apologise and set a new date"),
        "return": _("Return the result"),
    }
    return labels.get(_code(value), str(value))


def role_label(value: Any) -> str:
    """An officer's role."""
    labels = {
        "reception": pgettext("role", "Reception"),
        "specialist": _("Specialist"),
        "leader": _("Leader"),
        "supervisor": _("Supervisor"),
        "admin": _("Admin"),
    }
    return labels.get(_code(value), str(value))


def slip_label(value: Any) -> str:
    """A printed slip's title."""
    labels = {
        "guidance": _("Guidance to complete the dossier"),
        "receipt": _("Receipt and appointment"),
        "control_sheet": _("Processing control sheet"),
        "supplement_request": _("Supplementation request"),
        "refusal": _("Refusal slip"),
        "apology": _("Apology and extension"),
        "stop_notice": _("Stop notice"),
        "register": _("Tracking register"),
    }
    return labels.get(_code(value), str(value))


def submission_stage_label(value: Any) -> str:
    """Where a submission stands in the intake."""
    labels = {
        "accepted": pgettext("submission stage", "Accepted"),
        "waiting": _("Waiting"),
        "guided": _("Guided"),
        "refused": _("Refused"),
    }
    return labels.get(_code(value), str(value))


def status_label(value: Any) -> str:
    """A dossier's status."""
    labels = {
        "refused": pgettext("dossier status", "Refused"),
        "received": pgettext("dossier status", "Received"),
        "withdrawn": pgettext("dossier status", "Withdrawn"),
        "submitted": pgettext("dossier status", "Submitted"),
        "processing": _("Processing"),
        "supplement_requested": _("Supplementation requested"),
        "awaiting_payment": _("Awaiting payment"),
        "stopped": _("Stopped"),
        "result_ready": _("Result ready"),
        "returned": _("Returned"),
    }
    return labels.get(_code(value), str(value))


def event_label(value: Any) -> str:
    """An entry of a dossier's history."""
    labels = {
        "received": pgettext("history", "Received"),
        "overdue": _("Overdue"),
        "submitted": _("Submitted"),
        "task_completed": _("Step completed"),
        "handed_over": _("Handed over to"),
        "status_changed": _("Status changed"),
        "clock_paused": _("Clock stopped"),
        "clock_resumed": _("Clock restarted"),
        "deadline_extended": _("Appointment moved"),
        "notice_issued": _("Notice issued"),
        "supplemented": _("Supplemented"),
        "near_due": _("Near due"),
        "timer_fired": _("Timer fired"),
        "rated": _("Rated by the citizen"),
        "file_attached": _("File attached"),
        "result_issued": _("Signed electronic result issued"),
        "task_claimed": _("Step claimed"),
        "task_released": _("Step released"),
        "task_assigned": _("Step assigned"),
        "task_sent_back": _("Sent back to the step"),
        "migrated": _("Moved to a new version of the procedure"),
        "sent_to_province": _("Sent to the other province"),
        "received_from_province": _("Received from the other province"),
    }
    return labels.get(_code(value), str(value))


def citizen_status(value: Any) -> str:
    """What each status means for the citizen, in plain words (the status page, on a phone)."""
    labels = {
        "submitted": _("Sent; waiting for an officer to receive it."),
        "received": _("Received; about to be handled."),
        "refused": _("Refused. The reasons are on the refusal slip you were given."),
        "processing": _("Being handled. There is nothing you need to do yet."),
        "supplement_requested": _("Documents are missing. Please bring them to the centre where you applied."),
        "awaiting_payment": _("Please pay the notified taxes or fees before handling continues."),
        "withdrawn": _("Withdrawn at your request."),
        "stopped": _("Handling stopped. The reasons are in the notice sent to you."),
        "result_ready": _("The result is ready. Please collect it as your receipt says."),
        "returned": _("The result has been handed over. Thank you."),
    }
    return labels.get(_code(value), "")
