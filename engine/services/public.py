"""The citizen's look-up by dossier code and the secret printed on the receipt, and the check both the
look-up and the rating make. Returns the procedure, status, times, a timeline of stages and the rating's
level; never a name, ID number, phone, address or the rating's comment.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.domain.dossier import Dossier, EventKind, HistoryEvent
from engine.domain.dossier_code import typed_secret
from engine.domain.errors import NotFoundError
from engine.domain.lookup_lock import check_not_locked
from engine.domain.ports import UnitOfWork
from engine.domain.rating import SatisfactionLevel, can_rate
from engine.domain.status import DossierStatus
from engine.services.catalogue import Catalogue


@dataclass(frozen=True)
class Stage:
    at: datetime
    kind: str
    label: str
    unit_name: str | None


@dataclass(frozen=True)
class PublicDossier:
    code: str
    procedure_code: str
    procedure_name: str
    status: DossierStatus
    received_at: datetime
    due_at: datetime
    returned_at: datetime | None
    timeline: list[Stage]
    can_rate: bool
    rating: SatisfactionLevel | None
    """Only the level: the comment may name people."""


MAX_CODE = 48
"""The longest dossier code (the column's width): a longer one matches nothing and is not counted."""


def citizen_dossier(uow: UnitOfWork, code: str, secret: str, now: datetime) -> Dossier:
    """The dossier the receipt's code and secret open, inside the caller's unit of work (run it inside
    `counting_failures`); LookupLockedError while the code is locked."""
    check_not_locked(uow.lookup_failures.get(code), now)
    dossier: Dossier | None = uow.dossiers.get(code)
    # One answer for an unknown code and a wrong secret, so codes cannot be probed.
    if dossier is None or not hmac.compare_digest(dossier.secret.encode(), typed_secret(secret).encode()):
        raise NotFoundError("no dossier matches this code and secret")
    return dossier


@contextmanager
def counting_failures(uow: UnitOfWork, code: str, now: datetime) -> Iterator[None]:
    """Around a look-up's unit of work: a wrong secret is counted against the code in a transaction of its
    own, once the look-up's is rolled back."""
    try:
        yield
    except NotFoundError:
        if len(code) <= MAX_CODE:
            with uow:
                uow.lookup_failures.count_failure(code, now)
                uow.commit()
        raise


def look_up(uow: UnitOfWork, *, catalogue: Catalogue, code: str, secret: str,
            clock: Callable[[], datetime]) -> PublicDossier:
    now = clock()
    with counting_failures(uow, code, now), uow:
        dossier = citizen_dossier(uow, code, secret, now)
        assert dossier.id is not None
        procedure = catalogue.version(uow.procedures, dossier.procedure_version_id)
        names: dict[str, str | None] = {}

        def unit_name(unit_id: str | None) -> str | None:
            if unit_id and unit_id not in names:
                unit = uow.units.get(unit_id)
                names[unit_id] = unit.name if unit else None
            return names.get(unit_id) if unit_id else None

        timeline = _timeline(uow.history.of_dossier(dossier.id), unit_name)
        rating = uow.ratings.get_for_dossier(dossier.id)
        return PublicDossier(dossier.code, procedure.code, procedure.name_vi, dossier.status, dossier.received_at,
                             dossier.due_at, dossier.returned_at, timeline, can_rate(dossier.status, rating),
                             rating.level if rating else None)


_LABELS = {
    EventKind.RECEIVED: "Tiếp nhận hồ sơ",
    EventKind.SUPPLEMENTED: "Đã nhận thành phần hồ sơ bổ sung, tiếp tục giải quyết",
}
# Labels that depend on the event's reason or notice kind (never on its text, which may name people).
_BY_DETAIL = {
    (EventKind.CLOCK_PAUSED, "financial_obligation"):
        "Chờ thực hiện nghĩa vụ tài chính (tạm dừng tính thời gian giải quyết)",
    (EventKind.CLOCK_PAUSED, "supplementation"): "Chờ bổ sung hồ sơ (tạm dừng tính thời gian giải quyết)",
    (EventKind.CLOCK_RESUMED, "financial_obligation"): "Đã thực hiện nghĩa vụ tài chính, tiếp tục giải quyết",
    (EventKind.DEADLINE_EXTENDED, "verification"): "Gia hạn thời gian giải quyết do phải xác minh",
    (EventKind.DEADLINE_EXTENDED, "apology"): "Xin lỗi và hẹn lại ngày trả kết quả",
    (EventKind.NOTICE_ISSUED, "supplement_request"): "Yêu cầu bổ sung, hoàn thiện hồ sơ",
    (EventKind.NOTICE_ISSUED, "refusal"): "Từ chối tiếp nhận giải quyết hồ sơ",
    (EventKind.NOTICE_ISSUED, "stop"): "Thông báo dừng giải quyết hồ sơ",
    (EventKind.NOTICE_ISSUED, "withdrawal"): "Rút hồ sơ theo đề nghị của người nộp",
    (EventKind.NOTICE_ISSUED, "apology"): "Văn bản xin lỗi và hẹn lại ngày trả kết quả",
}
# Internal bookkeeping the citizen's timeline leaves out.
_HIDDEN = {EventKind.NEAR_DUE, EventKind.OVERDUE, EventKind.CLOCK_RESUMED, EventKind.TIMER_FIRED}


def _timeline(events: list[HistoryEvent], unit_name: Any) -> list[Stage]:
    return [_stage(e, unit_name) for e in events
            if e.kind not in _HIDDEN or (e.kind, e.data.get("reason")) in _BY_DETAIL]


def _stage(event: HistoryEvent, unit_name: Any) -> Stage:
    data = event.data
    detail = (event.kind, data.get("reason", data.get("notice")))
    if event.kind in _LABELS:
        label = _LABELS[event.kind]
    elif detail in _BY_DETAIL:
        label = _BY_DETAIL[detail]
    elif event.kind == EventKind.TASK_COMPLETED:
        label = str(data.get("name", data.get("step", "")))
    elif event.kind == EventKind.RATED:
        label = f"Đánh giá mức độ hài lòng: {SatisfactionLevel(data['level']).label_vi}"
    elif event.kind == EventKind.HANDED_OVER:
        label = f"Chuyển hồ sơ đến {unit_name(data.get('to_unit')) or data.get('to_unit')}"
    elif "status" in data:
        label = DossierStatus(data["status"]).label_vi
    else:
        label = event.kind.value
    return Stage(event.at, event.kind.value, label, unit_name(event.unit_id))
