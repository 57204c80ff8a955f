"""Dossier status values with their national (DVCQG TrangThaiHoSo) codes 1–10."""

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
    def label_vi(self) -> str:
        return _LABELS_VI[self]

    @property
    def is_final(self) -> bool:
        return self in {DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED,
                        DossierStatus.RETURNED}


_NATIONAL_CODES = {status: code for code, status in enumerate(DossierStatus, start=1)}

_LABELS_VI = {
    DossierStatus.SUBMITTED: "Mới đăng ký",
    DossierStatus.RECEIVED: "Được tiếp nhận",
    DossierStatus.REFUSED: "Không được tiếp nhận",
    DossierStatus.PROCESSING: "Đang xử lý",
    DossierStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
    DossierStatus.AWAITING_PAYMENT: "Yêu cầu thực hiện nghĩa vụ tài chính",
    DossierStatus.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    DossierStatus.STOPPED: "Dừng xử lý",
    DossierStatus.RESULT_READY: "Đã xử lý xong",
    DossierStatus.RETURNED: "Đã trả kết quả",
}
