"""Signing in and the set-up: the units of the official map with their agencies, loaded idempotently,
and demo officer accounts for one province.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from engine.domain.actor import Actor, Role, hash_password, verify_password
from engine.domain.errors import AuthenticationError
from engine.domain.unit import Unit, UnitKind


@cache
def _dummy_hash() -> str:
    """A hash to check against when the username is unknown, so both failures take the same time."""
    return hash_password("not-a-password")


DEMO_ROLES = {
    UnitKind.COMMUNE: (Role.RECEPTION, Role.SPECIALIST, Role.LEADER),
    UnitKind.AGENCY: (Role.SPECIALIST, Role.LEADER),
    UnitKind.PROVINCE: (Role.SUPERVISOR, Role.ADMIN),
}


def authenticate(uow: Any, *, username: str, password: str) -> Actor:
    with uow:
        found = uow.users.credentials(username)
    stored = found[1] if found else _dummy_hash()
    if not verify_password(password, stored) or found is None:
        raise AuthenticationError("wrong username or password")
    return found[0]


def actor_by_id(uow: Any, user_id: int) -> Actor:
    with uow:
        actor = uow.users.get(user_id)
    if actor is None:
        raise AuthenticationError("the account of this token no longer exists")
    return actor


def load_units(uow: Any, units: Iterable[Unit]) -> int:
    with uow:
        count = uow.units.upsert(units)
        uow.commit()
    return count


def create_demo_accounts(uow: Any, *, password: str, province_id: str) -> list[str]:
    """Demo accounts for one province (username `{role}.{unit id}`): reception, specialist and leader at
    each commune centre, specialist and leader at each agency, supervisor and admin at the province.
    Existing accounts are left alone. Returns the usernames created."""
    created = []
    password_hash = hash_password(password)  # one hash for all: the demo accounts share a password
    with uow:
        for unit in uow.units.list(province_id=province_id):
            for role in DEMO_ROLES[unit.kind]:
                username = f"{role.value}.{unit.id}"
                if not uow.users.exists(username):
                    uow.users.add(username=username, password_hash=password_hash,
                                  display_name=f"{role.value} — {unit.name}", unit_id=unit.id, roles=[role.value])
                    created.append(username)
        uow.commit()
    return created
