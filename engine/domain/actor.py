"""Who is acting: an officer's identity, unit and roles, and the password hashing for accounts.

Pure Python (hashlib's scrypt); no web or database imports.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from engine.domain.errors import ForbiddenError


class Role(StrEnum):
    RECEPTION = "reception"
    SPECIALIST = "specialist"
    LEADER = "leader"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    """An authenticated officer. Carries no personal data beyond a display name."""

    user_id: int
    username: str
    unit_id: str
    roles: frozenset[str]

    def has(self, role: str, unit_id: str) -> bool:
        return role in self.roles and unit_id == self.unit_id

    def require(self, role: str, unit_id: str) -> None:
        if role not in self.roles:
            raise ForbiddenError(f"this action needs the role '{role}'")
        if unit_id != self.unit_id:
            raise ForbiddenError(f"this action belongs to unit {unit_id}, not to your unit {self.unit_id}")


# scrypt parameters: ~16 MiB and a few tens of ms per check; slow enough for guessing, fast at a counter.
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate.hex(), digest)
