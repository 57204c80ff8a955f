"""The procedure manifest (processes/<name>/procedure.json), described as a JSON Schema so a broken
manifest is refused at publication (engine.services.procedures.manifest_problems, every problem with its
path), never at a counter.

processes/README.md explains each key for people writing procedures.
"""

from __future__ import annotations

from typing import Any

# Agencies a lane or a competence rule can name; engine.domain.unit creates one per province (police
# one per commune, land registration branches one per area).
AGENCY_KINDS = ("police", "social_insurance", "tax", "land_office", "land_branch", "justice")
# Where a lane's tasks go: a unit of the dossier, or an agency of the province (`agency:<kind>`).
DOSSIER_UNITS = ("receiving_centre", "competent_unit", "return_centre")
UNIT_RULES = DOSSIER_UNITS + tuple(f"agency:{kind}" for kind in AGENCY_KINDS)
# How the competent unit is found.
COMPETENCE_RULES = ("applicant_residence", "receiving_unit", "agency", "decision")
DOCUMENT_FORMS = ("original", "certified_copy", "photocopy", "electronic")
# Properties a user task may carry (spiffworkflow:properties), with what their values must be.
TASK_PROPERTIES = ("form", "allotted_hours", "milestone", "pause", "send_back_to")
PAUSE_REASONS = ("financial_obligation",)
# Our fields of procedures (the national database's fields, named in English; its own names and codes are
# the manifest's field_name and field_code).
FIELDS = ("civil_status", "certification", "inter_connected", "land", "adoption", "nationality",
          "social_protection", "meritorious", "children", "labour", "business", "cooperative", "culture", "sport",
          "tourism", "family", "education", "health", "agriculture", "forestry", "fisheries", "irrigation",
          "environment", "construction", "transport", "industry_trade", "home_affairs", "religion", "emulation",
          "justice", "grassroots", "other")

_TEXT = {"type": "object", "required": ["vi", "en"], "additionalProperties": False,
         "properties": {"vi": {"type": "string", "minLength": 1}, "en": {"type": "string", "minLength": 1}}}
_POINTER = {"type": "string", "pattern": "^(/[A-Za-z0-9_]+)+$"}

MANIFEST_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["code", "name", "field", "level", "time_limit", "documents", "fees", "process",
                 "application_form", "competent_unit", "cross_boundary", "lanes"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "string", "pattern": r"^[0-9]\.[0-9]{6}$"},
        "name": _TEXT,
        "field": {"enum": list(FIELDS)},
        # The national field (MaLinhVuc / TenLinhVuc of the DVCQG record) beside our own `field`: null while the
        # code is not confirmed from the national procedure database (processes/README.md lists which). Not
        # required, so versions published before these keys stay valid; every shipped manifest carries both.
        "field_code": {"type": ["string", "null"], "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"},
        "field_name": _TEXT,
        "level": {"enum": ["commune", "province", "commune_to_province"]},
        "time_limit": {
            "type": "object", "required": ["working_days", "description"], "additionalProperties": False,
            "properties": {
                "working_days": {"type": "integer", "minimum": 0, "maximum": 90},
                "verification_extra_days": {"type": "integer", "minimum": 1, "maximum": 30},
                # A shorter or longer limit for some requests of the same procedure, chosen by a field of
                # the application (a supplement of civil-status information is same-day: Art. 29).
                "cases": {"type": "array", "maxItems": 10, "items": {
                    "type": "object", "required": ["when", "equals", "working_days"], "additionalProperties": False,
                    "properties": {"when": _POINTER, "equals": {"type": "string", "maxLength": 100},
                                   "working_days": {"type": "integer", "minimum": 0, "maximum": 90}}}},
                "description": _TEXT,
            },
        },
        "documents": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["name", "form", "copies", "required"], "additionalProperties": False,
            "properties": {"name": _TEXT, "form": {"enum": list(DOCUMENT_FORMS)},
                           "copies": {"type": "integer", "minimum": 1}, "required": {"type": "boolean"},
                           "note": _TEXT}}},
        "fees": {"type": "array", "items": {
            "type": "object", "required": ["name", "amount_vnd", "per"], "additionalProperties": False,
            "properties": {
                "name": _TEXT, "amount_vnd": {"type": "integer", "minimum": 0},
                "per": {"enum": ["case", "copy", "page"]},
                "from_page": {"type": "integer", "minimum": 2},
                "amount_from_page_vnd": {"type": "integer", "minimum": 0},
                "max_vnd_per_copy": {"type": "integer", "minimum": 0},
                "pages": _POINTER, "copies": _POINTER, "note": _TEXT}}},
        "process": {"type": "object", "required": ["bpmn", "process_id"], "additionalProperties": False,
                    "properties": {"bpmn": {"type": "string", "pattern": r"^[a-z0-9_]+\.bpmn$"},
                                   "dmn": {"type": "array", "items": {
                                       "type": "string", "pattern": r"^[a-z0-9_]+\.dmn$"}},
                                   "process_id": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}}},
        "application_form": {"type": "string", "pattern": "^[a-z0-9_]+/[a-z0-9_]+$"},
        "applicant_name": _POINTER,
        "competent_unit": {
            "type": "object", "required": ["rule"], "additionalProperties": False,
            "properties": {"rule": {"enum": list(COMPETENCE_RULES)}, "pointer": _POINTER,
                           "agency": {"enum": list(AGENCY_KINDS)},
                           "variable": {"type": "string", "pattern": "^[a-z_]+$"}},
            "allOf": [
                {"if": {"properties": {"rule": {"const": "applicant_residence"}}}, "then": {"required": ["pointer"]}},
                {"if": {"properties": {"rule": {"const": "agency"}}}, "then": {"required": ["agency"]}},
                {"if": {"properties": {"rule": {"const": "decision"}}},
                 "then": {"required": ["variable", "pointer"]}},
            ],
        },
        "cross_boundary": {"type": "boolean"},
        # Whether a dossier received in one province may be handled in another's deployment (docs/exchange.md).
        "cross_province": {"type": "boolean"},
        "supplement_days": {"type": "integer", "minimum": 1, "maximum": 30},
        # The step whose form records the financial-obligation notice, and which of its fields the citizen
        # sees (engine/domain/step_outputs.py): never a field that could hold personal data.
        "financial_notice": {
            "type": "object", "required": ["step", "amounts"], "additionalProperties": False,
            "properties": {"step": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                           "number": {"type": "string", "pattern": "^[a-z_]+$"},
                           "amounts": {"type": "array", "maxItems": 10, "items": {"type": "string",
                                                                                  "pattern": "^[a-z_]+_vnd$"}},
                           "deadline": {"type": "string", "pattern": "^[a-z_]+$"}}},
        "lanes": {"type": "object", "minProperties": 1, "additionalProperties": {
            "type": "object", "required": ["role", "unit"], "additionalProperties": False,
            "properties": {"role": {"enum": ["reception", "specialist", "leader"]},
                           "unit": {"enum": list(UNIT_RULES)}}}},
        "notes": {"type": "string"},
    },
}
