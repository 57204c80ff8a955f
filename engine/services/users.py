"""Managing officers' accounts: create, disable and enable, list. The CLI calls these with no actor
(whoever runs it owns the server); the API passes the admin, who manages the units of their province.

Disabling an account revokes its tokens and sessions in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from engine.domain.actor import Account, Actor, Role
from engine.domain.errors import ConflictError, FieldError, ForbiddenError, NotFoundError, ValidationFailedError
from engine.domain.password import hash_password, password_problem
from engine.domain.ports import UnitOfWork
from engine.domain.unit import Unit, UnitKind

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
# Where each role can sit: a counter needs a centre; oversight and administration sit at the province.
ROLE_UNITS = {
    Role.RECEPTION: {UnitKind.COMMUNE, UnitKind.PROVINCE},
    Role.SPECIALIST: {UnitKind.COMMUNE, UnitKind.AGENCY, UnitKind.PROVINCE},
    Role.LEADER: {UnitKind.COMMUNE, UnitKind.AGENCY, UnitKind.PROVINCE},
    Role.SUPERVISOR: {UnitKind.PROVINCE},
    Role.ADMIN: {UnitKind.PROVINCE},
    Role.PORTAL: {UnitKind.PROVINCE},
}


def create(uow: UnitOfWork, *, username: str, password: str, display_name: str, unit_id: str, roles: Sequence[str],
           by: Actor | None = None, deputy: bool = False) -> Account:
    """Create an enabled account; `deputy` makes a leader the unit's deputy head, who signs "KT." for the head.

    Raises:
        ValidationFailedError: a field is unusable (each problem names its field).
        ForbiddenError: `by` is not an admin of the unit's province.
        ConflictError: the username is taken.
    """
    with uow:
        unit = uow.units.get(unit_id)
        if by is not None:
            _require_admin_of(uow, by, unit)
        _check_new_account(username, password, display_name, unit, roles, deputy)
        if uow.users.exists(username):
            raise ConflictError(f"the username {username} is taken")
        uow.users.add(username=username, password_hash=hash_password(password), display_name=display_name.strip(),
                      unit_id=unit_id, roles=sorted(set(roles)), deputy=deputy)
        uow.commit()
        account = uow.users.account(username)
    assert account is not None, "the account was just stored"
    return account


def set_disabled(uow: UnitOfWork, *, username: str, disabled: bool, now: datetime, by: Actor | None = None) -> Account:
    """Disable an account (its tokens and sessions stop working at once) or enable it again."""
    with uow:
        account = uow.users.account(username)
        if account is None:
            raise NotFoundError(f"there is no account {username}")
        if by is not None:
            _require_admin_of(uow, by, uow.units.get(account.unit_id))
            if disabled and by.username == username:
                raise ConflictError("you cannot disable your own account")
        user_id = uow.users.set_disabled(username, now if disabled else None)
        if disabled and user_id is not None:
            uow.tokens.revoke_all(user_id, now)
        uow.commit()
        updated = uow.users.account(username)
    assert updated is not None, "the account was read in this transaction"
    return updated


def accounts(uow: UnitOfWork, *, by: Actor | None = None, unit_id: str | None = None) -> list[Account]:
    """Accounts of one unit, or of every unit in the admin's province (all accounts for the CLI)."""
    with uow:
        if unit_id is not None:
            unit = uow.units.get(unit_id)
            if unit is None:
                raise NotFoundError(f"there is no unit {unit_id}")
            if by is not None:
                _require_admin_of(uow, by, unit)
            return list(uow.users.accounts([unit_id]))
        if by is None:
            return list(uow.users.accounts())
        _require_admin_of(uow, by, uow.units.get(by.unit_id))
        return list(uow.users.accounts([u.id for u in uow.units.list(province_id=by.unit_id)]))


def _require_admin_of(uow: UnitOfWork, actor: Actor, unit: Unit | None) -> None:
    if Role.ADMIN.value not in actor.roles:
        raise ForbiddenError("managing accounts needs the role 'admin'")
    if unit is not None and actor.unit_id not in (unit.id, unit.province_id):
        raise ForbiddenError(f"unit {unit.id} is not in your province {actor.unit_id}")


def _check_new_account(username: str, password: str, display_name: str, unit: Unit | None,
                       roles: Sequence[str], deputy: bool = False) -> None:
    errors = []
    if not USERNAME.fullmatch(username):
        errors.append(FieldError("/username", "must be 3 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter "
                                              "or digit"))
    if (problem := password_problem(password, username)) is not None:
        errors.append(FieldError("/password", problem))
    if not display_name.strip() or len(display_name) > 100:
        errors.append(FieldError("/display_name", "must have 1 to 100 characters"))
    if unit is None:
        errors.append(FieldError("/unit_id", "there is no such unit"))
    if not roles:
        errors.append(FieldError("/roles", "must name at least one role"))
    for index, role in enumerate(roles):
        if role not in {r.value for r in Role}:
            errors.append(FieldError(f"/roles/{index}", f"must be one of {', '.join(r.value for r in Role)}"))
        elif unit is not None and unit.kind not in ROLE_UNITS[Role(role)]:
            errors.append(FieldError(f"/roles/{index}", f"a {role} cannot sit at a {unit.kind.value} unit"))
    if deputy and Role.LEADER.value not in roles:
        errors.append(FieldError("/deputy", "only a leader can be the unit's deputy head"))
    if Role.PORTAL.value in roles and len(set(roles)) > 1:
        errors.append(FieldError("/roles", "the portal's machine client holds no officer role"))
    if errors:
        raise ValidationFailedError("the account cannot be created", errors)
