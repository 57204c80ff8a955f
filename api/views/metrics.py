"""GET /metrics for Prometheus: the outbox's backlog per destination, read from the database at each scrape.

Read at scrape time, the figures are the same whichever gunicorn worker or node answers (a process's own
counters would each count alone). Every scrape builds its own registry, so no collector is registered twice
in a process that makes several apps (the tests).

Open like /api/v1/healthz: Prometheus scrapes without a session. It shows counts, ages and attempts only,
never a message, a dossier or anything of a citizen; a deployment that wants it private keeps the path off
its reverse proxy's public side.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from flask import Blueprint, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

from api.wiring import wiring
from engine.domain.outbox import MessageStatus
from engine.services import outbound

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


@bp.get("/metrics")
def metrics() -> Response:
    w = wiring()
    registry = CollectorRegistry()
    registry.register(OutboxCollector(outbound.backlog(w.uow(), now=w.clock())))
    # The classic text format (version 0.0.4), which every Prometheus reads.
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_PLAIN_0_0_4)
