"""The rows of the processing control sheet (Mẫu 06): one per hand-over between units, then the return
to the applicant, each judged against the allotment of the step the giving unit just finished.

Built from the dossier's tasks and history only; reads nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from engine.adapters.printing import timeliness_words
from engine.domain.calendar import WorkingCalendar
from engine.domain.dossier import Dossier, EventKind, HistoryEvent
from engine.domain.task import Task, TaskStatus
from engine.domain.timeliness import Timeliness, of_dossier, of_step

APPLICANT = "Tổ chức, cá nhân"
_STATE = {TaskStatus.COMPLETED: "đã xử lý", TaskStatus.READY: "đang xử lý", TaskStatus.CANCELLED: "không thực hiện",
          TaskStatus.SENT_BACK: "trả lại"}


@dataclass(frozen=True)
class HandOver:
    """One row: who gave the dossier to whom and when, and whether the giver kept its step's time."""

    giver_unit: str
    giver: str | None
    receiver_unit: str
    receiver: str | None
    at: datetime
    result: str | None
    """Trước hạn, Đúng hạn or Quá hạn; None for a step with no allotment."""
    note: str
    to_applicant: bool = False
    """The last row: the result handed to the applicant, who signs on the receipt instead."""


def result_label(timeliness: Timeliness | None) -> str | None:
    """The control sheet's words: late and overdue are both "Quá hạn"."""
    if timeliness is None:
        return None
    return timeliness_words(Timeliness.OVERDUE if timeliness == Timeliness.LATE else timeliness)


def hand_overs(dossier: Dossier, tasks: list[Task], history: list[HistoryEvent], *,
               unit_name: Callable[[str], str], officer: Callable[[int | None], str | None],
               now: datetime, calendar: WorkingCalendar) -> list[HandOver]:
    """The sheet's rows in time order. A row's result is the worst of the steps the giving unit finished
    since the dossier last reached it, each against its own allotment; the return row's is the dossier's.

    Args:
        dossier: the dossier.
        tasks: its steps (the task index), any order.
        history: its events in order.
        unit_name: a unit's name by id.
        officer: an officer's display name by user id.
        now: the printing time, for steps still open.
        calendar: the working calendar the allotments count in.
    """
    rows, arrived = [], {dossier.receiving_unit_id: dossier.received_at}
    for event in (e for e in history if e.kind in (EventKind.HANDED_OVER, EventKind.TASK_SENT_BACK)):
        giver_unit, receiver_unit = str(event.data.get("from_unit")), str(event.data.get("to_unit"))
        if event.kind == EventKind.TASK_SENT_BACK:
            arrived[receiver_unit] = event.at
            rows.append(_sent_back(event, tasks, unit_name, officer, now, calendar))
            continue
        done = _finished(tasks, giver_unit, arrived.get(giver_unit, dossier.received_at), event.at)
        taken = next((t for t in tasks if t.unit_id == receiver_unit and t.step == event.data.get("step")
                      and t.created_at >= event.at), None)
        arrived[receiver_unit] = event.at
        rows.append(HandOver(
            unit_name(giver_unit), officer(event.actor_id), unit_name(receiver_unit),
            officer(taken.completed_by) if taken else None, event.at,
            result_label(_worst([of_step(t, now, calendar) for t in done])),
            f"{taken.name}: {_STATE[taken.status]}" if taken else ""))
    if dossier.returned_at is not None:
        done = _finished(tasks, dossier.return_unit_id, dossier.received_at, dossier.returned_at)
        rows.append(HandOver(unit_name(dossier.return_unit_id), officer(done[-1].completed_by if done else None),
                             f"{APPLICANT}: {dossier.applicant_name}", None, dossier.returned_at,
                             result_label(of_dossier(dossier, now, calendar)), "Đã trả kết quả",
                             to_applicant=True))
    return rows


def _sent_back(event: HistoryEvent, tasks: list[Task], unit_name: Callable[[str], str],
               officer: Callable[[int | None], str | None], now: datetime, calendar: WorkingCalendar) -> HandOver:
    """A return to an earlier step is a hand-over of its own, even within one unit: judged by the step sent
    back, with the reason in the notes (kept on the re-opened step, engine/services/send_backs.py)."""
    sent = next((t for t in tasks if t.status == TaskStatus.SENT_BACK and t.step == event.data.get("from_step")
                 and t.completed_at == event.at), None)
    reopened = next((t for t in tasks if t.id == event.data.get("task")), None)
    note = f"Trả lại bước “{event.data.get('name', '')}”"
    if reopened is not None and reopened.sent_back_reason:
        note += f": {reopened.sent_back_reason}"
    return HandOver(unit_name(str(event.data.get("from_unit"))), officer(event.actor_id),
                    unit_name(str(event.data.get("to_unit"))), officer(reopened.completed_by) if reopened else None,
                    event.at, result_label(of_step(sent, now, calendar)) if sent else None, note)


def _finished(tasks: list[Task], unit_id: str, since: datetime, until: datetime) -> list[Task]:
    """The steps `unit_id` completed in [since, until], in the order they were completed."""
    done = [t for t in tasks if t.unit_id == unit_id and t.status == TaskStatus.COMPLETED
            and t.completed_at is not None and since <= t.completed_at <= until]
    return sorted(done, key=lambda t: (t.completed_at or until, t.created_at))


_RANK = {Timeliness.BEFORE_TIME: 0, Timeliness.ON_TIME: 1, Timeliness.LATE: 2}


def _worst(judged: list[Timeliness | None]) -> Timeliness | None:
    """Late if any step was late, else on time if any was on time; None if no step had an allotment."""
    known = [t for t in judged if t in _RANK]
    return max(known, key=lambda t: _RANK[t]) if known else None
