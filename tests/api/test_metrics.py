"""GET /metrics (both databases): Prometheus' text, the work read from the database at each scrape and the
requests this process answered, open without a session, with counts only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from api import create_app
from engine.domain.outbox import DeliveryFailed, Destination, OutboundMessage
from engine.services import outbound
from tests.api.helpers import API, received, sign_in
from tests.conftest import PHU_XUAN, Clock, make_settings

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
    client.get("/healthz")  # a request counted before the first scrape
    _write(app, _message(Destination.SMS, "waiting", clock()))
    outbound.deliver_due(app.extensions["onestop"].uow, clock=clock,
                         transports={Destination.SMS: Receiver({"waiting"})})
    anonymous = client.get("/metrics").get_data(as_text=True)
    signed_in = client.get("/metrics", headers=sign_in(client, "admin.46")).get_data(as_text=True)

    assert _from_database(anonymous) == _from_database(signed_in)
    assert SECRET_ID not in anonymous and "example.com" not in anonymous and "[id-number]" not in anonymous
    assert {line.split("{")[0].split(" ")[0] for line in anonymous.splitlines() if not line.startswith("#")} \
        == {"onestop_outbox_messages", "onestop_outbox_oldest_undelivered_age_seconds",
            "onestop_outbox_failed_attempts", "onestop_dossiers", "onestop_dossiers_overdue", "onestop_jobs",
            "onestop_jobs_oldest_due_age_seconds", "onestop_db_pool_connections",
            *(f"onestop_http_requests_{part}" for part in ("total", "created")),
            *(f"onestop_http_request_duration_seconds_{part}" for part in ("bucket", "count", "sum", "created"))}
    # A second app on the same database (another gunicorn worker or node) reads the same figures.
    other = create_app({"TESTING": True, "SETTINGS": make_settings(app.extensions["onestop"].settings.database_url),
                        "WIRING": {"clock": clock}})
    try:
        assert _from_database(other.test_client().get("/metrics").get_data(as_text=True)) == _from_database(anonymous)
    finally:
        other.extensions["onestop"].engine.dispose()


def _from_database(text: str) -> list[str]:
    """The lines of the figures read from the database (the request counts are the process's)."""
    return [line for line in text.splitlines()
            if line.startswith(("onestop_outbox", "onestop_dossiers", "onestop_jobs"))]


def test_the_work_in_the_database_dossiers_by_status_overdue_and_jobs(client: Any, clock: Clock) -> None:
    headers = sign_in(client, f"reception.{PHU_XUAN}")
    before = _scrape(client)
    receipts = [received(client, headers) for _ in range(3)]
    status = client.get(f"{API}/dossiers/{receipts[0]['code']}", headers=headers).get_json()["dossier"]["status"]

    now = _scrape(client)
    clock.now += timedelta(days=2)  # past the same-day deadline, and the deadline watches due
    later = _scrape(client)
    clock.now += timedelta(days=1)
    latest = _scrape(client)

    dossiers = {s: ("onestop_dossiers", (("status", s),)) for s in ("received", "processing", "returned")}
    assert set(dossiers) <= {key[1][0][1] for key in now if key[0] == "onestop_dossiers"}
    assert now[dossiers[status]] - before[dossiers[status]] == 3
    assert sum(v for k, v in now.items() if k[0] == "onestop_dossiers") \
        - sum(v for k, v in before.items() if k[0] == "onestop_dossiers") == 3
    overdue = ("onestop_dossiers_overdue", ())
    assert (now[overdue] - before[overdue], later[overdue] - before[overdue]) == (0, 3)
    pending, failed = ("onestop_jobs", (("state", "pending"),)), ("onestop_jobs", (("state", "failed"),))
    assert now[pending] - before[pending] >= 3 and now[failed] == before[failed]
    oldest = ("onestop_jobs_oldest_due_age_seconds", ())
    assert now[oldest] == 0  # nothing due yet: the first watch is at near-due time, this afternoon
    assert later[oldest] > 0 and latest[oldest] - later[oldest] == 24 * 3600  # nobody ran the due jobs


def test_requests_are_counted_by_url_rule_never_by_path(client: Any) -> None:
    headers = sign_in(client, f"reception.{PHU_XUAN}")
    code = received(client, headers)["code"]
    rule = f"{API}/dossiers/<code>"
    count = ("onestop_http_requests_total", (("endpoint", rule), ("method", "GET"), ("status", "200")))
    observed = ("onestop_http_request_duration_seconds_count", (("endpoint", rule), ("method", "GET")))
    unmatched = ("onestop_http_requests_total", (("endpoint", "<unmatched>"), ("method", "GET"), ("status", "404")))
    before = _scrape(client)

    for _ in range(3):
        assert client.get(f"{API}/dossiers/{code}", headers=headers).status_code == 200
    assert client.get(f"/nothing/{code}").status_code == 404
    text = client.get("/metrics").get_data(as_text=True)
    after = _scrape(client)

    assert after[count] - before.get(count, 0) == 3 and after[observed] - before.get(observed, 0) == 3
    assert after[unmatched] - before.get(unmatched, 0) == 1
    assert code not in text
    buckets = sorted(float(dict(k[1])["le"]) for k in after if k[0] == "onestop_http_request_duration_seconds_bucket"
                     and dict(k[1])["endpoint"] == rule)
    assert (buckets[0], buckets[-2]) == (0.005, 10.0)  # then +Inf
    pool = {state: after[("onestop_db_pool_connections", (("state", state),))] for state in ("checked_out", "idle")}
    assert pool["checked_out"] >= 0 and pool["idle"] >= 1  # the scrape's own connection went back to the pool


def test_the_security_headers_do_not_stand_in_the_way(client: Any) -> None:
    response = client.get("/metrics")

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(f"{API}/metrics").status_code == 404  # not part of the JSON API
