"""The official printed forms (biểu mẫu, Circular 03/2025/TT-VPCP Annex I, DOMAIN.md §3): which form each
slip follows, its title and number suffix, and the pieces every slip prints — the issuing body as the
top-left block names it, and the applicant's contact details wherever a procedure's application keeps them.

Pure Python: no templates, no database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from engine.domain.actor import Role
from engine.domain.notice import Notice, NoticeKind
from engine.domain.unit import Unit, UnitKind

CIRCULAR = "Thông tư số 03/2025/TT-VPCP"


class SlipKind(StrEnum):
    RECEIPT = "receipt"
    GUIDANCE = "guidance"  # Mẫu 02 before reception: a submission guided to complete (no dossier yet)
    SUPPLEMENT_REQUEST = "supplement_request"  # Mẫu 02 after reception, asked by the handling unit
    REFUSAL = "refusal"
    APOLOGY = "apology"
    STOP_NOTICE = "stop_notice"
    CONTROL_SHEET = "control_sheet"
    REGISTER = "register"


@dataclass(frozen=True)
class SlipForm:
    number: str
    """The form's number in Annex I ("01" … "07")."""
    title: str
    suffix: str | None = None
    """What follows the slash in the slip's number (Số: 125/TNHS)."""
    notice: NoticeKind | None = None
    """The written notice the slip prints, if it prints one."""
    by_centre: bool = True
    """Issued by the one-stop centre (else by the unit that wrote the notice, as itself)."""

    @property
    def reference(self) -> str:
        return f"Mẫu số {self.number}, Phụ lục I, {CIRCULAR}"


FORMS: dict[SlipKind, SlipForm] = {
    SlipKind.RECEIPT: SlipForm("01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "TNHS"),
    SlipKind.GUIDANCE: SlipForm("02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", "HDHS", NoticeKind.GUIDANCE),
    # After reception the handling unit notifies the centre in writing, and the centre issues Mẫu 02, its own
    # form, to the applicant (Decree 61/2018 Art. 19, carried over by Decree 118/2025 [I]).
    SlipKind.SUPPLEMENT_REQUEST: SlipForm("02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", "HDHS",
                                          NoticeKind.SUPPLEMENT_REQUEST),
    SlipKind.REFUSAL: SlipForm("03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ", "TCHS", NoticeKind.REFUSAL),
    # Circular 03/2025 Annex I renames the 2018 "Phiếu xin lỗi và hẹn lại ngày trả kết quả" (DOMAIN.md §12 [C]).
    SlipKind.APOLOGY: SlipForm("04", "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết", "XLHS",
                               NoticeKind.APOLOGY, by_centre=False),
    SlipKind.STOP_NOTICE: SlipForm("05", "Thông báo dừng giải quyết hồ sơ", "TB", NoticeKind.STOP,
                                   by_centre=False),
    SlipKind.CONTROL_SHEET: SlipForm("06", "Phiếu kiểm soát quá trình giải quyết hồ sơ"),
    SlipKind.REGISTER: SlipForm("07", "Sổ theo dõi hồ sơ"),
}

SUBMISSION_SLIPS = (SlipKind.GUIDANCE, SlipKind.REFUSAL)
"""The slips of a submission that was not received: the guidance to complete it and the refusal of reception."""

DOCUMENT_FORM_LABELS = {
    "original": "Bản chính",
    "certified_copy": "Bản sao có chứng thực",
    "photocopy": "Bản chụp",
    "electronic": "Bản điện tử",
}

_NAME_PREFIXES = ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu ")
CENTRE_NAME = "Trung tâm Phục vụ hành chính công"


def full_name(unit: Unit) -> str:
    """The unit's name with its kind, as a heading prints it ("Tỉnh Nghệ An", "Phường Phú Xuân")."""
    return f"Tỉnh {unit.name}" if unit.division_type == "tỉnh" else unit.name


def in_sentence(name: str) -> str:
    """A unit name as running text writes it: the kind in lower case ("phường Phú Xuân")."""
    prefix = next((p for p in _NAME_PREFIXES if name.startswith(p)), "")
    return prefix.lower() + name[len(prefix):]


def centre_name(unit: Unit) -> str:
    """"Trung tâm Phục vụ hành chính công phường Phú Xuân"."""
    return f"{CENTRE_NAME} {in_sentence(full_name(unit))}"


def short_name(unit: Unit) -> str:
    """The place name a date line starts with ("Phú Xuân, ngày …")."""
    return next((unit.name[len(p):] for p in _NAME_PREFIXES if unit.name.startswith(p)), unit.name)


@dataclass(frozen=True)
class Issuer:
    """The top-left block of a slip (governing body, issuing body), the issuing body's name as a sentence
    writes it, and the place of issue the date line starts with."""

    authority: str
    name: str
    title: str
    place: str


def issuer(unit: Unit, *, as_centre: bool, parent: Unit | None = None, province: Unit | None = None) -> Issuer:
    """Who a slip comes from.

    Args:
        unit: the unit issuing the slip.
        as_centre: print the unit's one-stop centre (receipts, guidance, refusals, registers).
        parent: an agency's parent unit (the commune a police station serves, the land office of a branch).
        province: the unit's province, for agencies and their place of issue.
    """
    home = province or unit
    if unit.kind != UnitKind.AGENCY:
        if as_centre:
            return Issuer(f"UBND {full_name(unit)}".upper(), CENTRE_NAME.upper(), centre_name(unit), short_name(unit))
        return Issuer("ỦY BAN NHÂN DÂN", full_name(unit).upper(), f"Ủy ban nhân dân {in_sentence(full_name(unit))}",
                      short_name(unit))
    authority = {
        "police": f"Công an {full_name(home)}",
        "land_branch": parent.name if parent else f"Văn phòng Đăng ký đất đai {full_name(home)}",
        "social_insurance": "Bảo hiểm xã hội Việt Nam",
        "tax": "Cục Thuế",
    }.get(unit.agency or "", f"UBND {full_name(home)}")
    place = parent if unit.agency == "police" and parent is not None else home
    return Issuer(authority.upper(), unit.name.upper(), unit.name, short_name(place))


@dataclass(frozen=True)
class Signature:
    """The signature block under a slip (Decree 30/2020/NĐ-CP, Annex I: thẩm quyền, chức vụ, họ tên).

    `authority` are the lines that say for whom the signer signs ("TM. ỦY BAN NHÂN DÂN", then "KT. CHỦ TỊCH"
    for a deputy; none when the signer signs in their own capacity), `title` the signer's position, `name`
    the signer's name, None to leave the line blank for the head's own signature."""

    authority: tuple[str, ...]
    title: str
    name: str | None
    hint: str = "(Ký và ghi rõ họ tên)"

    @property
    def for_unit(self) -> bool:
        """Signed for a unit, under its seal (a letter), rather than by the counter officer himself."""
        return self.hint == SEALED


SEALED = "(Ký, ghi rõ họ tên và đóng dấu)"
# Who signs a centre's own slip: the officer at the counter, as the 2018 layouts print it (DOMAIN.md §3.2).
COUNTER_SIGNERS = {
    SlipKind.RECEIPT: "Người tiếp nhận hồ sơ",
    SlipKind.REFUSAL: "Người tiếp nhận hồ sơ",
    SlipKind.GUIDANCE: "Người hướng dẫn",
    SlipKind.SUPPLEMENT_REQUEST: "Người hướng dẫn",
}
# The head of an agency as a letter's signature names him (Decree 30/2020: the head of a body run by its head
# signs with his own title). Agencies whose head's title could not be told sign as "Thủ trưởng cơ quan".
_AGENCY_HEADS = {
    "police": "Trưởng Công an",  # completed with the commune's kind: "Trưởng Công an phường"
    "social_insurance": "Giám đốc",
    "land_office": "Giám đốc",
    "land_branch": "Giám đốc",
    "justice": "Giám đốc",
}
HEAD_OF_AGENCY = "Thủ trưởng cơ quan"


def signature(kind: SlipKind, unit: Unit, *, as_centre: bool, officer: str | None, officer_role: str | None,
              deputy: bool = False, parent: Unit | None = None) -> Signature:
    """Who signs the slip, derived from who issues it.

    A centre's slip (receipt, guidance, refusal of reception, supplementation request) is signed by the
    officer at the counter under the 2018 layout's words (left blank when another unit wrote the notice). A
    unit's letter (apology Mẫu 04, stop notice Mẫu 05) is signed by the head of that unit for it: a People's
    Committee, run collectively, signs "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH" (Decree 30/2020/NĐ-CP); an agency's head
    with his title ("TRƯỞNG CÔNG AN PHƯỜNG", "GIÁM ĐỐC"). The name under the head's title is the officer's only
    when the officer holds the unit's `leader` role; otherwise it is left blank for the head to sign, never a
    specialist's name under the head's title. A leader who is the deputy head signs for the head, "KT." before
    the head's title and his own below it: "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH", "KT. GIÁM ĐỐC /
    PHÓ GIÁM ĐỐC".

    Args:
        kind: the slip.
        unit: the unit issuing it.
        as_centre: issued as the unit's one-stop centre.
        officer: the display name of the officer who wrote or received it.
        officer_role: the role the officer acted in (`Notice.officer_role`); None if unknown.
        deputy: the officer was the unit's deputy head (`Notice.officer_deputy`).
        parent: an agency's parent unit (the commune a police station serves).
    """
    if as_centre:
        return Signature((), COUNTER_SIGNERS.get(kind, "Người tiếp nhận hồ sơ"), officer)
    leader = officer_role == Role.LEADER.value
    collective = ("TM. Ủy ban nhân dân",) if unit.kind != UnitKind.AGENCY else ()
    head = "Chủ tịch" if collective else _agency_head(unit, parent)
    if leader and deputy:
        return Signature((*collective, f"KT. {head}"), f"Phó {head[0].lower()}{head[1:]}", officer, SEALED)
    return Signature(collective, head, officer if leader else None, SEALED)


def _agency_head(unit: Unit, parent: Unit | None) -> str:
    title = _AGENCY_HEADS.get(unit.agency or "", HEAD_OF_AGENCY)
    if unit.agency == "police":
        commune = parent.name if parent is not None else ""
        prefix = next((p for p in _NAME_PREFIXES if commune.startswith(p)), "")
        title = f"{title} {prefix.strip().lower()}".strip()
    return title


class StopGround(StrEnum):
    """Why handling stopped, which decides what Mẫu 05 says (see `stop_ground`)."""

    REQUEST = "request"              # the applicant asked to stop (withdrawal)
    NOT_SUPPLEMENTED = "not_supplemented"  # the supplementation deadline passed (the engine stopped it)
    INELIGIBLE = "ineligible"        # the handling unit found it ineligible: a refusal to resolve, with reasons


def stop_ground(notice: Notice) -> StopGround:
    """Mẫu 05 "Thông báo dừng giải quyết hồ sơ" (Circular 03/2025 Annex I) notifies a stop decided after
    considering a request, normally the applicant's (DOMAIN.md §12 [S], 2026 Hà Nội design report): here the
    applicant's withdrawal, and the stop the engine decides when the requested supplement never came. An
    ineligibility found in appraisal is traditionally a written refusal to resolve, with reasons (DOMAIN.md §12):
    the same notice then says so in those words (the dossier's national status is 8, "Dừng xử lý")."""
    if notice.kind == NoticeKind.WITHDRAWAL:
        return StopGround.REQUEST
    if notice.officer_id is None:
        return StopGround.NOT_SUPPLEMENTED
    return StopGround.INELIGIBLE


@dataclass(frozen=True)
class Applicant:
    """Who the slip is addressed to; a missing detail prints as a dotted blank line, as on paper."""

    name: str
    id_number: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None


def applicant(name: str, application: Mapping[str, Any], place_name: Callable[[str], str | None]) -> Applicant:
    """The applicant's details from the usual places of an application: `/applicant/{id_number, tax_code,
    phone, email, address}`, else the residence (`/residence/address` and the name of `/residence/unit_id`).

    Args:
        name: the applicant's name as the dossier stored it.
        application: the application document.
        place_name: the full name of a unit id (None if unknown).
    """
    person = _object(application.get("applicant"))
    address = _text(person.get("address")) or _residence(_object(application.get("residence")), place_name)
    return Applicant(name=name, id_number=_text(person.get("id_number")) or _text(person.get("tax_code")),
                     address=address, phone=_text(person.get("phone")), email=_text(person.get("email")))


def _residence(residence: Mapping[str, Any], place_name: Callable[[str], str | None]) -> str | None:
    unit_id = _text(residence.get("unit_id"))
    parts = [_text(residence.get("address")), place_name(unit_id) if unit_id else None]
    return ", ".join(p for p in parts if p) or None


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None
