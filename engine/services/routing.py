"""Where a dossier goes: its competent unit from the manifest's rule, and the unit of every lane.

Routes are resolved once, at reception, and stored on the dossier, so a dossier never changes hands
because the map or a manifest changed later. Errors point at the application field to correct.
"""

from __future__ import annotations

from collections.abc import Collection
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
    remote: bool = False
    """The competent unit is in another province, whose deployment handles the dossier (engine/domain/exchange.py);
    the agency lanes are that province's too."""

    @property
    def province(self) -> str:
        """The province whose units handle the dossier."""
        return province_of(self.competent)


def decided_in_workflow(procedure: ProcedureVersion) -> bool:
    """Whether the competent unit comes from the process data (a DMN decision), known only once it runs."""
    return bool(procedure.competence_rule["rule"] == "decision")


def route(uow: UnitOfWork, procedure: ProcedureVersion, application: dict[str, Any], centre: Unit,
          decided: Any = None, *, exchange_peers: Collection[str] = ()) -> Routing:
    """Resolve the competent unit and the agency lanes for a dossier received at `centre`.

    `decided` is the value a DMN decision put in the process data, for the `decision` rule. A commune of
    another province is competent only for a procedure handled across provinces (`cross_province`) when that
    province is among `exchange_peers` (the deployments registered for the exchange): the dossier is then
    `remote`, and its agency lanes are resolved in that province."""
    field = "/application" + procedure.competence_rule.get("pointer", "")
    commune = _commune(uow, procedure, application, field)
    province = province_of(commune) if commune is not None else province_of(centre)
    if province != province_of(centre):
        _check_exchangeable(procedure, province, exchange_peers, field)
    competent = _competent(uow, procedure, centre, commune, province, decided, field)
    home = commune or (competent if competent.kind == UnitKind.COMMUNE else centre)
    if not procedure.cross_boundary and home.id != centre.id:
        raise ValidationFailedError(
            f"procedure {procedure.code} is received only at the centre of {home.name}",
            [FieldError(field, f"is handled by {home.name}; receive the dossier there")])
    return Routing(competent, _routes(uow, procedure, province, home), outside_area=home.id != centre.id,
                   remote=province_of(competent) != province_of(centre))


def route_handled(uow: UnitOfWork, procedure: ProcedureVersion, application: dict[str, Any], province: str,
                  receiving: Unit, decided: Any = None, *, pointer: str = "/application") -> Routing:
    """At the handler's deployment: the competent unit and agency lanes of a dossier another province received
    at `receiving`, resolved in this deployment's `province` by the procedure's own rule; a competent unit
    outside it is refused (the sender's map and ours disagree: nothing here may handle it)."""
    field = pointer + procedure.competence_rule.get("pointer", "")
    commune = _commune(uow, procedure, application, field)
    competent = _competent(uow, procedure, receiving, commune, province, decided, field)
    if province_of(competent) != province:
        raise ValidationFailedError(f"the competent unit {competent.id} is not in province {province}",
                                    [FieldError(field, f"is not a unit of province {province}")],
                                    code="unit_not_handled_here")
    home = commune or (competent if competent.kind == UnitKind.COMMUNE else receiving)
    return Routing(competent, _routes(uow, procedure, province, home), outside_area=True, remote=False)


def _competent(uow: UnitOfWork, procedure: ProcedureVersion, centre: Unit, commune: Unit | None, province: str,
               decided: Any, field: str) -> Unit:
    rule = procedure.competence_rule
    if rule["rule"] == "receiving_unit":
        return centre
    if rule["rule"] == "applicant_residence":
        assert commune is not None
        return commune
    kind = rule["agency"] if rule["rule"] == "agency" else decided
    if kind != "commune" and kind not in AGENCY_KINDS:
        raise ValidationFailedError("the decision named no competent unit",
                                    [FieldError(field, f"leads to {kind!r}, which is not a unit kind")])
    if kind == "commune":
        assert commune is not None
        return commune
    return _agency(uow, kind, province, commune)


def _routes(uow: UnitOfWork, procedure: ProcedureVersion, province: str, home: Unit) -> dict[str, str]:
    return {unit_rule: _agency(uow, unit_rule.removeprefix("agency:"), province, home).id
            for unit_rule in {b.unit for b in procedure.lanes.values()} if unit_rule not in DOSSIER_UNITS}


def _check_exchangeable(procedure: ProcedureVersion, province: str, exchange_peers: Collection[str],
                        field: str) -> None:
    """A commune of another province: allowed only when the procedure crosses provinces and that province's
    deployment is registered for the exchange."""
    if not procedure.cross_province:
        raise ValidationFailedError(
            f"procedure {procedure.code} is not handled across provinces",
            [FieldError(field, f"is in province {province}; procedure {procedure.code} is not handled across "
                               "provinces")], code="not_cross_province", province=province)
    if province not in exchange_peers:
        raise ValidationFailedError(
            f"province {province} has no deployment registered for the exchange",
            [FieldError(field, f"is in province {province}, which has no deployment registered for the exchange")],
            code="no_exchange_peer", province=province)


def _commune(uow: UnitOfWork, procedure: ProcedureVersion, application: dict[str, Any], field: str) -> Unit | None:
    """The commune the rule's pointer names in the application, if the rule has a pointer."""
    pointer = procedure.competence_rule.get("pointer")
    if pointer is None:
        return None
    unit = uow.units.get(str(resolve_pointer(application, pointer)))
    if unit is None or unit.kind != UnitKind.COMMUNE:
        raise ValidationFailedError("unknown commune", [FieldError(field, "is not a known commune")])
    return unit


def _agency(uow: UnitOfWork, kind: str, province: str, commune: Unit | None) -> Unit:
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


