"""Written notices a dossier receives during its life: what the official slips print.

A guidance to complete and a refusal of reception (on a submission, engine/domain/submission.py), a
supplementation request (one complete list, Decree 118), a stop notice, a withdrawal and
an apology with a new appointment. Notices live on the dossier row, not in the history log, because
their reasons and item lists may name people; the history only says that notice N was issued.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any


class NoticeKind(StrEnum):
    GUIDANCE = "guidance"  # before reception: guidance to complete a submission (Mẫu 02)
    SUPPLEMENT_REQUEST = "supplement_request"  # after reception, by the handling unit (Mẫu 02)
    REFUSAL = "refusal"
    STOP = "stop"
    WITHDRAWAL = "withdrawal"
    APOLOGY = "apology"


@dataclass(frozen=True)
class MissingItem:
    """One dossier component to bring (a row of the supplementation slip's table)."""

    name: str
    form: str = "original"
    copies: int = 1


@dataclass
class Notice:
    kind: NoticeKind
    number: int
    """Position among the dossier's notices of this kind, from 1 (the supplementation round)."""
    issued_at: datetime
    unit_id: str
    officer_id: int | None
    """None when the engine issued it (supplementation expired)."""
    reasons: str
    items: list[MissingItem] = field(default_factory=list)
    reply_by: datetime | None = None
    """Supplementation: the applicant must bring the items by then, else handling stops (status 8)."""
    answered_at: datetime | None = None
    """Supplementation: when the items arrived."""
    answered_by: int | None = None
    answer_note: str = ""
    due_before: datetime | None = None
    due_after: datetime | None = None
    """Appointment before and after this notice (apology; supplementation once answered)."""
    officer_role: str | None = None
    """The role the officer acted in (`leader`, `specialist`, `reception`): who signs the slip for the unit
    (engine/domain/slip.py `signature`). None when the engine issued it, and on notices from before it was kept."""
    officer_deputy: bool = False
    """The leader who wrote it was the unit's deputy head, who signs "KT." for the head."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif f.name == "items":
                value = [vars(item) | {} for item in value]
            out[f.name] = value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Notice:
        values = dict(data)
        values["kind"] = NoticeKind(values["kind"])
        values["items"] = [MissingItem(**item) for item in values.get("items", [])]
        for name in ("issued_at", "reply_by", "answered_at", "due_before", "due_after"):
            if values.get(name):
                values[name] = datetime.fromisoformat(values[name])
        return cls(**values)
