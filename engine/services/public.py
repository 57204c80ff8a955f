"""The citizen's look-up by dossier code and the secret printed on the receipt.

Returns the procedure, status, times and a timeline of stages; never a name, ID number, phone or address.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.domain.dossier import EventKind, HistoryEvent
from engine.domain.errors import NotFoundError
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


def look_up(uow: Any, *, catalogue: Catalogue, code: str, secret: str) -> PublicDossier:
    with uow:
        dossier = uow.dossiers.get(code)
        # One answer for an unknown code and a wrong secret, so codes cannot be probed.
        if dossier is None or not hmac.compare_digest(dossier.secret.encode(), secret.upper().encode()):
            raise NotFoundError("no dossier matches this code and secret")
        assert dossier.id is not None
        procedure = catalogue.version(uow.procedures, dossier.procedure_version_id)
        names: dict[str, str | None] = {}

        def unit_name(unit_id: str | None) -> str | None:
            if unit_id and unit_id not in names:
                unit = uow.units.get(unit_id)
                names[unit_id] = unit.name if unit else None
            return names.get(unit_id) if unit_id else None

        timeline = [_stage(e, unit_name) for e in uow.history.of_dossier(dossier.id)]
        return PublicDossier(dossier.code, procedure.code, procedure.name_vi, dossier.status, dossier.received_at,
                             dossier.due_at, dossier.returned_at, timeline)


_LABELS = {
    EventKind.RECEIVED: "Tiếp nhận hồ sơ",
    EventKind.CLOCK_PAUSED: "Chờ thực hiện nghĩa vụ tài chính (tạm dừng tính thời gian giải quyết)",
    EventKind.CLOCK_RESUMED: "Đã thực hiện nghĩa vụ tài chính, tiếp tục giải quyết",
    EventKind.DEADLINE_EXTENDED: "Gia hạn thời gian giải quyết do phải xác minh",
}


def _stage(event: HistoryEvent, unit_name: Any) -> Stage:
    data = event.data
    if event.kind in _LABELS:
        label = _LABELS[event.kind]
    elif event.kind == EventKind.TASK_COMPLETED:
        label = str(data.get("name", data.get("step", "")))
    elif event.kind == EventKind.HANDED_OVER:
        label = f"Chuyển hồ sơ đến {unit_name(data.get('to_unit')) or data.get('to_unit')}"
    else:
        label = DossierStatus(data["status"]).label_vi
    return Stage(event.at, event.kind.value, label, unit_name(event.unit_id))
