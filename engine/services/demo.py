"""What the demo commands (api/cli.py: setup-demo, simulate) ask before they act: whether a province's
demo is set up, and whether its centres have received anything yet. No Flask here.
"""

from __future__ import annotations

from engine.domain.ports import UnitOfWork
from engine.domain.unit import UnitKind


def is_set_up(uow: UnitOfWork, *, province: int) -> bool:
    """The province's demo accounts exist (its admin is created with the others)."""
    with uow:
        return uow.users.exists(f"admin.{province:02d}")


def has_dossiers(uow: UnitOfWork, *, province: int) -> bool:
    """Some commune centre of the province has received a dossier."""
    with uow:
        communes = uow.units.list(province_id=f"{province:02d}", kind=UnitKind.COMMUNE.value)
        return any(uow.dossiers.list(unit_id=u.id, status=None, limit=1, offset=0)[1] for u in communes)
