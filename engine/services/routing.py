"""Where a dossier goes: its competent unit from the manifest's rule, and the unit of every lane.

Routes are resolved once, at reception, and stored on the dossier, so a dossier never changes hands
because the map or a manifest changed later. Errors point at the application field to correct.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.domain.errors import FieldError, ValidationFailedError
from engine.domain.forms import resolve_pointer
from engine.domain.manifest import AGENCY_KINDS, DOSSIER_UNITS
from engine.domain.ports import UnitOfWork
from engine.domain.procedure import ProcedureVersion
from engine.domain.unit import Unit, UnitKind, agency_id


@dataclass(frozen=True)
class Routing:
    competent: Unit
    routes: dict[str, str]
    """Unit id of each agency lane rule (`agency:<kind>`) of the procedure."""
    outside_area: bool = False
    """Received at a centre other than the one of the commune the dossier belongs to (phi địa giới)."""


def decided_in_workflow(procedure: ProcedureVersion) -> bool:
    """Whether the competent unit comes from the process data (a DMN decision), known only once it runs."""
    return bool(procedure.competence_rule["rule"] == "decision")


def route(uow: UnitOfWork, procedure: ProcedureVersion, application: dict[str, Any], centre: Unit,
          decided: Any = None) -> Routing:
    """Resolve the competent unit and the agency lanes for a dossier received at `centre`.

    `decided` is the value a DMN decision put in the process data, for the `decision` rule."""
    rule = procedure.competence_rule
    field = "/application" + rule.get("pointer", "")
    commune = _commune(uow, application, rule["pointer"], centre, field) if "pointer" in rule else None
    competent: Unit | None
    if rule["rule"] == "receiving_unit":
        competent = centre
    elif rule["rule"] == "applicant_residence":
        competent = commune
    else:
        kind = rule["agency"] if rule["rule"] == "agency" else decided
        if kind != "commune" and kind not in AGENCY_KINDS:
            raise ValidationFailedError("the decision named no competent unit",
                                        [FieldError(field, f"leads to {kind!r}, which is not a unit kind")])
        competent = commune if kind == "commune" else _agency(uow, kind, centre, commune)
    assert competent is not None
    home = commune or (competent if competent.kind == UnitKind.COMMUNE else centre)
    if not procedure.cross_boundary and home.id != centre.id:
        raise ValidationFailedError(
            f"procedure {procedure.code} is received only at the centre of {home.name}",
            [FieldError(field, f"is handled by {home.name}; receive the dossier there")])
    routes = {unit_rule: _agency(uow, unit_rule.removeprefix("agency:"), centre, home).id
              for unit_rule in {b.unit for b in procedure.lanes.values()} if unit_rule not in DOSSIER_UNITS}
    return Routing(competent, routes, outside_area=home.id != centre.id)


def _commune(uow: UnitOfWork, application: dict[str, Any], pointer: str, centre: Unit, field: str) -> Unit:
    unit = uow.units.get(str(resolve_pointer(application, pointer)))
    if unit is None or unit.kind != UnitKind.COMMUNE:
        raise ValidationFailedError("unknown commune", [FieldError(field, "is not a known commune")])
    same_province(centre, unit, field)
    return unit


def _agency(uow: UnitOfWork, kind: str, centre: Unit, commune: Unit | None) -> Unit:
    province = province_of(centre)
    commune_id = commune.id if commune is not None and commune.kind == UnitKind.COMMUNE else None
    try:
        unit = uow.units.get(agency_id(kind, province, commune_id))
    except ValueError as exc:  # a per-commune agency with no commune to go by
        raise ValidationFailedError("no commune to route by", [FieldError("/application", str(exc))]) from exc
    if unit is None:
        raise ValidationFailedError("the agency is not set up", [FieldError(
            "/receiving_unit_id", f"the {kind} agency of province {province} is not loaded")])
    return unit


def same_province(centre: Unit, other: Unit, pointer: str) -> None:
    if province_of(centre) != province_of(other):
        raise ValidationFailedError("the unit is in another province",
                                    [FieldError(pointer, f"is not in the province of {centre.name}")])


def province_of(unit: Unit) -> str:
    return unit.province_id or unit.id


