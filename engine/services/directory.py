"""Read models of the directory and the procedure catalogue: units, one-stop centres, the latest version
of each procedure, and the procedure names a page of steps shows. Each is one read in one unit of work,
so the API and the pages never open a unit of work or touch a repository themselves. No Flask here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.domain.errors import NotFoundError
from engine.domain.ports import UnitOfWork
from engine.domain.procedure import ProcedureVersion
from engine.domain.unit import Unit
from engine.services.catalogue import Catalogue


@dataclass(frozen=True)
class CounterForm:
    """What the counter's reception form shows: the procedure, and the centres the result may go to."""

    procedure: ProcedureVersion
    centres: list[Unit]


def units(uow: UnitOfWork, *, province_id: str | None = None, kind: str | None = None,
          agency: str | None = None) -> list[Unit]:
    """The units matching every filter given (a province's own unit included with its province_id)."""
    with uow:
        return uow.units.list(province_id=province_id, kind=kind, agency=agency)


def unit(uow: UnitOfWork, unit_id: str) -> Unit | None:
    with uow:
        return uow.units.get(unit_id)


def known_unit(uow: UnitOfWork, unit_id: str) -> Unit:
    """The unit with this id (GET /units/{id}), or NotFoundError."""
    if (found := unit(uow, unit_id)) is None:
        raise NotFoundError(f"there is no unit {unit_id}")
    return found


def centres_near(uow: UnitOfWork, unit_id: str) -> list[Unit]:
    """The one-stop centres of the province `unit_id` is in (a result can be returned at any of them)."""
    with uow:
        return _centres_near(uow, unit_id)


def latest_procedures(uow: UnitOfWork, *, catalogue: Catalogue) -> list[ProcedureVersion]:
    """The latest version of every procedure, in the order of their version ids."""
    with uow:
        return [catalogue.version(uow.procedures, i) for i in uow.procedures.latest_ids()]


def latest_procedure(uow: UnitOfWork, *, catalogue: Catalogue, code: str) -> ProcedureVersion:
    """The latest version of procedure `code`; NotFoundError if there is none."""
    with uow:
        return catalogue.latest(uow.procedures, code)


def counter_form(uow: UnitOfWork, *, catalogue: Catalogue, code: str, unit_id: str) -> CounterForm:
    """The latest version of procedure `code` and the centres near `unit_id`, read together."""
    with uow:
        return CounterForm(catalogue.latest(uow.procedures, code), _centres_near(uow, unit_id))


def procedure_names(uow: UnitOfWork, *, catalogue: Catalogue, dossier_codes: Iterable[str]) -> dict[str, str]:
    """Dossier code → the Vietnamese name of its procedure (one read; unknown codes left out)."""
    with uow:
        return {d.code: catalogue.version(uow.procedures, d.procedure_version_id).name_vi
                for d in uow.dossiers.by_codes(dossier_codes)}


def _centres_near(uow: UnitOfWork, unit_id: str) -> list[Unit]:
    home = uow.units.get(unit_id)
    province = (home.province_id or home.id) if home else unit_id
    return [u for u in uow.units.list(province_id=province) if u.has_centre]
