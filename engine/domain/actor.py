"""Who is acting: an officer's identity, unit and roles. No web or database imports."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from engine.domain.errors import ForbiddenError


class Role(StrEnum):
    RECEPTION = "reception"
    SPECIALIST = "specialist"
    LEADER = "leader"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    PORTAL = "portal"
    """The national portal's machine client at a province: hands in online dossiers, reads their decisions."""


@dataclass(frozen=True)
class Actor:
    """An authenticated officer. Carries no personal data beyond a display name."""

    user_id: int
    username: str
    unit_id: str
    roles: frozenset[str]
    deputy: bool = False
    """A leader who is the unit's deputy head (phó chủ tịch, phó trưởng): signs "KT." for the head."""

    def has(self, role: str, unit_id: str) -> bool:
        return role in self.roles and unit_id == self.unit_id

    def require(self, role: str, unit_id: str) -> None:
        if role not in self.roles:
            raise ForbiddenError(f"this action needs the role '{role}'", code="role_required", role=role)
        if unit_id != self.unit_id:
            raise ForbiddenError(f"this action belongs to unit {unit_id}, not to your unit {self.unit_id}",
                                 code="other_unit")


@dataclass(frozen=True)
class Account:
    """An officer's account as an admin manages it: no password hash."""

    username: str
    display_name: str
    unit_id: str
    roles: tuple[str, ...]
    disabled: bool
    deputy: bool = False
    user_id: int | None = None
    """Its id (an officer's steps name their holder by it); None for an account not stored yet."""
