"""The dossier's code and the look-up secret printed on its receipt.

A code is `{unit id}-{YYMMDD}-{NNNN}`: the receiving centre's daily sequence. The secret is what a
citizen types back from the receipt; it is shown grouped and read without separators.
"""

from __future__ import annotations

import secrets
from datetime import date

# Unambiguous letters and digits for the secret printed on the receipt (no 0/O, 1/I/L).
_SECRET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def format_dossier_code(unit_id: str, day: date, sequence: int) -> str:
    if not 1 <= sequence <= 9999:
        raise ValueError(f"the daily sequence of unit {unit_id} is exhausted ({sequence})")
    return f"{unit_id}-{day:%y%m%d}-{sequence:04d}"


SECRET_LENGTH = 10
"""Ten of 31 characters: 49 bits (the first dossiers had four: those keep working)."""
_SECRET_GROUP = 5
_SEPARATORS = str.maketrans("", "", " -.\t")


def new_lookup_secret() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(SECRET_LENGTH))


def grouped_secret(secret: str) -> str:
    """The secret as printed and shown, in groups of five a citizen can read back: `K7M4Q-X9TRB`."""
    return "-".join(secret[i:i + _SECRET_GROUP] for i in range(0, len(secret), _SECRET_GROUP))


def typed_secret(text: str) -> str:
    """What a citizen typed, as stored: without spaces or dashes, in capitals."""
    return text.translate(_SEPARATORS).upper()
