"""What an officer types into the counter's form, read the way a Vietnamese officer means it: dates as
day/month/year whatever the browser's language, communes by their name. The browser's counter.js does the
same to help; these are final. No Flask here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/.\-\s](\d{1,2})[/.\-\s](\d{4})")
_DIGITS = re.compile(r"(\d{2})(\d{2})(\d{4})")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_KIND = re.compile(r"^(phuong|xa|dac khu|thi tran)\s+")
UNIT_ID = re.compile(r"\d{5}")


def iso_date(raw: str) -> str | None:
    """The ISO date (`2025-07-02`) that `raw` means, day first: 2/7/2025, 02/07/2025, 2-7-2025, 2.7.2025,
    02072025, or already ISO; None when it names no date (31/02/2025, 2/7/25, letters)."""
    text = raw.strip()
    if _ISO.fullmatch(text):
        parts = (int(text[8:10]), int(text[5:7]), int(text[:4]))
    elif found := _DAY_MONTH_YEAR.fullmatch(text) or _DIGITS.fullmatch(text):
        parts = (int(found.group(1)), int(found.group(2)), int(found.group(3)))
    else:
        return None
    day, month, year = parts
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def shown_date(value: object) -> str:
    """An ISO date as the officer reads and types it (dd/mm/yyyy); anything else as it was typed."""
    if isinstance(value, str) and _ISO.fullmatch(value):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return "" if value is None else str(value)


def plain(text: str) -> str:
    """Lower case, without accents (đ as d) and extra spaces: "Phường Vỹ Dạ" and "phuong vy da" compare equal."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def unit_id_of(raw: str, names: Mapping[str, str]) -> str:
    """The id of the unit `raw` names (id → name in `names`): its id as typed, its name with or without
    accents, with or without its kind ("Vỹ Dạ" for "Phường Vỹ Dạ") when that names one unit; otherwise `raw`
    unchanged, for the form's own rules to refuse."""
    text = raw.strip()
    if UNIT_ID.fullmatch(text):
        return text
    wanted = plain(text)
    found = {unit_id for unit_id, name in names.items() if wanted in (plain(name), _KIND.sub("", plain(name)))}
    return found.pop() if len(found) == 1 else raw
