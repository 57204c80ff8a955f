"""The words of the admins' procedure pages (a new procedure, the forms editor, the diff), in the page's
language: the choices of a new procedure and the names of what a diff shows. No service calls here.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from flask_babel import pgettext

from api.pages.i18n import lang
from engine.domain.manifest import AGENCY_KINDS, FIELDS
from engine.domain.procedure_catalogue import FIELD_NAMES_EN

# Our fields in Vietnamese, as the national database names the nearest of its own (engine.domain.manifest).
FIELD_NAMES_VI = {
    "civil_status": "Hộ tịch", "certification": "Chứng thực", "inter_connected": "Liên thông",
    "land": "Đất đai", "adoption": "Nuôi con nuôi", "nationality": "Quốc tịch", "social_protection": "Bảo trợ xã hội",
    "meritorious": "Người có công", "children": "Trẻ em", "labour": "Lao động", "business": "Đăng ký kinh doanh",
    "cooperative": "Kinh tế hợp tác", "culture": "Văn hóa", "sport": "Thể dục thể thao", "tourism": "Du lịch",
    "family": "Gia đình", "education": "Giáo dục", "health": "Y tế", "agriculture": "Nông nghiệp",
    "forestry": "Lâm nghiệp", "fisheries": "Thủy sản", "irrigation": "Thủy lợi", "environment": "Môi trường",
    "construction": "Xây dựng", "transport": "Giao thông vận tải", "industry_trade": "Công Thương",
    "home_affairs": "Nội vụ", "religion": "Tín ngưỡng, tôn giáo", "emulation": "Thi đua, khen thưởng",
    "justice": "Tư pháp", "grassroots": "Chính quyền cơ sở", "other": "Khác"}
AGENCY_NAMES_VI = {"police": "Công an xã", "social_insurance": "Bảo hiểm xã hội", "tax": "Cơ quan thuế",
                   "land_office": "Văn phòng đăng ký đất đai",
                   "land_branch": "Chi nhánh Văn phòng đăng ký đất đai", "justice": "Sở Tư pháp"}
AGENCY_NAMES_EN = {"police": "Commune police", "social_insurance": "Social insurance", "tax": "Tax office",
                   "land_office": "Land registration office", "land_branch": "Land registration branch",
                   "justice": "Department of Justice"}


def new_procedure_choices() -> dict[str, list[tuple[str, str]]]:
    """The options of each select of the new procedure's page: (value, label)."""
    english = lang() == "en"
    agencies = [(kind, (AGENCY_NAMES_EN if english else AGENCY_NAMES_VI)[kind]) for kind in AGENCY_KINDS]
    return {
        "field": [(f, (FIELD_NAMES_EN if english else FIELD_NAMES_VI)[f]) for f in FIELDS],
        "level": [("commune", _("Commune")), ("commune_to_province", _("Received at a commune, decided by a "
                                                                      "provincial agency")),
                  ("province", _("Province"))],
        "competent_unit": [("applicant_residence", _("The commune where the applicant lives")),
                           ("receiving_unit", _("The commune whose centre received it")),
                           ("agency", _("A provincial agency"))],
        "agency": agencies,
        "path": [("standard", _("Standard: reception, specialist, leader, return"))] + [
            (f"consult:{kind}", _("Consult %(agency)s between the specialist and the leader", agency=name))
            for kind, name in agencies],
        "form": [(f, f) for f in ("original", "certified_copy", "photocopy", "electronic")],
        "per": [("case", _("per case")), ("copy", _("per copy")), ("page", _("per page"))],
    }


def element_type_label(kind: str) -> str:
    """A BPMN element's type, as an admin calls it."""
    labels = {
        "userTask": _("Step"), "scriptTask": _("Script"), "businessRuleTask": _("Decision table"),
        "serviceTask": _("Service task"), "sequenceFlow": _("Flow"), "lane": _("Lane"),
        "exclusiveGateway": _("Exclusive gateway"), "parallelGateway": _("Parallel gateway"),
        "inclusiveGateway": _("Inclusive gateway"), "eventBasedGateway": _("Event gateway"),
        "startEvent": _("Start"), "endEvent": _("End"), "boundaryEvent": _("Boundary event"),
        "intermediateCatchEvent": _("Waiting event"), "subProcess": _("Subprocess"), "callActivity": _("Call"),
        "process": _("Process"), "participant": _("Pool"), "collaboration": _("Collaboration"),
    }
    return labels.get(kind, kind)


def fact_label(name: str) -> str:
    """What an element's fact is (its name, lane, a one-stop property…)."""
    labels = {
        "name": _("Name"), "type": _("Type"), "lane": _("Lane"), "documentation": _("Description"),
        "condition": _("Condition"), "script": _("Script"), "incoming": _("Flows in"), "outgoing": _("Flows out"),
        "sourceRef": pgettext("flow", "From"), "targetRef": pgettext("flow", "To"), "properties/form": _("Form"),
        "properties/allotted_hours": _("Allotted hours"), "properties/milestone": _("Milestone"),
        "properties/pause": _("Pause the clock while waiting"), "properties/send_back_to": _("May send back to"),
        "event": _("Event"), "loop": _("Repetition"),
    }
    return labels.get(name, name)


def kind_label(kind: str) -> str:
    """Added, removed or changed."""
    return {"added": _("added"), "removed": _("removed"), "changed": _("changed")}.get(kind, kind)


def shown(value: Any) -> str:
    """A value of a diff as text (JSON for lists and objects, a dash for nothing)."""
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
