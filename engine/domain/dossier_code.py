"""The dossier's code and the look-up secret printed on its receipt.

A code is `{prefix}-{YYMMDD}-{NNNN}`, NNNN the receiving centre's daily sequence and the prefix its electronic
identifier (`000.00.00.H57-250714-0001`, Circular 01/2018 Art. 19) or, for a centre without one and for every
dossier received before it had one, its unit id (`19768-250714-0001`). The secret is what a citizen types back
from the receipt; it is shown grouped and read without separators.
"""

from __future__ import annotations

import re
import secrets
from datetime import date

from engine.domain.unit import AGENCY_CODE

DOSSIER_CODE = re.compile(rf"(?:{AGENCY_CODE.pattern}|[0-9A-Za-z]{{1,32}})-\d{{6}}-\d{{4}}")
"""Either form of a code; a code is at most 48 characters (the column's width)."""

# Unambiguous letters and digits for the secret printed on the receipt (no 0/O, 1/I/L).
_SECRET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def format_dossier_code(prefix: str, day: date, sequence: int) -> str:
    """The code of the `sequence`th dossier received on `day` by the centre whose `Unit.dossier_code_prefix`
    is `prefix`."""
    if not 1 <= sequence <= 9999:
        raise ValueError(f"the daily sequence of unit {prefix} is exhausted ({sequence})")
    return f"{prefix}-{day:%y%m%d}-{sequence:04d}"


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
