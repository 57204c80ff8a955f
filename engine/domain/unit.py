"""Administrative units (provinces, communes, agencies) and the post-2025 map they come from.

The map is the `vietnam-provinces` package (34 provinces, 3,321 communes); nothing is hand-written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from vietnam_provinces import Province, ProvinceCode, Ward


class UnitKind(StrEnum):
    PROVINCE = "province"
    COMMUNE = "commune"
    AGENCY = "agency"


@dataclass(frozen=True)
class Unit:
    """A unit with its own inbox. Communes and provinces have a one-stop centre that receives and returns;
    agencies (`agency` kind, see AGENCIES) handle steps routed to them."""

    id: str
    name: str
    kind: UnitKind
    province_id: str | None
    division_type: str
    agency: str | None = None
    parent_id: str | None = None
    """For agencies: the commune a police station serves, the land office a branch belongs to."""
    agency_code: str | None = None
    """The electronic identifier (mã định danh, Decision 20/2020/QĐ-TTg) that starts the national dossier code."""

    @property
    def has_centre(self) -> bool:
        return self.kind in (UnitKind.PROVINCE, UnitKind.COMMUNE)


# Provincial agencies the procedures route to: kind -> (id suffix, Vietnamese name prefix).
PROVINCIAL_AGENCIES = {
    "social_insurance": ("BHXH", "Bảo hiểm xã hội"),
    "tax": ("THUE", "Thuế"),
    "land_office": ("VPDK", "Văn phòng Đăng ký đất đai"),
    "justice": ("STP", "Sở Tư pháp"),
}
# Communes served by one land registration branch. The official service areas are not published as
# data; consecutive commune codes follow the former districts, whose branches served about five.
COMMUNES_PER_LAND_BRANCH = 5


def province_id(code: int) -> str:
    return f"{code:02d}"


def commune_id(code: int) -> str:
    return f"{code:05d}"


def units_of_province(code: int) -> Iterator[Unit]:
    """The province, its communes, wards and special zones from the official map, then its agencies."""
    province = Province.from_code(ProvinceCode(code))
    pid = province_id(code)
    yield Unit(pid, province.name, UnitKind.PROVINCE, None, province.division_type.value)
    communes = _communes(code)
    for ward in communes:
        yield Unit(commune_id(ward.code), ward.name, UnitKind.COMMUNE, pid, ward.division_type.value)
    for kind, (suffix, title) in PROVINCIAL_AGENCIES.items():
        yield Unit(f"{pid}-{suffix}", f"{title} {province.name}", UnitKind.AGENCY, pid, "agency", kind, pid)
    land_office = agency_id("land_office", pid)
    for number in range(1, _branch_number(len(communes) - 1) + 1):
        name = f"Chi nhánh Văn phòng Đăng ký đất đai {province.name} khu vực {number}"
        yield Unit(f"{land_office}-{number:02d}", name, UnitKind.AGENCY, pid, "agency", "land_branch", land_office)
    for ward in communes:
        cid = commune_id(ward.code)
        yield Unit(agency_id("police", pid, cid), f"Công an {ward.name}", UnitKind.AGENCY, pid, "agency",
                   "police", cid)


def all_units() -> Iterator[Unit]:
    """Every province of the 2025 map with its communes and agencies."""
    for province in sorted(Province.iter_all(), key=lambda p: p.code):
        yield from units_of_province(province.code)


def agency_id(kind: str, province: str, commune: str | None = None) -> str:
    """The id of the agency of `kind` for a province, or for a commune of it (police, land branch)."""
    if kind == "police":
        return f"{_require(commune, kind)}-CA"
    if kind == "land_branch":
        position = _positions(int(province))[_require(commune, kind)]
        return f"{agency_id('land_office', province)}-{_branch_number(position):02d}"
    return f"{province}-{PROVINCIAL_AGENCIES[kind][0]}"


def _require(commune: str | None, kind: str) -> str:
    if commune is None:
        raise ValueError(f"a {kind} unit is found from a commune")
    return commune


def _branch_number(position: int) -> int:
    return position // COMMUNES_PER_LAND_BRANCH + 1


@cache
def _positions(code: int) -> dict[str, int]:
    """Each commune's place in its province's code order, which decides its land branch."""
    return {commune_id(w.code): n for n, w in enumerate(_communes(code))}


@cache
def _communes(code: int) -> tuple[Ward, ...]:
    return tuple(sorted(Ward.iter_by_province(ProvinceCode(code)), key=lambda w: w.code))


HUE_PROVINCE_CODE = 46
