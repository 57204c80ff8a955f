"""Fees (lệ phí) a dossier owes, from the manifest's fee entries and the application.

A per-page fee may drop from a given page on and be capped per copy, as the certified-copy fee is:
2,000 VND a page, 1,000 VND a page from page 3, at most 200,000 VND a copy (Circular 226/2016/TT-BTC).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def fee_vnd(fees: Iterable[dict[str, Any]], lookup: Callable[[str], Any]) -> int:
    """Total of the fee entries; `lookup` resolves their `pages` / `copies` pointers in the application."""
    return sum(_entry(fee, lookup) for fee in fees)


def _entry(fee: dict[str, Any], lookup: Callable[[str], Any]) -> int:
    copies = _count(lookup, fee.get("copies"))
    if fee["per"] == "case":
        return int(fee["amount_vnd"])
    if fee["per"] == "copy":
        return int(fee["amount_vnd"]) * copies
    pages = _count(lookup, fee.get("pages"))
    from_page = fee.get("from_page", pages + 1)
    full = min(pages, from_page - 1)
    per_copy = full * fee["amount_vnd"] + (pages - full) * fee.get("amount_from_page_vnd", fee["amount_vnd"])
    if "max_vnd_per_copy" in fee:
        per_copy = min(per_copy, fee["max_vnd_per_copy"])
    return int(per_copy) * copies


def _count(lookup: Callable[[str], Any], pointer: str | None) -> int:
    value = lookup(pointer) if pointer else 1
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1
