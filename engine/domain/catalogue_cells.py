"""Reading one cell of a procedure catalogue row (engine.domain.procedure_catalogue): codes, numbers, the
documents and fees lists, step allotments. Each reader returns the manifest's value or raises CellError
saying what is wrong with the cell. Pure Python.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from engine.domain.manifest import AGENCY_KINDS, DOCUMENT_FORMS
from engine.domain.procedure_template import STEPS

__all__ = ["AGENCY_KINDS", "CellError", "allotted_hours", "cross_boundary", "documents", "fees", "one_of",
           "pattern", "whole_number"]

FEE_PER = ("case", "copy", "page")
MAX_ITEMS = 50
_DOCUMENT = re.compile(r"(?P<name>.*?)\s*(?:\[(?P<options>[^\[\]]*)\])?", re.DOTALL)
_FEE = re.compile(r"(?P<name>.+?)\s*=\s*(?P<amount>[0-9][0-9.,]*)\s*(?:/\s*(?P<per>\S+))?", re.DOTALL)
_AMOUNT = re.compile(r"[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]{1,3}(?:,[0-9]{3})+")
_ALLOTMENT = re.compile(r"\s*(?P<step>[a-z_]+)\s*=\s*(?P<hours>[0-9]+)\s*")


class CellError(ValueError):
    """What is wrong with a cell."""


def pattern(value: str, expression: str, what: str) -> str:
    if not re.fullmatch(expression, value):
        raise CellError(f"{value!r} is not {what}")
    return value


def one_of(value: str, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise CellError(f"unknown {what} {value!r}; use one of {', '.join(allowed)}")
    return value


def whole_number(value: str, low: int, high: int) -> int:
    if not re.fullmatch(r"[0-9]{1,3}", value) or not low <= int(value) <= high:
        raise CellError(f"{value!r} is not a whole number from {low} to {high}")
    return int(value)


def cross_boundary(value: str) -> bool:
    if value not in ("0", "1"):
        raise CellError(f"{value!r} is neither 1 (any centre of the province receives it) nor 0")
    return value == "1"


def _items(value: str, what: str) -> list[str]:
    items = [item.strip() for item in value.split(" | ")]
    if any(not item for item in items):
        raise CellError(f"an empty {what} between ' | ' separators")
    if len(items) > MAX_ITEMS:
        raise CellError(f"more than {MAX_ITEMS} {what}s")
    return items


def documents(value: str) -> list[dict[str, Any]]:
    """`name [form, copies(, optional)] | …` → the manifest's documents (English name: the Vietnamese one)."""
    found = []
    for position, item in enumerate(_items(value, "document"), start=1):
        match = _DOCUMENT.fullmatch(item)
        if match is None or not match["name"] or "[" in match["name"] or "]" in match["name"]:
            raise CellError(f"document {position} {item!r} is not 'name' or 'name [form, copies(, optional)]'")
        options = [o.strip() for o in match["options"].split(",")] if match["options"] is not None else []
        if options and not (2 <= len(options) <= 3 and options[1].isdigit() and int(options[1]) >= 1
                            and options[2:] in ([], ["optional"])):
            raise CellError(f"document {position}: [{match['options']}] is not [form, copies] or "
                            "[form, copies, optional] (copies a whole number from 1)")
        if options and options[0] not in DOCUMENT_FORMS:
            raise CellError(f"document {position}: unknown document form {options[0]!r}; use one of "
                            f"{', '.join(DOCUMENT_FORMS)}")
        found.append({"name": {"vi": match["name"], "en": match["name"]},
                      "form": options[0] if options else "original", "copies": int(options[1]) if options else 1,
                      "required": options[2:] != ["optional"]})
    return found


def fees(value: str) -> list[dict[str, Any]]:
    """`name = amount(/ per) | …` → the manifest's fees (amount in VND, `1.000` and `1,000` read as 1000)."""
    found = []
    for position, item in enumerate(_items(value, "fee"), start=1):
        match = _FEE.fullmatch(item)
        if match is None:
            raise CellError(f"fee {position} {item!r} is not 'name = amount' or 'name = amount / per'")
        if not _AMOUNT.fullmatch(match["amount"]):
            raise CellError(f"fee {position}: {match['amount']!r} is not an amount in VND (e.g. 10000 or 10.000)")
        per = match["per"] or "case"
        if per not in FEE_PER:
            raise CellError(f"fee {position}: unknown fee per {per!r}; use one of {', '.join(FEE_PER)}")
        found.append({"name": {"vi": match["name"], "en": match["name"]},
                      "amount_vnd": int(re.sub(r"[.,]", "", match["amount"])), "per": per})
    return found


def allotted_hours(value: str) -> dict[str, int]:
    """`step=hours; …` → hours by step (checked against the path by the template)."""
    found: dict[str, int] = {}
    for part in value.rstrip(";").split(";"):
        match = _ALLOTMENT.fullmatch(part)
        if match is None:
            raise CellError(f"{part.strip()!r} is not step=hours (steps: {', '.join(STEPS)})")
        step, hours = match["step"], int(match["hours"])
        if step not in STEPS:
            raise CellError(f"unknown step {step!r}; use one of {', '.join(STEPS)}")
        if step in found:
            raise CellError(f"step {step!r} is given twice")
        if not 1 <= hours <= 720:
            raise CellError(f"{step}={hours}: hours must be from 1 to 720")
        found[step] = hours
    return found
