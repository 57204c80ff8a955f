"""The directory's read models (engine/services/directory.py, demo.py) on both databases: what the pages
and the API read through them instead of opening units of work themselves."""

from __future__ import annotations

import pytest

from api.wiring import Wiring
from engine.domain.errors import NotFoundError
from engine.services import demo, directory
from tests.conftest import HUE, PHU_XUAN, VY_DA
from tests.integration._support import BIRTH, Actors, receive


def test_the_centres_near_a_unit_are_its_provinces_communes_and_the_province(wiring: Wiring) -> None:
    centres = directory.centres_near(wiring.uow(), f"{VY_DA}-CA")  # from an agency as from a commune

    assert [u.id for u in centres] == [u.id for u in directory.centres_near(wiring.uow(), PHU_XUAN)]
    assert {u.kind.value for u in centres} == {"province", "commune"}
    assert {PHU_XUAN, VY_DA, "46"} <= {u.id for u in centres}
    assert all(u.province_id in (None, "46") for u in centres)


def test_the_counter_form_reads_the_latest_procedure_and_the_centres_together(wiring: Wiring) -> None:
    form = directory.counter_form(wiring.uow(), catalogue=wiring.catalogue, code=BIRTH, unit_id=PHU_XUAN)

    assert form.procedure == directory.latest_procedure(wiring.uow(), catalogue=wiring.catalogue, code=BIRTH)
    assert form.procedure in directory.latest_procedures(wiring.uow(), catalogue=wiring.catalogue)
    assert form.centres == directory.centres_near(wiring.uow(), PHU_XUAN)
    with pytest.raises(NotFoundError):
        directory.counter_form(wiring.uow(), catalogue=wiring.catalogue, code="9.999999", unit_id=PHU_XUAN)


def test_units_and_procedure_names_of_dossiers(wiring: Wiring) -> None:
    assert not demo.has_dossiers(wiring.uow(), province=HUE)
    dossier = receive(wiring, Actors(wiring)(f"reception.{PHU_XUAN}"))

    names = directory.procedure_names(wiring.uow(), catalogue=wiring.catalogue,
                                      dossier_codes=[dossier.code, dossier.code, "00000-250714-0001"])

    assert names == {dossier.code: "Đăng ký khai sinh"}
    assert directory.unit(wiring.uow(), "no-such-unit") is None
    assert [u.id for u in directory.units(wiring.uow(), kind="province")][:1] == ["01"]
    assert demo.is_set_up(wiring.uow(), province=HUE) and not demo.is_set_up(wiring.uow(), province=1)
    assert demo.has_dossiers(wiring.uow(), province=HUE)
