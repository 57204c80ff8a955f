"""The units of the 2025 map and the agencies each province gets."""

from __future__ import annotations

from collections import Counter

import pytest
from vietnam_provinces import Ward

from engine.domain.unit import COMMUNES_PER_LAND_BRANCH, UnitKind, agency_id, all_units, units_of_province

UNITS = list(all_units())
BY_ID = {u.id: u for u in UNITS}


def test_the_whole_map_is_there_once() -> None:
    assert len(BY_ID) == len(UNITS)
    kinds = Counter(u.kind for u in UNITS)
    assert kinds[UnitKind.PROVINCE] == 34 and kinds[UnitKind.COMMUNE] == 3321


def test_parents_come_before_the_units_that_name_them() -> None:
    seen: set[str] = set()
    for unit in UNITS:
        assert unit.province_id is None or unit.province_id in seen, unit
        assert unit.parent_id is None or unit.parent_id in seen, unit
        seen.add(unit.id)


@pytest.mark.parametrize("ward", list(Ward.iter_all())[::97], ids=lambda w: str(w.code))
def test_every_commune_has_its_police_and_a_land_branch_of_its_province(ward: Ward) -> None:
    commune = f"{ward.code:05d}"
    province = BY_ID[commune].province_id
    assert province is not None
    police = BY_ID[agency_id("police", province, commune)]
    branch = BY_ID[agency_id("land_branch", province, commune)]
    assert police.parent_id == commune and police.agency == "police"
    assert branch.province_id == province and branch.parent_id == agency_id("land_office", province)


def test_a_land_branch_serves_at_most_its_share_of_communes() -> None:
    communes = [u.id for u in units_of_province(46) if u.kind == UnitKind.COMMUNE]
    served = Counter(agency_id("land_branch", "46", c) for c in communes)
    assert max(served.values()) == COMMUNES_PER_LAND_BRANCH and sum(served.values()) == len(communes)


def test_a_per_commune_agency_needs_a_commune() -> None:
    with pytest.raises(ValueError, match="found from a commune"):
        agency_id("police", "46")
