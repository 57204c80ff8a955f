"""GET /metrics (both databases): Prometheus' text, read from the outbox table at each scrape, open without a
session, with counts only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from api import create_app
from engine.domain.outbox import DeliveryFailed, Destination, OutboundMessage
from engine.services import outbound
from tests.api.helpers import API, sign_in
from tests.conftest import Clock, make_settings

SECRET_ID = "079201001234"


class Receiver:
    def __init__(self, failing: set[str] | None = None, permanent: bool = False):
        self.failing, self.permanent = failing or set(), permanent

    def deliver(self, message: OutboundMessage) -> None:
        if message.key in self.failing:
            raise DeliveryFailed(f"ID {SECRET_ID} refused", permanent=self.permanent)


def _write(app: Any, *messages: OutboundMessage) -> None:
    with app.extensions["onestop"].uow() as uow:
        uow.outbox.add(list(messages))
        uow.commit()


def _message(destination: Destination, key: str, at: Any) -> OutboundMessage:
    return OutboundMessage(destination, "received", f"{destination.value}:{key}", key,
                           {"SoGiayTo": SECRET_ID, "Email": "an@example.com"}, at)


def _scrape(client: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain" and "version=0.0.4" in response.content_type
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def _messages(samples: dict[Any, float], destination: str, status: str) -> float:
    return samples[("onestop_outbox_messages", (("destination", destination), ("status", status)))]


def _of(samples: dict[Any, float], name: str, destination: str) -> float:
    return samples[(name, (("destination", destination),))]


def test_an_empty_outbox_shows_every_destination_at_zero(client: Any) -> None:
    samples = _scrape(client)

    for destination in ("dvcqg", "email", "sms"):
        assert [_messages(samples, destination, s) for s in ("pending", "parked", "delivered")] == [0, 0, 0]
        assert _of(samples, "onestop_outbox_oldest_undelivered_age_seconds", destination) == 0
        assert _of(samples, "onestop_outbox_failed_attempts", destination) == 0


def test_the_figures_follow_what_was_written_and_delivered(app: Any, client: Any, clock: Clock) -> None:
    start = clock()
    _write(app, *(_message(Destination.DVCQG, f"ok{i}", start) for i in range(3)),
           _message(Destination.DVCQG, "refused", start), _message(Destination.EMAIL, "slow", start),
           _message(Destination.SMS, "waiting", start + timedelta(minutes=5)))
    w = app.extensions["onestop"]
    outbound.deliver_due(w.uow, clock=clock, transports={
        Destination.DVCQG: Receiver({"refused"}, permanent=True), Destination.EMAIL: Receiver({"slow"})})
    clock.now += timedelta(minutes=10)
    outbound.deliver_due(w.uow, clock=clock, transports={Destination.EMAIL: Receiver({"slow"})})
    clock.now += timedelta(minutes=20)

    samples = _scrape(client)

    assert [_messages(samples, "dvcqg", s) for s in ("pending", "parked", "delivered")] == [0, 1, 3]
    assert [_messages(samples, "email", s) for s in ("pending", "parked", "delivered")] == [1, 0, 0]
    assert [_messages(samples, "sms", s) for s in ("pending", "parked", "delivered")] == [1, 0, 0]
    assert _of(samples, "onestop_outbox_failed_attempts", "dvcqg") == 1
    assert _of(samples, "onestop_outbox_failed_attempts", "email") == 2
    assert _of(samples, "onestop_outbox_oldest_undelivered_age_seconds", "dvcqg") == 30 * 60  # the parked one
    assert _of(samples, "onestop_outbox_oldest_undelivered_age_seconds", "email") == 30 * 60
    assert _of(samples, "onestop_outbox_oldest_undelivered_age_seconds", "sms") == 25 * 60


def test_metrics_are_open_show_no_personal_data_and_are_the_same_for_any_app_on_the_database(
        app: Any, client: Any, clock: Clock) -> None:
    _write(app, _message(Destination.SMS, "waiting", clock()))
    outbound.deliver_due(app.extensions["onestop"].uow, clock=clock,
                         transports={Destination.SMS: Receiver({"waiting"})})
    anonymous = client.get("/metrics").get_data(as_text=True)
    signed_in = client.get("/metrics", headers=sign_in(client, "admin.46")).get_data(as_text=True)

    assert anonymous == signed_in
    assert SECRET_ID not in anonymous and "example.com" not in anonymous and "[id-number]" not in anonymous
    assert {line.split("{")[0].split(" ")[0] for line in anonymous.splitlines() if not line.startswith("#")} \
        == {"onestop_outbox_messages", "onestop_outbox_oldest_undelivered_age_seconds",
            "onestop_outbox_failed_attempts"}
    # A second app on the same database (another gunicorn worker or node) reads the same figures.
    other = create_app({"TESTING": True, "SETTINGS": make_settings(app.extensions["onestop"].settings.database_url),
                        "WIRING": {"clock": clock}})
    try:
        assert other.test_client().get("/metrics").get_data(as_text=True) == anonymous
    finally:
        other.extensions["onestop"].engine.dispose()


def test_the_security_headers_do_not_stand_in_the_way(client: Any) -> None:
    response = client.get("/metrics")

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(f"{API}/metrics").status_code == 404  # not part of the JSON API
