"""The forms and the straight scenario of the standard procedure template (engine.domain.procedure_template):
the application (applicant, residence commune when the competent unit is found from it, the request) and one
small form per step, in Vietnamese with English titles. Pure Python: JSON Schemas as dicts.
"""

from __future__ import annotations

from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# The agencies' names as the lanes' documentation and the consult step call them.
AGENCY_NAMES = {"police": "Công an xã", "social_insurance": "Bảo hiểm xã hội", "tax": "Cơ quan thuế",
                "land_office": "Văn phòng đăng ký đất đai",
                "land_branch": "Chi nhánh Văn phòng đăng ký đất đai", "justice": "Sở Tư pháp"}
# A made-up applicant (no real person): well-formed ID (province 046 Huế, female born 1988) and phone.
_APPLICANT = {"full_name": "Trần Thị Thu Hà", "id_number": "046188004512", "phone": "0935172846"}
_RESIDENCE = {"unit_id": "19777", "address": "Số 27 Nguyễn Sinh Cung, tổ 3"}


def _text(title: str, title_en: str, *, max_length: int = 500, **more: Any) -> dict[str, Any]:
    return {"type": "string", "title": title, "x-title-en": title_en, "minLength": 1, "maxLength": max_length,
            **more}


def _date(title: str, title_en: str) -> dict[str, Any]:
    return {"type": "string", "title": title, "x-title-en": title_en, "format": "date"}


def _object(title: str, title_en: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "title": title, "x-title-en": title_en, "properties": properties,
            "additionalProperties": False, "required": required}


def _form(form_id: str, title: str, description: str, properties: dict[str, Any],
          required: list[str]) -> dict[str, Any]:
    return {"$schema": DIALECT, "$id": form_id, "title": title, "description": description, "type": "object",
            "properties": properties, "additionalProperties": False, "required": required}


_NOTE = {"type": "string", "title": "Ghi chú", "x-title-en": "Note", "maxLength": 500,
         "description": "Ghi chú của cán bộ xử lý (không bắt buộc)."}


def needs_residence(manifest: dict[str, Any]) -> bool:
    """Whether the application asks for the applicant's commune: the competent unit is found from it."""
    rule = manifest["competent_unit"]
    return rule.get("rule") == "applicant_residence" or (rule.get("rule") == "agency" and "pointer" in rule)


def application_form(manifest: dict[str, Any], key: str) -> dict[str, Any]:
    """`<key>/application`: the applicant, the residence commune when needed, and the request."""
    applicant = _object("Người nộp hồ sơ", "Applicant", {
        "full_name": _text("Họ, chữ đệm và tên", "Full name", max_length=100),
        "id_number": {"type": "string", "title": "Số định danh cá nhân (CCCD)", "x-title-en": "Personal ID number",
                      "pattern": "^[0-9]{12}$", "description": "Số định danh cá nhân 12 chữ số (số căn cước "
                                                                "công dân)."},
        "phone": {"type": "string", "title": "Số điện thoại", "x-title-en": "Phone number",
                  "pattern": "^0[0-9]{9}$", "description": "Số điện thoại di động 10 chữ số, bắt đầu bằng 0."},
    }, ["full_name", "id_number", "phone"])
    properties: dict[str, Any] = {"applicant": applicant}
    if needs_residence(manifest):
        properties["residence"] = _object("Nơi cư trú", "Residence", {
            "unit_id": {"type": "string", "title": "Xã, phường, đặc khu", "x-title-en": "Commune or ward",
                        "pattern": "^[0-9]{5}$", "x-unit": "commune",
                        "description": "Xã/phường/đặc khu nơi người nộp hồ sơ cư trú; quyết định nơi giải quyết."},
            "address": _text("Địa chỉ cư trú", "Address", max_length=200),
        }, ["unit_id", "address"])
    properties["request"] = _object("Nội dung đề nghị", "Request", {
        "summary": _text("Tóm tắt nội dung đề nghị", "Summary of the request", max_length=2000),
    }, ["summary"])
    return _form(f"{key}/application", "Đơn đề nghị giải quyết thủ tục hành chính",
                 f"Thông tin người nộp hồ sơ và nội dung đề nghị — thủ tục {manifest['name']['vi']} "
                 f"(mã {manifest['code']}).", properties, list(properties))


def _step_form(key: str, step: str, consulted: str | None) -> dict[str, Any]:
    agency = AGENCY_NAMES.get(consulted or "", "")
    forms: dict[str, tuple[str, str, dict[str, Any], list[str]]] = {
        "receive": ("Tiếp nhận hồ sơ", "Bộ phận Tiếp nhận kiểm tra thành phần hồ sơ, cấp phiếu hẹn và chuyển hồ sơ.",
                    {"documents_checked": {"type": "boolean", "title": "Đã kiểm tra đủ thành phần hồ sơ",
                                           "x-title-en": "Documents checked"}}, ["documents_checked"]),
        "review": ("Thẩm định hồ sơ", "Công chức chuyên môn thẩm định hồ sơ và đề xuất giải quyết.",
                   {"opinion": _text("Ý kiến thẩm định, đề xuất", "Opinion and proposal", max_length=2000),
                    "needs_verification": {"type": "boolean", "title": "Cần xác minh", "x-title-en": "Needs "
                                           "verification", "description": "Chọn khi phải xác minh; thời hạn "
                                           "giải quyết được cộng thêm theo quy định (nếu có)."}},
                   ["opinion", "needs_verification"]),
        "consult": ("Ý kiến phối hợp", f"{agency} trả lời đề nghị phối hợp của cơ quan giải quyết.",
                    {"answer": _text("Nội dung trả lời", "The agency's answer", max_length=2000),
                     "reply_number": _text("Số văn bản trả lời", "Reply number", max_length=50)}, ["answer"]),
        "sign": ("Phê duyệt, ký kết quả", "Lãnh đạo phê duyệt và ký kết quả giải quyết.",
                 {"decision_number": _text("Số văn bản kết quả", "Decision number", max_length=50,
                                           description="Ví dụ: 125/QĐ-UBND."),
                  "signed_on": _date("Ngày ký", "Signed on")}, ["decision_number", "signed_on"]),
        "hand_over": ("Trả kết quả", "Bộ phận Trả kết quả trao kết quả cho người nộp hồ sơ.",
                      {"handed_over_on": _date("Ngày trả kết quả", "Handed over on")}, ["handed_over_on"]),
    }
    title, description, properties, required = forms[step]
    return _form(f"{key}/{step}", title, description, {**properties, "note": _NOTE}, required)


def step_forms(manifest: dict[str, Any], key: str, steps: tuple[str, ...],
               consulted: str | None) -> dict[str, dict[str, Any]]:
    """Every form of the procedure by id: the application, then one per step."""
    forms = {f"{key}/application": application_form(manifest, key)}
    forms.update({f"{key}/{step}": _step_form(key, step, consulted) for step in steps})
    return forms


_LANES = {"receive": "reception", "review": "specialist", "consult": "consult", "sign": "leader",
          "hand_over": "return_desk"}


def straight_scenario(manifest: dict[str, Any], steps: tuple[str, ...]) -> dict[str, Any]:
    """A scenario that runs the path straight through with made-up Huế data (received at Phú Xuân 19768, the
    applicant living in Vỹ Dạ 19777 and received there when the procedure does not cross boundaries)."""
    commune = manifest["competent_unit"].get("rule") != "agency"
    data: dict[str, dict[str, Any]] = {"receive": {"documents_checked": True},
            "review": {"opinion": "Hồ sơ đầy đủ, hợp lệ; đề nghị giải quyết.", "needs_verification": False},
            "consult": {"answer": "Thống nhất với đề xuất của cơ quan giải quyết.", "reply_number": "58/CV"},
            "sign": {"decision_number": "125/QĐ-UBND" if commune else "125/QĐ", "signed_on": "2026-03-12"},
            "hand_over": {"handed_over_on": "2026-03-13"}}
    application: dict[str, Any] = {"applicant": dict(_APPLICANT)}
    if needs_residence(manifest):
        application["residence"] = dict(_RESIDENCE)
    application["request"] = {"summary": f"Đề nghị giải quyết thủ tục: {manifest['name']['vi']}"[:2000]}
    scenario: dict[str, Any] = {"name": f"{manifest['name']['vi']} — luồng thuận", "application": application}
    if not manifest["cross_boundary"]:
        scenario["centre"] = _RESIDENCE["unit_id"] if needs_residence(manifest) else "19768"
    scenario["steps"] = [{"task": step, "lane": _LANES[step], "data": data[step]} for step in steps]
    scenario["expect"] = {"completed": True, "data": {"decision_number": data["sign"]["decision_number"],
                                                      "handed_over_on": data["hand_over"]["handed_over_on"]}}
    return scenario
