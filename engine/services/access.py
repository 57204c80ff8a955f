"""Who may read a dossier: the officers of a unit involved in it (receiving, competent, returning, or
holding one of its steps), and the supervisors of the province whose centre received it. Acting on a
dossier is narrower and is checked by each command (lifecycle, tasks).
"""

from __future__ import annotations

from engine.domain.actor import Actor, Role
from engine.domain.dossier import Dossier
from engine.domain.errors import ForbiddenError, NotFoundError
from engine.domain.ports import UnitOfWork


def readable_dossier(uow: UnitOfWork, actor: Actor, code: str) -> Dossier:
    """The dossier `code` if the actor may read it.

    Raises:
        NotFoundError: there is no such dossier.
        ForbiddenError: the actor's unit has nothing to do with it, and they do not supervise its province.
    """
    dossier: Dossier | None = uow.dossiers.get(code)
    if dossier is None:
        raise NotFoundError(f"dossier {code} does not exist", code="dossier_not_found", dossier=code)
    if not dossier.involves(actor.unit_id) and not _supervises(uow, actor, dossier.receiving_unit_id):
        raise ForbiddenError(f"dossier {code} is not received, handled or returned by your unit",
                             code="dossier_not_yours", dossier=code)
    return dossier


def supervised_centres(uow: UnitOfWork, actor: Actor) -> list[str] | None:
    """The centres of the province a supervisor oversees (their unit is the province), else None."""
    if Role.SUPERVISOR.value not in actor.roles:
        return None
    province = uow.units.get(actor.unit_id)
    if province is None or province.province_id is not None:
        return None
    return [u.id for u in uow.units.list(province_id=province.id) if u.has_centre]


def _supervises(uow: UnitOfWork, actor: Actor, unit_id: str) -> bool:
    if Role.SUPERVISOR.value not in actor.roles:
        return False
    unit = uow.units.get(unit_id)
    return unit is not None and actor.unit_id in (unit.province_id, unit.id)
