"""Logs never carry personal data: every log record, from any library (werkzeug's and gunicorn's request
lines included), has citizens' ID numbers, phone numbers, look-up secrets and officers' search texts (`q`)
masked when it is made.

Masking at record creation rather than in a handler catches records whatever handler prints them.
"""

from __future__ import annotations

import logging
import re
from typing import Any

# A citizen ID (CCCD, 12 digits) or an old ID card (CMND, 9 digits); a phone (0 or +84, then 9 digits);
# the receipt's secret in a query string or form. Dossier codes and dates have shorter runs of digits.
_PATTERNS = (
    (re.compile(r"(?<![\d])(?:\+?84|0)\d{9}(?![\d])"), "[phone]"),
    (re.compile(r"(?<![\d])\d{12}(?![\d])|(?<![\d])\d{9}(?![\d])"), "[id-number]"),
    (re.compile(r"(secret=)[^&\s\"']+", re.IGNORECASE), r"\1[secret]"),
    # An officer's search (GET /api/v1/dossiers?q=…, and the pages that pass it on): a name, an ID number or a
    # phone, percent-encoded or not, spaces in it too; the audit table keeps it, the logs never.
    (re.compile(r"(?<![\w.%-])(q=).*?(?=[&\"'\n]|\s+HTTP/|$)", re.IGNORECASE), r"\1[search]"),
)


def mask(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def install() -> None:
    """Wrap the process's log record factory once (idempotent: apps made in tests share the process)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_personal_data", False):
        return

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed log call; keep it as it is rather than lose it
            return record
        record.msg, record.args = mask(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
        return record

    masked_record.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked_record)
