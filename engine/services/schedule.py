"""Background work a dossier's workflow needs next: one WORKFLOW_TIMER job per fire time of the BPMN
timer events it waits on.

Called by record_progress after every command that moves a workflow, so a timer reached by any step
is armed at that command's time and gets its job in the same transaction. A fire time that already
has a pending job gets no second one; a job left for a timer that is gone (its task was completed
first) finds nothing due and does nothing.
"""

from __future__ import annotations

from datetime import datetime

from engine.domain.dossier import Dossier
from engine.domain.job import Job, JobKind
from engine.domain.ports import UnitOfWork
from engine.workflow import WorkflowInstance


def schedule_timers(uow: UnitOfWork, dossier: Dossier, instance: WorkflowInstance, *, now: datetime) -> None:
    """Arm the timers the workflow has just reached and add a job for each new fire time."""
    assert dossier.id is not None
    instance.arm_timers(now)
    fire_times = {timer.fires_at for timer in instance.waiting_timers()}
    if not fire_times:
        return  # most processes have no timers: no query
    planned = {job.run_at for job in uow.jobs.pending(dossier.id, JobKind.WORKFLOW_TIMER)}
    for fires_at in sorted(fire_times - planned):
        uow.jobs.add(Job(JobKind.WORKFLOW_TIMER, fires_at, dossier_id=dossier.id))
