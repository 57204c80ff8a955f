"""The pieces every printed form shares: the issuing block, the applicant's details wherever a
procedure keeps them, and the form table (Circular 03/2025 numbering)."""

from __future__ import annotations

from engine.domain.slip import FORMS, SUBMISSION_SLIPS, SlipKind, applicant, in_sentence, issuer, signature
from engine.domain.unit import Unit, UnitKind

HUE = Unit("46", "Thành phố Huế", UnitKind.PROVINCE, None, "thành phố trung ương")
NGHE_AN = Unit("40", "Nghệ An", UnitKind.PROVINCE, None, "tỉnh")
PHU_XUAN = Unit("19768", "Phường Phú Xuân", UnitKind.COMMUNE, "46", "phường")
POLICE = Unit("46-19777-CA", "Công an Phường Vỹ Dạ", UnitKind.AGENCY, "46", "agency", "police", "19777")
VY_DA = Unit("19777", "Phường Vỹ Dạ", UnitKind.COMMUNE, "46", "phường")
NAMES = {"19777": "Phường Vỹ Dạ"}


def test_forms_follow_circular_03_2025_numbering() -> None:
    assert [FORMS[k].number for k in SlipKind if k != SlipKind.GUIDANCE] == ["01", "02", "03", "04", "05", "06", "07"]
    # Mẫu 02 serves twice: the guidance before reception and the handling unit's request after it.
    assert FORMS[SlipKind.GUIDANCE].number == "02" and FORMS[SlipKind.GUIDANCE].title == FORMS[
        SlipKind.SUPPLEMENT_REQUEST].title
    assert SUBMISSION_SLIPS == (SlipKind.GUIDANCE, SlipKind.REFUSAL)
    assert FORMS[SlipKind.RECEIPT].reference == "Mẫu số 01, Phụ lục I, Thông tư số 03/2025/TT-VPCP"
    assert FORMS[SlipKind.SUPPLEMENT_REQUEST].suffix == "HDHS" and FORMS[SlipKind.RECEIPT].suffix == "TNHS"


def test_a_commune_centre_prints_under_its_peoples_committee() -> None:
    centre = issuer(PHU_XUAN, as_centre=True, province=HUE)
    assert (centre.authority, centre.name, centre.place) == ("UBND PHƯỜNG PHÚ XUÂN",
                                                             "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "Phú Xuân")
    assert centre.title == "Trung tâm Phục vụ hành chính công phường Phú Xuân"
    committee = issuer(PHU_XUAN, as_centre=False, province=HUE)
    assert (committee.authority, committee.name) == ("ỦY BAN NHÂN DÂN", "PHƯỜNG PHÚ XUÂN")
    assert issuer(NGHE_AN, as_centre=True).authority == "UBND TỈNH NGHỆ AN"


def test_an_agency_prints_under_its_own_authority_and_place() -> None:
    police = issuer(POLICE, as_centre=False, parent=VY_DA, province=HUE)
    assert (police.authority, police.name, police.place) == ("CÔNG AN THÀNH PHỐ HUẾ", "CÔNG AN PHƯỜNG VỸ DẠ",
                                                             "Vỹ Dạ")
    assert in_sentence("Thành phố Huế") == "thành phố Huế"
    assert in_sentence("Công an Phường Vỹ Dạ") == "Công an Phường Vỹ Dạ"  # only a leading kind is lowered


def test_applicant_details_from_the_applicant_object() -> None:
    found = applicant("Lê Thị Hoa", {"applicant": {"id_number": "046190000123", "phone": "0912345678",
                                                   "email": "hoa@example.vn", "address": "12 Lê Lợi, Huế"}},
                      NAMES.get)
    assert (found.id_number, found.phone, found.email, found.address) == (
        "046190000123", "0912345678", "hoa@example.vn", "12 Lê Lợi, Huế")


def test_applicant_address_falls_back_to_the_residence_and_its_commune() -> None:
    found = applicant("Lê Thị Hoa", {"applicant": {"tax_code": "3301234567"},
                                     "residence": {"unit_id": "19777", "address": "Số 5, tổ 2"}}, NAMES.get)
    assert (found.id_number, found.address, found.phone) == ("3301234567", "Số 5, tổ 2, Phường Vỹ Dạ", None)


def test_missing_or_malformed_details_are_left_blank() -> None:
    found = applicant("Lê Thị Hoa", {"applicant": "not an object", "residence": {"address": "  ", "unit_id": 7}},
                      NAMES.get)
    assert (found.id_number, found.address, found.phone, found.email) == (None, None, None, None)
    assert applicant("X", {"applicant": {"phone": True}}, NAMES.get).phone is None


def test_a_letter_is_signed_for_the_unit_by_its_head_or_for_the_head_by_a_deputy() -> None:
    """Decree 30/2020/NĐ-CP: a People's Committee signs collectively (TM.), a deputy for the head (KT.)."""
    def block(unit: Unit, role: str | None, deputy: bool = False) -> tuple[tuple[str, ...], str, str | None]:
        s = signature(SlipKind.APOLOGY, unit, as_centre=False, officer="Trần Văn B", officer_role=role, deputy=deputy,
                      parent=VY_DA if unit is POLICE else None)
        return s.authority, s.title, s.name

    assert block(VY_DA, "leader") == (("TM. Ủy ban nhân dân",), "Chủ tịch", "Trần Văn B")
    assert block(VY_DA, "leader", deputy=True) == (("TM. Ủy ban nhân dân", "KT. Chủ tịch"), "Phó chủ tịch",
                                                   "Trần Văn B")
    assert block(VY_DA, "specialist") == (("TM. Ủy ban nhân dân",), "Chủ tịch", None)  # left for the head
    assert block(VY_DA, "specialist", deputy=True) == (("TM. Ủy ban nhân dân",), "Chủ tịch", None)
    assert block(POLICE, "leader") == ((), "Trưởng Công an phường", "Trần Văn B")
    assert block(POLICE, "leader", deputy=True) == (("KT. Trưởng Công an phường",), "Phó trưởng Công an phường",
                                                    "Trần Văn B")
    counter = signature(SlipKind.RECEIPT, PHU_XUAN, as_centre=True, officer="Lê Thị C", officer_role="reception")
    assert (counter.authority, counter.title, counter.name) == ((), "Người tiếp nhận hồ sơ", "Lê Thị C")
