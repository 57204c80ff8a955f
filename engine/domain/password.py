"""Password hashing for officers' accounts: Argon2id (argon2-cffi) with OWASP's minimum parameters.

Hashes written by earlier versions (scrypt) still verify and are re-hashed at the next sign-in.
No web or database imports.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# 19 MiB, 2 passes, 1 lane: about 40 ms per check on a 2-core server; slow for guessing, quick at a counter.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password: str, stored: str) -> bool:
    if stored.startswith("scrypt$"):
        return _verify_scrypt(password, stored)
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for a legacy scrypt hash or Argon2 parameters weaker than today's."""
    return stored.startswith("scrypt$") or _HASHER.check_needs_rehash(stored)


@cache
def dummy_hash() -> str:
    """A hash to check against when the username is unknown, so both failures take the same time."""
    return hash_password("not-a-password")


def password_problem(password: str, username: str) -> str | None:
    """Why a new password is too weak (NIST SP 800-63B: length, not composition rules), or None."""
    if len(password) < MIN_LENGTH:
        return f"must have at least {MIN_LENGTH} characters"
    if username.lower() in password.lower():
        return "must not contain the username"
    if len(set(password)) < 4:
        return "must not repeat the same few characters"
    return None


def _verify_scrypt(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)
