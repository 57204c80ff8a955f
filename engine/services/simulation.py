"""Demo data: simulate past working days in a province through the services, so the pages and the
dashboard show lifelike dossiers.

A discrete-event simulation in simulated time. Dossiers arrive at the commune centres through counter
hours, or online through the portal's client into the intake queue, where the counter accepts, guides or
refuses them (`simulation_cases` plans them); each ready step is completed by the demo officer of its unit and
role after a random delay in office hours; a few dossiers are guided to complete, refused reception,
withdrawn or supplemented; the
background jobs (deadline marks, timers) run every half hour. Every change goes through the same
services as the API, with a clock set to each event's time in order, so the data is what real use
would have written. Events after the real now are left undone: those dossiers stay open in the inboxes.
A domain error on one action is counted and the run goes on.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import time as timer
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from engine.domain.actor import Actor, Role
from engine.domain.calendar import VN_TZ, WorkingCalendar
from engine.domain.dossier import Channel, Dossier
from engine.domain.errors import DomainError, NotFoundError
from engine.domain.files import Component
from engine.domain.lifecycle import Action, allows
from engine.domain.notice import MissingItem
from engine.domain.ports import FileStore, UnitOfWork
from engine.domain.task import Task, TaskStatus
from engine.domain.unit import HUE_PROVINCE_CODE, UnitKind, province_id
from engine.services import dossiers, files, intake, lifecycle, ratings, tasks, worker
from engine.services import simulation_cases as model
from engine.services.catalogue import Catalogue
from engine.services.dossiers import Reception
from engine.services.intake import Acceptance, Handing
from engine.services.simulation_cases import Case, Fate, Procedure, Rates, SimulatedClock

log = logging.getLogger(__name__)

REFUSAL_REASONS = "Hồ sơ không thuộc trường hợp được giải quyết theo thủ tục đã chọn."
GUIDANCE_REASONS = "Hồ sơ chưa đủ thành phần theo quy định của thủ tục."
GUIDANCE_ITEMS = [MissingItem("Bản chính giấy tờ để đối chiếu với bản chụp đã nộp")]
JOBS_EVERY = timedelta(minutes=30)  # how often the background jobs run in simulated time
DEFAULT_RATES = Rates()


@dataclass
class Summary:
    submitted: int = 0
    """Handed in online through the portal's client."""
    guided: int = 0
    received: int = 0
    tasks_completed: int = 0
    supplementations: int = 0
    returned: int = 0
    refused: int = 0
    withdrawn: int = 0
    still_open: int = 0
    rated: int = 0
    jobs_run: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    """Domain errors by class name: actions the services refused (counted, never fatal)."""
    elapsed_seconds: float = 0.0


@dataclass
class _Dossier:
    case: Case
    code: str
    id: int
    secret: str
    generation: int = 0
    """Bumped when the dossier starts waiting for the applicant: completions planned before are dropped."""
    planned: set[str] = field(default_factory=set)  # ready steps with a completion planned
    asked: bool = False  # supplementation requested
    ended: bool = False  # returned, refused or withdrawn by the simulation


def simulate(uow_factory: Callable[[], UnitOfWork], *, catalogue: Catalogue, calendar: WorkingCalendar,
             clock: Callable[[], datetime], scenarios: Mapping[str, Sequence[Mapping[str, Any]]],
             province: int = HUE_PROVINCE_CODE, days: int = 5, per_centre: float = 3.0, seed: int = 1,
             centres: Sequence[str] | None = None, rates: Rates = DEFAULT_RATES,
             on_day: Callable[[date, Summary], None] | None = None, scan: Path | None = None,
             store: FileStore | None = None) -> Summary:
    """Simulate the last `days` working days up to `clock()` at the province's commune centres (or at
    `centres` only), about `per_centre` dossiers a day each, with application data and step data from
    `scenarios` (procedure code -> the scenarios of processes/<folder>/scenarios). The same seed plans
    the same days. `on_day` is called after each simulated working day with the running totals. With a
    file `store`, the components scanned at the counter or attached online carry `scan` (a small PDF):
    every dossier references the same blob, so the demo costs one file of storage."""
    started = timer.monotonic()
    end = clock()
    run = _Run(uow_factory, catalogue, calendar, random.Random(seed), rates)
    if store is not None and scan is not None:
        with scan.open("rb") as stream, files.receiving(store, stream, "ban-scan.pdf") as incoming:
            run.scan = incoming
    run.plan(province_id(province), scenarios, model.working_days(calendar, end, days), per_centre, centres, end)
    run.loop(end, on_day)
    run.summary.still_open = run.count_open()
    run.summary.elapsed_seconds = timer.monotonic() - started
    return run.summary


class _Run:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], catalogue: Catalogue, calendar: WorkingCalendar,
                 rng: random.Random, rates: Rates):
        self.uow_factory, self.catalogue, self.calendar, self.rng, self.rates = (
            uow_factory, catalogue, calendar, rng, rates)
        self.clock = SimulatedClock(datetime.min.replace(tzinfo=UTC))
        self.summary = Summary()
        self.dossiers: list[_Dossier] = []
        self._events: list[tuple[datetime, int, Callable[[], None]]] = []
        self._order = itertools.count()  # ties keep the order events were planned in
        self._actors: dict[str, Actor] = {}
        self._province = ""
        self.scan: files.Incoming | None = None

    def plan(self, province: str, scenarios: Mapping[str, Sequence[Mapping[str, Any]]], days: list[date],
             per_centre: float, centres: Sequence[str] | None, end: datetime) -> None:
        self._province = province
        with self.uow_factory() as uow:
            communes = [u.id for u in uow.units.list(province_id=province, kind=UnitKind.COMMUNE.value)]
            procedures = [p for code, found in sorted(scenarios.items()) if found
                          and (p := self._procedure(uow, code, found)) is not None]
        chosen = list(centres) if centres else communes
        for case in model.plan_cases(self.rng, days=days, centres=chosen, per_centre=per_centre,
                                     procedures=procedures, communes=communes, rates=self.rates):
            if case.at <= end:
                self._at(case.at, partial(self._arrive, case))
        if days:
            self._at(datetime.combine(days[0], time(7, 0), VN_TZ).astimezone(UTC), self._jobs)

    def _procedure(self, uow: UnitOfWork, code: str, found: Sequence[Mapping[str, Any]]) -> Procedure | None:
        try:
            published = self.catalogue.latest(uow.procedures, code)
        except NotFoundError:
            return None  # not published in this database
        return Procedure(code, published.cross_boundary, found, len(published.manifest["documents"]))

    def loop(self, end: datetime, on_day: Callable[[date, Summary], None] | None) -> None:
        day: date | None = None
        while self._events and self._events[0][0] <= end:
            when, _, action = heapq.heappop(self._events)
            local = when.astimezone(VN_TZ).date()
            if local != day and self.calendar.is_working_day(local):
                if on_day and day is not None:
                    on_day(day, replace(self.summary))
                day = local
            self.clock.now = max(self.clock.now, when)
            try:
                action()
            except DomainError as error:
                self.summary.errors[type(error).__name__] += 1
                log.debug("simulated %s refused: %s", getattr(action, "func", action).__name__, error)
        self.clock.now = end
        self._jobs(again=False)
        if on_day and day is not None:
            on_day(day, replace(self.summary))

    def count_open(self) -> int:
        with self.uow_factory() as uow:
            found = [uow.dossiers.get(d.code) for d in self.dossiers]
        return sum(1 for dossier in found if dossier is not None and not dossier.status.is_final)

    def _at(self, when: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self._events, (when, next(self._order), action))

    def _later(self, hours: float, action: Callable[[], None]) -> None:
        self._at(self.calendar.add_working_hours(self.clock.now, hours), action)

    def _scans(self, actor: Actor, case: Case) -> list[files.FileRequest]:
        """The digitised components' files, staged by the officer (or the portal) who sends them."""
        if self.scan is None:
            return []
        return [files.FileRequest(files.stage(self.uow_factory(), actor=actor, incoming=self.scan,
                                              clock=self.clock).id or 0, document) for document in case.digitised]

    def _deps(self) -> dict[str, Any]:
        return {"catalogue": self.catalogue, "calendar": self.calendar, "clock": self.clock}

    def _actor(self, role: str, unit_id: str) -> Actor:
        """The demo account `<role>.<unit>` that setup-demo creates."""
        username = f"{role}.{unit_id}"
        if username not in self._actors:
            with self.uow_factory() as uow:
                found = uow.users.credentials(username)
            if found is None:
                raise NotFoundError(f"no demo account {username}; run setup-demo for this province")
            self._actors[username] = found[0]
        return self._actors[username]

    def _jobs(self, again: bool = True) -> None:
        handlers = worker.handlers(calendar=self.calendar, catalogue=self.catalogue)
        while ran := worker.run_due(self.uow_factory, handlers=handlers, clock=self.clock):
            self.summary.jobs_run += ran
        if again:
            self._at(self.clock.now + JOBS_EVERY, self._jobs)

    def _arrive(self, case: Case) -> None:
        if case.channel == Channel.ONLINE:
            self._submit(case)
            return
        centre = self._actor(Role.RECEPTION.value, case.centre)
        handing = Handing(case.centre, case.procedure_code, case.application, Channel.IN_PERSON, contact=case.contact)
        key = f"simulated-{uuid.uuid4().hex}"  # not from the seed: a second run on the same database is new
        if case.fate == Fate.REFUSE:  # not within the procedure: refused at the counter, never received
            intake.decide_at_counter(self.uow_factory(), actor=centre, catalogue=self.catalogue, clock=self.clock,
                                     handing=handing, key=key, reasons=REFUSAL_REASONS, items=None)
            self.summary.refused += 1
            return
        if case.channel == Channel.IN_PERSON and self.rng.random() < self.rates.guide:
            # A paper is missing: guided to complete it, the applicant comes back with it a few days later.
            intake.decide_at_counter(self.uow_factory(), actor=centre, catalogue=self.catalogue, clock=self.clock,
                                     handing=handing, key=key, reasons=GUIDANCE_REASONS, items=GUIDANCE_ITEMS)
            self.summary.guided += 1
            self._later(model.supplement_hours(self.rng), partial(self._receive, case))
            return
        self._receive(case)

    def _receive(self, case: Case) -> None:
        centre = self._actor(Role.RECEPTION.value, case.centre)
        reception = Reception(procedure_code=case.procedure_code, application=case.application,
                              reception=case.reception, channel=case.channel, files=self._scans(centre, case),
                              return_method=case.return_method, contact=case.contact)
        self._received(case, dossiers.receive(self.uow_factory(), actor=centre, reception=reception,
                                              **self._deps())[0])

    def _submit(self, case: Case) -> None:
        """The portal hands the dossier in online; it waits in the centre's queue for the counter."""
        portal = self._actor(Role.PORTAL.value, self._province)
        handing = Handing(case.centre, case.procedure_code, case.application, Channel.ONLINE,
                          [Component(f"Thành phần hồ sơ số {i + 1}", "electronic", 1, i) for i in case.digitised],
                          reference=f"G22.{uuid.uuid4().hex[:12]}", return_method=case.return_method,  # as `key`
                          files=self._scans(portal, case), contact=case.contact)
        submission, _ = intake.submit(self.uow_factory(), actor=portal,
                                      catalogue=self.catalogue, clock=self.clock, handing=handing)
        self.summary.submitted += 1
        assert submission.id is not None
        self._later(model.decision_hours(self.rng), partial(self._decide, case, submission.id, handing))

    def _decide(self, case: Case, submission_id: int, handing: Handing) -> None:
        officer = self._actor(Role.RECEPTION.value, case.centre)
        found = intake.get(self.uow_factory(), actor=officer, submission_id=submission_id)
        if case.fate == Fate.REFUSE:
            intake.refuse(self.uow_factory(), actor=officer, clock=self.clock, submission_id=submission_id,
                          reasons=REFUSAL_REASONS)
            self.summary.refused += 1
        elif found.resubmitted_at is None and self.rng.random() < self.rates.guide:
            intake.guide(self.uow_factory(), actor=officer, clock=self.clock, submission_id=submission_id,
                         reasons=GUIDANCE_REASONS, items=GUIDANCE_ITEMS)
            self.summary.guided += 1
            self._later(model.supplement_hours(self.rng), partial(self._resubmit, case, submission_id, handing))
        else:
            self._received(case, intake.accept(self.uow_factory(), actor=officer, submission_id=submission_id,
                                               acceptance=Acceptance(reception=case.reception), **self._deps()))

    def _resubmit(self, case: Case, submission_id: int, handing: Handing) -> None:
        intake.resubmit(self.uow_factory(), actor=self._actor(Role.PORTAL.value, self._province),
                        catalogue=self.catalogue, clock=self.clock, submission_id=submission_id,
                        application=handing.application, components=handing.components)
        self._later(model.decision_hours(self.rng), partial(self._decide, case, submission_id, handing))

    def _received(self, case: Case, received: Dossier) -> None:
        assert received.id is not None
        self.summary.received += 1
        dossier = _Dossier(case, received.code, received.id, received.secret)
        self.dossiers.append(dossier)
        if case.fate == Fate.WITHDRAW:
            self._later(model.withdraw_hours(self.rng), partial(self._withdraw, dossier))
        self._plan_ready(dossier)

    def _plan_ready(self, dossier: _Dossier) -> None:
        """Plan a completion of each step that became ready, after the time its officer takes."""
        with self.uow_factory() as uow:
            ready = [t for t in uow.tasks.of_dossier(dossier.id)
                     if t.status == TaskStatus.READY and t.id not in dossier.planned]
        for task in sorted(ready, key=lambda t: (t.created_at, t.step)):
            dossier.planned.add(task.id)
            if task.step == dossier.case.return_step:
                hours = model.collection_hours(self.rng, self.rates)
            elif self.calendar.working_hours_between(task.created_at, task.due_at) <= 0:
                hours = model.payment_hours(self.rng)
            else:
                left = self.calendar.working_hours_between(self.clock.now, task.due_at)
                hours = model.step_hours(self.rng, left, self.rates)
            self._later(hours, partial(self._complete, dossier, task, dossier.generation))

    def _complete(self, dossier: _Dossier, task: Task, generation: int) -> None:
        if dossier.ended or generation != dossier.generation:
            return
        actor = self._actor(task.role, task.unit_id)
        if dossier.case.fate == Fate.SUPPLEMENT and not dossier.asked and task.role != Role.RECEPTION.value:
            dossier.asked = True
            self._at(self.clock.now, partial(self._complete, dossier, task, generation))  # if the request fails
            self._ask(dossier, actor)
            return
        data = dossier.case.step_data.get(task.step, {})
        if task.step == dossier.case.return_step:
            lifecycle.return_result(self.uow_factory(), actor=actor, code=dossier.code,
                                    method=dossier.case.return_method, data=data, **self._deps())
            dossier.ended = True
            self.summary.returned += 1
            if self.rng.random() < self.rates.rating:
                self._later(self.rng.uniform(0.1, 8), partial(self._rate, dossier))
        else:
            tasks.complete(self.uow_factory(), actor=actor, task_id=task.id, data=data, **self._deps())
        self.summary.tasks_completed += 1
        self._plan_ready(dossier)

    def _ask(self, dossier: _Dossier, officer: Actor) -> None:
        lifecycle.request_supplement(
            self.uow_factory(), actor=officer, code=dossier.code, **self._deps(),
            reasons="Hồ sơ chưa đủ thành phần theo quy định của thủ tục.",
            items=[MissingItem("Bản chính giấy tờ để đối chiếu với bản chụp đã nộp")])
        dossier.generation += 1
        dossier.planned.clear()
        self.summary.supplementations += 1
        self._later(model.supplement_hours(self.rng), partial(self._supplement, dossier))

    def _supplement(self, dossier: _Dossier) -> None:
        if dossier.ended:
            return
        lifecycle.supplement(self.uow_factory(), actor=self._actor(Role.RECEPTION.value, dossier.case.centre),
                             code=dossier.code, note="Đã nộp đủ giấy tờ bổ sung.", calendar=self.calendar,
                             clock=self.clock)
        self._plan_ready(dossier)

    def _rate(self, dossier: _Dossier) -> None:
        """The citizen rates the service with the receipt's code and secret, less kindly when it was late."""
        with self.uow_factory() as uow:
            found = uow.dossiers.get(dossier.code)
        late = found is not None and found.finished_at is not None and found.finished_at > (found.deadline_at
                                                                                            or found.due_at)
        ratings.rate(self.uow_factory(), code=dossier.code, secret=dossier.secret,
                     level=model.rating_level(self.rng, late=late), clock=self.clock)
        self.summary.rated += 1

    def _withdraw(self, dossier: _Dossier) -> None:
        with self.uow_factory() as uow:
            found = uow.dossiers.get(dossier.code)
        if dossier.ended or found is None or not allows(Action.WITHDRAW, found.status):
            return  # its result is ready or it has ended: nothing left to withdraw
        lifecycle.withdraw(self.uow_factory(), actor=self._actor(Role.RECEPTION.value, dossier.case.centre),
                           code=dossier.code, reasons="Công dân có đơn đề nghị rút hồ sơ.", clock=self.clock)
        dossier.ended = True
        self.summary.withdrawn += 1
