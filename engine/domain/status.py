"""Dossier status values with their national (DVCQG TrangThaiHoSo) codes 1–10.

Codes only: the words are the pages' and the API's (gettext catalogues, api/pages/i18n.py) and, on legal
slips, the slip layer's (engine/adapters/printing.py), which print Vietnamese whatever the page's language."""

from __future__ import annotations

from enum import StrEnum


class DossierStatus(StrEnum):
    """The canonical external status of a dossier (DESIGN.md, DOMAIN.md §4.1)."""

    SUBMITTED = "submitted"
    RECEIVED = "received"
    REFUSED = "refused"
    PROCESSING = "processing"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    AWAITING_PAYMENT = "awaiting_payment"
    WITHDRAWN = "withdrawn"
    STOPPED = "stopped"
    RESULT_READY = "result_ready"
    RETURNED = "returned"

    @property
    def national_code(self) -> int:
        return _NATIONAL_CODES[self]

    @property
    def is_final(self) -> bool:
        return self in {DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED,
                        DossierStatus.RETURNED}


_NATIONAL_CODES = {status: code for code, status in enumerate(DossierStatus, start=1)}
