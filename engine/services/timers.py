"""The WORKFLOW_TIMER job: fire the BPMN timer events of a dossier that are due, and record what the
process did next (new steps in inboxes, steps it left behind, milestones), as any step would.

A timer moves the process like a completed step, so it fires only while the lifecycle lets a step be
completed. While the dossier waits for the applicant's supplement the job comes back every
RECHECK_WHILE_WAITING; once the dossier has ended its timers are dropped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from engine.domain.calendar import WorkingCalendar
from engine.domain.dossier import EventKind
from engine.domain.job import Job
from engine.domain.lifecycle import Action, allows
from engine.domain.ports import UnitOfWork
from engine.services.catalogue import Catalogue
from engine.services.progress import record_progress
from engine.workflow import WorkflowInstance

RECHECK_WHILE_WAITING = timedelta(hours=1)


def fire(uow: UnitOfWork, job: Job, *, now: datetime, calendar: WorkingCalendar,
         catalogue: Catalogue) -> datetime | None:
    """Fire the job's dossier's due timers. Returns when to look again if the dossier is waiting."""
    dossier = uow.dossiers.get_by_id(job.dossier_id, lock=True) if job.dossier_id is not None else None
    if dossier is None:
        return None
    if not allows(Action.COMPLETE_STEP, dossier.status):
        return now + RECHECK_WHILE_WAITING if allows(Action.SUPPLEMENT, dossier.status) else None
    procedure = catalogue.version(uow.procedures, dossier.procedure_version_id)
    instance = WorkflowInstance.restore(catalogue.spec(procedure), dossier.workflow_state)
    ready_before = instance.ready_ids()
    fired = instance.fire_due_timers(now)
    if fired:
        dossier.record(EventKind.TIMER_FIRED, now, None, dossier.competent_unit_id, steps=fired)
        record_progress(uow, dossier, instance, procedure, completed=None, ready_before=ready_before,
                        actor_id=None, now=now, calendar=calendar)
        uow.dossiers.update(dossier)
    return None
