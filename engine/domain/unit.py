"""Administrative units (provinces, communes, agencies) and the post-2025 map they come from.

The map is the `vietnam-provinces` package (34 provinces, 3,321 communes); nothing is hand-written. A unit's
electronic identifier (Decision 20/2020/QĐ-TTg) is loaded from the province's published list, checked here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
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

    @property
    def dossier_code_prefix(self) -> str:
        """What starts the codes of dossiers received here: the electronic identifier once the unit has one
        (Circular 01/2018 Art. 19), else the unit's id (the codes issued before keep theirs)."""
        return self.agency_code or self.id


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


AGENCY_CODE = re.compile(r"(?P<level4>[0-9]{3})\.(?P<level3>[0-9]{2})\.(?P<level2>[0-9]{2})"
                         r"\.(?P<level1>[A-Z][0-9]{1,2})")
"""Decision 20/2020/QĐ-TTg: `V1V2V3.Z1Z2.Y1Y2.M1M2(M3)`, the codes of levels 4, 3 and 2 (zeros where the
unit sits higher up) then the level-1 code of its ministry or province (`H57`: the People's Committee of
Thành phố Huế, Decision 09/2025/QĐ-TTg). E.g. `000.00.00.H57`, `000.31.46.H57`."""


@dataclass(frozen=True)
class AgencyCodeRow:
    """One line of a province's list of identifiers: which unit, its identifier, where it was published."""

    line: int
    unit_id: str
    agency_code: str
    name: str = ""
    source: str = ""


def agency_code_problem(text: str) -> str | None:
    """What is wrong with an identifier as typed, or None when it has the Decision 20/2020 structure."""
    if AGENCY_CODE.fullmatch(text):
        return None
    return f"{text!r} is not an electronic identifier V1V2V3.Z1Z2.Y1Y2.M1M2(M3) such as 000.00.00.H57"


def agency_code_problems(rows: Iterable[AgencyCodeRow], known: Mapping[str, str | None]) -> list[tuple[int, str]]:
    """Every problem of a list of identifiers, by line: a malformed identifier, a unit `known` does not hold
    (unit id → its identifier now), a unit or an identifier given twice, or an identifier another unit,
    outside the list, holds already. An identifier must name one unit only."""
    problems: list[tuple[int, str]] = []
    rows = list(rows)
    listed = {row.unit_id for row in rows}
    held = {code: unit for unit, code in known.items() if code and unit not in listed}
    units: dict[str, int] = {}
    codes: dict[str, int] = {}
    for row in rows:
        if (problem := agency_code_problem(row.agency_code)) is not None:
            problems.append((row.line, problem))
        if row.unit_id not in known:
            problems.append((row.line, f"unit {row.unit_id!r} is not a unit of the map"))
        if row.unit_id in units:
            problems.append((row.line, f"unit {row.unit_id!r} is already given on line {units[row.unit_id]}"))
        if row.agency_code in codes:
            problems.append((row.line, f"{row.agency_code!r} is already given on line {codes[row.agency_code]}"))
        elif row.agency_code in held:
            problems.append((row.line, f"{row.agency_code!r} is the identifier of unit {held[row.agency_code]}"))
        units.setdefault(row.unit_id, row.line)
        codes.setdefault(row.agency_code, row.line)
    return problems
