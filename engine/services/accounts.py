"""Signing in and out: passwords checked, access tokens issued, resolved and revoked; and the set-up:
the units of the official map, loaded idempotently, their electronic identifiers from a province's list, and
demo officer accounts for one province.

A token is a random value shown to its holder once; the database keeps only its SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from engine.domain.actor import Actor, Role
from engine.domain.errors import AuthenticationError, FieldError, ValidationFailedError
from engine.domain.password import dummy_hash, hash_password, needs_rehash, verify_password
from engine.domain.ports import UnitOfWork
from engine.domain.unit import AgencyCodeRow, Unit, UnitKind, agency_code_problems


class TokenKind(StrEnum):
    BEARER = "bearer"
    SESSION = "session"


DEMO_ROLES = {
    UnitKind.COMMUNE: (Role.RECEPTION, Role.SPECIALIST, Role.LEADER),
    UnitKind.AGENCY: (Role.SPECIALIST, Role.LEADER),
    UnitKind.PROVINCE: (Role.SUPERVISOR, Role.ADMIN, Role.PORTAL),
}


def authenticate(uow: UnitOfWork, *, username: str, password: str) -> Actor:
    """The enabled account with this username and password; a stale hash is upgraded on the way."""
    with uow:
        found = uow.users.credentials(username)
    stored = found[1] if found else dummy_hash()  # unknown names cost the same time as wrong passwords
    if not verify_password(password, stored) or found is None:
        raise AuthenticationError("wrong username or password", code="wrong_credentials")
    if needs_rehash(stored):
        with uow:
            uow.users.set_password_hash(found[0].user_id, hash_password(password))
            uow.commit()
    return found[0]


def sign_in(uow: UnitOfWork, *, username: str, password: str, kind: TokenKind, now: datetime,
            max_age: int) -> tuple[Actor, str]:
    """Check the password and issue a token valid for `max_age` seconds; returns the officer and the token."""
    actor = authenticate(uow, username=username, password=password)
    if kind == TokenKind.SESSION and Role.PORTAL.value in actor.roles:
        raise AuthenticationError("the portal's machine client signs in to the API, not to the pages")
    token = secrets.token_urlsafe(32)
    with uow:
        uow.tokens.prune(actor.user_id, now)
        uow.tokens.add(digest=_digest(token), user_id=actor.user_id, kind=kind.value, issued_at=now,
                       expires_at=now + timedelta(seconds=max_age))
        uow.commit()
    return actor, token


def actor_of(uow: UnitOfWork, *, token: str, now: datetime) -> Actor:
    """The officer behind a live token, or AuthenticationError."""
    with uow:
        actor = uow.tokens.actor(_digest(token), now)
    if actor is None:
        raise AuthenticationError("the token is not valid, has expired or was revoked; sign in again")
    return actor


def sign_out(uow: UnitOfWork, *, token: str, now: datetime) -> None:
    """Revoke the token at once (idempotent: an already revoked token stays revoked)."""
    with uow:
        uow.tokens.revoke(_digest(token), now)
        uow.commit()


def _digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash suffices: there is nothing to guess.
    return hashlib.sha256(token.encode()).hexdigest()


def load_units(uow: UnitOfWork, units: Iterable[Unit]) -> int:
    """Insert or refresh the units of the map; identifiers loaded before stay (idempotent)."""
    with uow:
        count = uow.units.upsert(units)
        uow.commit()
    return count


def load_unit_codes(uow: UnitOfWork, rows: Iterable[AgencyCodeRow]) -> int:
    """Give units the electronic identifiers of a province's list, all or none: a malformed identifier, an
    unknown unit, a unit or identifier given twice, or one another unit holds refuses the whole list, every
    problem named by its line (`/lines/<n>`). Loading the same list again changes nothing. Returns how many
    units the list names."""
    rows = list(rows)
    with uow:
        problems = agency_code_problems(rows, uow.units.agency_codes())
        if problems:
            raise ValidationFailedError(f"the list of identifiers has {len(problems)} problem(s); nothing loaded",
                                        [FieldError(f"/lines/{line}", message) for line, message in problems],
                                        code="unit_codes_invalid")
        uow.units.set_agency_codes({row.unit_id: row.agency_code for row in rows})
        uow.commit()
    return len(rows)


def create_demo_accounts(uow: UnitOfWork, *, password: str, province_id: str) -> list[str]:
    """Demo accounts for one province (username `{role}.{unit id}`): reception, specialist and leader at
    each commune centre, specialist and leader at each agency, supervisor, admin and the portal's machine
    client at the province. Existing accounts are left alone. Returns the usernames created."""
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
