"""Before time / on time / late, by the Decision 766 method (DOMAIN.md §4.3).

A finished dossier is judged by its end of processing against its deadline. Time the applicant spent
supplementing or paying is already added to the deadline when the clock restarts, which is the same
as subtracting it from the processing time. More than one supplementation round is late whatever the
times; so is a dossier whose appointment had to be moved by an apology (its deadline is the one before
the apology). A dossier still in process is judged against `now`, or against the moment its clock
stopped while it waits for the applicant. Each step is judged the same way against its own allotment.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from engine.domain.calendar import HOURS_PER_WORKING_DAY, VN_TZ, WorkingCalendar
from engine.domain.dossier import Dossier
from engine.domain.task import Task, TaskStatus

# Near due (sắp đến hạn), decided in issue 21: the last quarter of the office hours allotted (from reception, or
# from a step's start, to its deadline), and never more than one working day. A 15-working-day dossier is near
# due on its last day, a 3-day one in its last 6 office hours, a same-day one received at 09:00 (6 office hours)
# from 15:30: an officer is warned when the time is really getting short, not from the moment it arrives.
NEAR_DUE_HOURS = HOURS_PER_WORKING_DAY
NEAR_DUE_SHARE = 0.25


class Timeliness(StrEnum):
    BEFORE_TIME = "before_time"   # finished on a day before the deadline's day
    ON_TIME = "on_time"           # finished on the deadline's day, by the deadline
    LATE = "late"                 # finished after the deadline (or a second supplementation round)
    IN_TIME = "in_time"           # in process, more than NEAR_DUE_HOURS left
    NEAR_DUE = "near_due"         # in process, NEAR_DUE_HOURS or less left
    OVERDUE = "overdue"           # in process, past the deadline

    @property
    def is_final(self) -> bool:
        return self in (Timeliness.BEFORE_TIME, Timeliness.ON_TIME, Timeliness.LATE)


def classify_finished(finished_at: datetime, deadline: datetime) -> Timeliness:
    if finished_at > deadline:
        return Timeliness.LATE
    if finished_at.astimezone(VN_TZ).date() < deadline.astimezone(VN_TZ).date():
        return Timeliness.BEFORE_TIME
    return Timeliness.ON_TIME


def near_due_hours(start: datetime | None, deadline: datetime, calendar: WorkingCalendar) -> float:
    """Office hours before `deadline` from which the time is near due: NEAR_DUE_SHARE of the hours from `start`
    to `deadline`, at most NEAR_DUE_HOURS (one working day when `start` is unknown)."""
    if start is None:
        return NEAR_DUE_HOURS
    return min(NEAR_DUE_HOURS, max(calendar.working_hours_between(start, deadline), 0.0) * NEAR_DUE_SHARE)


def classify_open(now: datetime, deadline: datetime, calendar: WorkingCalendar,
                  start: datetime | None = None) -> Timeliness:
    """In time, near due or overdue at `now`, for time allotted from `start` (see near_due_hours)."""
    if now > deadline:
        return Timeliness.OVERDUE
    if calendar.working_hours_between(now, deadline) <= near_due_hours(start, deadline, calendar):
        return Timeliness.NEAR_DUE
    return Timeliness.IN_TIME


def near_due_at(deadline: datetime, calendar: WorkingCalendar, start: datetime | None = None) -> datetime:
    """When time allotted from `start` to `deadline` becomes near due: `near_due_hours` office hours before
    the deadline. Without a start, the same time one working day earlier."""
    if start is None:
        local = deadline.astimezone(VN_TZ)
        day = calendar.previous_working_day(local.date())
        return datetime.combine(day, local.time(), tzinfo=VN_TZ)
    allotted = calendar.working_hours_between(start, deadline)
    if allotted <= 0:
        return deadline
    return calendar.add_working_hours(start, allotted - near_due_hours(start, deadline, calendar))


def of_dossier(dossier: Dossier, now: datetime, calendar: WorkingCalendar) -> Timeliness:
    """The dossier's class: final once processing has ended, otherwise as of `now`."""
    deadline = dossier.deadline_at or dossier.due_at
    if dossier.finished_at is not None:
        if dossier.supplement_rounds > 1:
            return Timeliness.LATE
        return classify_finished(dossier.finished_at, deadline)
    if dossier.supplement_rounds > 1:
        return Timeliness.OVERDUE
    # While the clock is stopped the deadline does not come closer: judge it at the moment it stopped.
    return classify_open(min(now, dossier.paused_at or now), deadline, calendar, dossier.received_at)


def of_step(task: Task, now: datetime, calendar: WorkingCalendar) -> Timeliness | None:
    """A step against its own allotment; None for a step with no allotment or one that was cancelled."""
    if task.due_at <= task.created_at or task.status == TaskStatus.CANCELLED:
        return None
    if task.completed_at is not None:
        return classify_finished(task.completed_at, task.due_at)
    return classify_open(now, task.due_at, calendar, task.created_at)
