"""GET /metrics for Prometheus: the requests answered, and the state of the work read from the database at
each scrape (dossiers by status and overdue, jobs, the outbox's backlog per destination).

The database's figures are the same whichever gunicorn worker or node answers. The request metrics and the
connection pool are each process's: under gunicorn (PROMETHEUS_MULTIPROC_DIR set, deploy/gunicorn.conf.py)
every worker writes them to files that this view sums, so any worker's answer counts the requests of all of
them; without it (`make run`, the tests) they are this process's. Every scrape builds its own registry, so no
collector is registered twice in a process that makes several apps (the tests).

Open like /healthz: Prometheus scrapes without a session. It shows counts, ages and attempts only, and URL
rules rather than paths, never a message, a dossier or anything of a citizen; a deployment that wants it
private keeps the path off its reverse proxy's public side.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from flask import Blueprint, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from api.observability import MULTIPROCESS, REQUEST_METRICS, observe_pool
from api.wiring import wiring
from engine.domain.monitoring import WATCHED_JOBS, Workload
from engine.domain.outbox import MessageStatus
from engine.domain.status import DossierStatus
from engine.services import monitoring, outbound

bp = Blueprint("metrics", __name__)


class OutboxCollector(Collector):
    """The figures of one scrape, read before the registry asks for them."""

    def __init__(self, backlog: Sequence[outbound.Backlog]):
        self._backlog = backlog

    def collect(self) -> Iterator[GaugeMetricFamily]:
        messages = GaugeMetricFamily("onestop_outbox_messages", "Outbound messages by destination and status.",
                                     labels=["destination", "status"])
        oldest = GaugeMetricFamily(
            "onestop_outbox_oldest_undelivered_age_seconds",
            "How long the oldest undelivered message (waiting or parked) of a destination has waited, in "
            "seconds (0 when all were delivered).",
            labels=["destination"])
        failed = GaugeMetricFamily("onestop_outbox_failed_attempts",
                                   "Failed delivery attempts of the pending and parked messages.",
                                   labels=["destination"])
        for line in self._backlog:
            where = line.destination.value
            for status, count in ((MessageStatus.PENDING, line.pending), (MessageStatus.PARKED, line.parked),
                                  (MessageStatus.DELIVERED, line.delivered)):
                messages.add_metric([where, status.value], count)
            age = line.oldest_undelivered_age.total_seconds() if line.oldest_undelivered_age is not None else 0.0
            oldest.add_metric([where], age)
            failed.add_metric([where], line.failed_attempts)
        yield from (messages, oldest, failed)


class WorkloadCollector(Collector):
    """Dossiers and jobs, read before the registry asks for them."""

    def __init__(self, workload: Workload, now: datetime):
        self._workload, self._now = workload, now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        work = self._workload
        dossiers = GaugeMetricFamily("onestop_dossiers", "Dossiers by status.", labels=["status"])
        for status in DossierStatus:
            dossiers.add_metric([status.value], work.dossiers.get(status, 0))
        overdue = GaugeMetricFamily("onestop_dossiers_overdue",
                                    "Dossiers in process past their deadline (as the figures count them).",
                                    value=work.overdue)
        jobs = GaugeMetricFamily("onestop_jobs", "Background jobs pending (due or not) and failed (given up).",
                                 labels=["state"])
        for state in WATCHED_JOBS:
            jobs.add_metric([state.value], work.jobs.get(state, 0))
        late = (self._now - work.oldest_due_job_at).total_seconds() if work.oldest_due_job_at is not None else 0.0
        oldest = GaugeMetricFamily("onestop_jobs_oldest_due_age_seconds",
                                   "How long the pending job due the longest ago has been due (0 when none is).",
                                   value=max(late, 0.0))
        yield from (dossiers, overdue, jobs, oldest)


@bp.get("/metrics")
def metrics() -> Response:
    w = wiring()
    now = w.clock()
    registry = CollectorRegistry()
    observe_pool()
    if MULTIPROCESS:
        MultiProcessCollector(registry)  # every worker's requests and pool, summed
    else:
        for metric in REQUEST_METRICS:
            registry.register(metric)
    registry.register(WorkloadCollector(monitoring.workload(w.uow(), now=now), now))
    registry.register(OutboxCollector(outbound.backlog(w.uow(), now=now)))
    # The classic text format (version 0.0.4), which every Prometheus reads.
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_PLAIN_0_0_4)
