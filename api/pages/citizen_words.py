"""The citizen's words: satisfaction levels and criteria, the stages of a dossier's timeline, and what the citizen
must do while the dossier waits for them, from the gettext catalogues in the page's language.

The public API gives the same labels in Vietnamese (api/schemas/common.py `in_vietnamese`). The engine hands
over codes only (engine/services/public.py); legal slips keep their own Vietnamese words (engine/adapters/printing.py).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import pgettext

from api.pages.i18n import day, document_form_label, event_label, moment, status_label
from engine.domain.status import DossierStatus

_STATUSES = frozenset(DossierStatus)


def level_label(level: Any) -> str:
    """A satisfaction level, as the national and provincial portals ask it."""
    labels = {
        "very_satisfied": _("Very satisfied"),
        "satisfied": _("Satisfied"),
        "dissatisfied": _("Dissatisfied"),
    }
    return labels.get(_code(level), str(level))


def criterion_label(criterion: Any) -> str:
    """A satisfaction criterion provincial portals publish."""
    labels = {
        "convenience": _("Convenience"),
        "timeliness": pgettext("rating criterion", "Timeliness"),
        "staff_attitude": _("Attitude of the officers and civil servants"),
        "processing_time": _("Processing time against the rules"),
        "organisation": _("Organisation of the one-stop section"),
        "publicity": _("Publicity of the administrative procedure"),
    }
    return labels.get(_code(criterion), str(criterion))


def stage_label(stage: Any) -> str:
    """A stage of the citizen's timeline (engine.services.public.Stage): by its kind and detail, never by the
    text of the event, which may name people."""
    by_detail = {
        ("submitted", "online"): pgettext("timeline", "Submitted online"),
        ("submitted", "post"): pgettext("timeline", "Submitted through the public postal service"),
        ("submitted", "in_person"): pgettext("timeline", "Submitted in person"),
        ("clock_paused", "financial_obligation"): pgettext(
            "timeline", "Waiting for the financial obligation to be met (the processing time is paused)"),
        ("clock_paused", "supplementation"): pgettext(
            "timeline", "Waiting for the dossier to be supplemented (the processing time is paused)"),
        ("clock_resumed", "financial_obligation"): pgettext("timeline", "Financial obligation met; handling goes on"),
        ("deadline_extended", "verification"): pgettext("timeline", "Processing time extended for verification"),
        ("deadline_extended", "apology"): pgettext("timeline", "Apology and extension of the processing time"),
        ("notice_issued", "supplement_request"): pgettext("timeline", "Request to supplement and complete the dossier"),
        ("notice_issued", "refusal"): pgettext("timeline", "Refusal to handle the dossier"),
        ("notice_issued", "stop"): pgettext("timeline", "Notice that handling of the dossier stops"),
        ("notice_issued", "withdrawal"): pgettext("timeline", "Dossier withdrawn at the applicant's request"),
        ("notice_issued", "apology"): pgettext("timeline", "Letter of apology asking to extend the processing time"),
    }
    kind, detail = stage.kind, stage.detail
    if (kind, detail) in by_detail:
        return by_detail[(kind, detail)]
    by_kind = {
        "submitted": pgettext("timeline", "Dossier submitted"),
        "guided": pgettext("timeline", "Guided to supplement and complete the dossier"),
        "resubmitted": pgettext("timeline", "Supplemented and completed dossier submitted"),
        "received": pgettext("timeline", "Dossier received"),
        "supplemented": pgettext("timeline", "Supplementary documents received; handling goes on"),
        "result_issued": pgettext("timeline", "Signed electronic result issued"),
    }
    if kind in by_kind:
        return by_kind[kind]
    if kind == "task_completed":
        return str(stage.name or "")
    if kind == "rated":
        return pgettext("timeline", "Satisfaction rating: %(level)s", level=level_label(detail))
    if kind == "handed_over":
        return pgettext("timeline", "Dossier handed over to %(unit)s", unit=stage.name or "")
    if kind == "sent_to_province":
        return pgettext("timeline", "Dossier sent to %(province)s, whose unit handles it", province=stage.name or "")
    if kind == "received_from_province":
        return pgettext("timeline", "Accepted for handling in %(province)s", province=stage.name or "")
    return status_label(detail) if detail in _STATUSES else event_label(kind)


def supplement_text(supplement: Any) -> str:
    """What the citizen must do while the dossier waits for their supplement: bring the items, by when."""
    if supplement.reply_by is None:
        return _("Please bring the documents below to the centre where you applied. Handling resumes once "
                 "they are received.")
    return _("Please bring the documents below to the centre where you applied by %(when)s. Handling resumes "
             "once they are received; if they do not arrive by then, handling of the dossier stops.",
             when=moment(supplement.reply_by))


def item_text(item: Any) -> str:
    """One item to bring: its name, the form it comes in and how many copies."""
    return _("%(name)s (%(form)s, copies: %(copies)s)", name=item.name, form=document_form_label(item.form),
             copies=item.copies)


def payment_text(notice: Any) -> str:
    """What the citizen must do while the dossier waits for their financial obligation: pay how much, by when."""
    if notice is None:
        return _("The tax authority will notify you of the amount to pay; handling resumes once it is paid.")
    total = vnd(notice.total_vnd)
    if notice.deadline is None:
        return _("Please pay %(total)s as the notice below says; handling resumes once it is paid.", total=total)
    return _("Please pay %(total)s by %(when)s, as the notice below says; handling resumes once it is paid.",
             total=total, when=day(notice.deadline))


def vnd(amount: int) -> str:
    """An amount as the tax notice writes it, whatever the page's language: 71.250.000 ₫."""
    return f"{amount:,} ₫".replace(",", ".")


def waiting_appointment_text() -> str:
    """Why the appointment shown may still move while the dossier waits for the citizen."""
    return _("The time you take does not count: the appointment moves later by that time once handling resumes.")


def _code(value: Any) -> str:
    return str(getattr(value, "value", value))
