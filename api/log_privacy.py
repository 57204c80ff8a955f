"""Logs never carry personal data: every log record, from any library (werkzeug's and gunicorn's request
lines included), has citizens' ID numbers, phone numbers, e-mail addresses, look-up secrets and officers'
search texts (`q`) masked when it is made.

Masking at record creation rather than in a handler catches records whatever handler prints them.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from engine.domain.outbox import without_personal_data

# Beyond e-mail addresses, phones and ID numbers (engine/domain/outbox.without_personal_data, which the outbox's
# stored errors share): the receipt's secret in a query string or form.
_PATTERNS = (
    (re.compile(r"(secret=)[^&\s\"']+", re.IGNORECASE), r"\1[secret]"),
    # An officer's search (GET /api/v1/dossiers?q=…, and the pages that pass it on): a name, an ID number or a
    # phone, percent-encoded or not, spaces in it too; the audit table keeps it, the logs never.
    (re.compile(r"(?<![\w.%-])(q=).*?(?=[&\"'\n]|\s+HTTP/|$)", re.IGNORECASE), r"\1[search]"),
)


def mask(text: str) -> str:
    text = without_personal_data(text)
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
