"""The production configuration (deploy/gunicorn.conf.py, two workers): one /metrics scrape, answered by either
worker, counts the requests of both; and with ONESTOP_LOG_FORMAT=json every line of the server's log, the
master's too, is a JSON object."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from api.settings import ROOT
from tests.fault._server import TIMEOUT, Server

pytestmark = pytest.mark.fault

RULE = "/healthz"  # the liveness alias: the server's own start-up check asks /api/v1/healthz
BATCH, MOST_BATCHES = 8, 40


def _healthz_count(samples: object) -> float:
    return sum(s.value for family in samples for s in family.samples  # type: ignore[attr-defined]
               if s.name == "onestop_http_requests_total" and s.labels["endpoint"] == RULE)


def _per_worker(metrics_dir: Path) -> dict[str, float]:
    """Each worker's own count, from its file."""
    return {path.stem.split("_")[-1]: _healthz_count(MultiProcessCollector.merge([str(path)]))
            for path in metrics_dir.glob("counter_*.db")}


@pytest.mark.timeout(180)
def test_one_scrape_counts_the_requests_of_every_worker(database_url: str, tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    server = Server(database_url, tmp_path, workers=2, threads=2, config=ROOT / "deploy" / "gunicorn.conf.py",
                    env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "ONESTOP_LOG_FORMAT": "json"})
    with server, ThreadPoolExecutor(BATCH) as pool:
        server.start()
        sent = 0
        # Fresh connections, several at once, until both workers have answered some (the kernel picks who accepts).
        for _ in range(MOST_BATCHES):
            answers = list(pool.map(lambda _: requests.get(f"{server.url}{RULE}", timeout=TIMEOUT), range(BATCH)))
            assert all(a.status_code == 200 for a in answers)
            sent += BATCH
            if len(counts := _per_worker(metrics_dir)) == 2 and all(counts.values()):
                break
        scrape = requests.get(f"{server.url}/metrics", timeout=TIMEOUT)
        server.stop()

    assert len(counts) == 2 and all(counts.values()), f"one worker answered everything: {counts}"
    assert scrape.status_code == 200
    assert _healthz_count(text_string_to_metric_families(scrape.text)) == sent == sum(counts.values())
    lines = [line for line in (tmp_path / "server-1.log").read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    assert {"gunicorn.error", "api.requests"} <= {r["logger"] for r in records}
    assert all(r["request_id"] for r in records if r["logger"] == "api.requests")
