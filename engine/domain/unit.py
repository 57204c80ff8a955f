"""Administrative units (provinces, communes, agencies) and the post-2025 map they come from.

The map is the `vietnam-provinces` package (34 provinces, 3,321 communes); nothing is hand-written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from vietnam_provinces import Province, ProvinceCode, Ward


class UnitKind(StrEnum):
    PROVINCE = "province"
    COMMUNE = "commune"
    AGENCY = "agency"


@dataclass(frozen=True)
class Unit:
    """A unit with its own inbox. Communes and provinces have a one-stop centre that receives and returns."""

    id: str
    name: str
    kind: UnitKind
    province_id: str | None
    division_type: str

    @property
    def has_centre(self) -> bool:
        return self.kind in (UnitKind.PROVINCE, UnitKind.COMMUNE)


def province_id(code: int) -> str:
    return f"{code:02d}"


def commune_id(code: int) -> str:
    return f"{code:05d}"


def units_of_province(code: int) -> Iterator[Unit]:
    """The province itself, then its communes, wards and special zones, from the official map."""
    province = Province.from_code(ProvinceCode(code))
    pid = province_id(code)
    yield Unit(pid, province.name, UnitKind.PROVINCE, None, province.division_type.value)
    for ward in sorted(Ward.iter_by_province(province.code), key=lambda w: w.code):
        yield Unit(commune_id(ward.code), ward.name, UnitKind.COMMUNE, pid, ward.division_type.value)


HUE_PROVINCE_CODE = 46
