"""Fees from manifest entries: per case, per copy, and the certified-copy page rule with its cap."""

from __future__ import annotations

from typing import Any

import pytest

from engine.domain.fees import fee_vnd

PAGE_RULE = {"name": {}, "amount_vnd": 2000, "per": "page", "from_page": 3, "amount_from_page_vnd": 1000,
             "max_vnd_per_copy": 200_000, "pages": "/pages", "copies": "/copies"}


def _fee(entry: dict[str, Any], **application: Any) -> int:
    return fee_vnd([entry], lambda pointer: application.get(pointer.strip("/")))


@pytest.mark.parametrize("pages, copies, expected", [
    (1, 1, 2000),
    (2, 1, 4000),
    (3, 1, 5000),              # the third page costs 1,000
    (10, 2, 2 * 12_000),       # 4,000 + 8 × 1,000 per copy
    (500, 1, 200_000),         # capped per copy
    (500, 3, 600_000),
])
def test_certified_copy_page_rule(pages: int, copies: int, expected: int) -> None:
    assert _fee(PAGE_RULE, pages=pages, copies=copies) == expected


def test_case_and_copy_fees() -> None:
    assert _fee({"amount_vnd": 10_000, "per": "case"}, copies=4) == 10_000
    assert _fee({"amount_vnd": 8_000, "per": "copy", "copies": "/copies"}, copies=3) == 24_000
    assert fee_vnd([], lambda p: None) == 0


def test_missing_or_nonsense_counts_count_as_one() -> None:
    assert _fee(PAGE_RULE) == 2000
    assert _fee(PAGE_RULE, pages=True, copies=-3) == 2000
