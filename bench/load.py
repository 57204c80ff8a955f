"""The load generator of the HTTP benchmark, run in a process of its own (bench/http_layer.py starts it).

Each virtual officer drives birth-registration dossiers through the JSON API over a kept-alive
connection: receive at the counter → open the dossier → complete the review → open it → complete the
signature → return the result. Closed loop (`--users N`: each starts its next dossier as soon as the
last one is returned) or open loop (`--rate R`: dossiers start R per second whatever the answers,
carried by up to `--users` officers). Officer i works at commune i of the tokens file, which receives
and handles its own dossiers. Prints one JSON object: per call the count and p50/p95/p99 in ms,
the non-2xx answers, and the dossiers and task completions per second.

`--protocol minimal` (issue 27) drives bench/minimal/'s procedure 9.000002 instead, the shape other BPMN
servers are measured on: receive (completes the first user task) → open the dossier → return (completes
the second), all as the commune's reception officer; two task completions per instance.

    python bench/load.py --url http://127.0.0.1:8000 --tokens tokens.json --users 8 --seconds 20
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

API = "/api/v1"
ROOT = Path(__file__).resolve().parent.parent
STEPS = (("review", "specialist", {"register_book": "01/2025", "register_number": 57}),
         ("sign", "leader", {"decision": "approved"}))
COMPLETIONS_PER_DOSSIER = {"birth": 4, "minimal": 2}  # birth: receive, review, sign, hand over
MINIMAL_PROCEDURE = "9.000002"  # bench/minimal/processes/minimal


class Officer:
    """One virtual officer's connection (one per thread; http.client is not thread-safe)."""

    def __init__(self, url: str, tokens: dict[str, str], results: Results):
        """`tokens`: a bearer token per role (reception, specialist, leader) of one commune, and its `unit`."""
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.tokens, self.results = tokens, results
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def call(self, name: str, method: str, path: str, role: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        payload = None
        if body is not None:
            payload, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        started = time.perf_counter()
        try:
            self.connection.request(method, API + path, body=payload, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # the server closed a kept-alive connection: the next call reconnects
            self.results.failed(name, "connection")
            return None
        self.results.answered(name, time.perf_counter() - started)
        if not 200 <= response.status < 300:
            self.results.failed(name, str(response.status))
            return None
        return json.loads(data) if data else None

    def dossier(self, application: dict[str, Any]) -> bool:
        body = {"procedure_code": "1.001193", "application": application, "reception": {"documents_checked": True}}
        receipt = self.call("receive", "POST", "/dossiers", "reception", body)
        if receipt is None:
            return False
        code = receipt["code"]
        for step, role, data in STEPS:
            detail = self.call("open", "GET", f"/dossiers/{code}", role)
            ready = [t["id"] for t in (detail or {}).get("tasks", []) if t["step"] == step and t["status"] == "ready"]
            if not ready or self.call("complete", "POST", f"/tasks/{ready[0]}/complete", role, {"data": data}) is None:
                return False
        returned = self.call("return", "POST", f"/dossiers/{code}/return", "reception",
                             {"method": "counter", "data": {"collected_by": "Nguyễn Văn An"}})
        return returned is not None

    def minimal(self) -> bool:
        """One instance of the minimal procedure: its two user tasks are the reception and the return."""
        application = {"applicant": {"full_name": "Nguyễn Văn An"}, "residence": {"unit_id": self.tokens["unit"]}}
        body = {"procedure_code": MINIMAL_PROCEDURE, "application": application, "reception": {}}
        receipt = self.call("receive", "POST", "/dossiers", "reception", body)
        if receipt is None or self.call("open", "GET", f"/dossiers/{receipt['code']}", "reception") is None:
            return False
        returned = self.call("return", "POST", f"/dossiers/{receipt['code']}/return", "reception",
                             {"method": "counter", "data": {"collected_by": "Nguyễn Văn An"}})
        return returned is not None


class Results:
    def __init__(self, completions_per_dossier: int) -> None:
        self.completions_per_dossier = completions_per_dossier
        self._lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.dossiers = 0

    def answered(self, name: str, seconds: float) -> None:
        with self._lock:
            self.latencies[name].append(seconds)

    def failed(self, name: str, why: str) -> None:
        with self._lock:
            self.errors[name][why] += 1

    def returned(self) -> None:
        with self._lock:
            self.dossiers += 1

    def summary(self, elapsed: float) -> dict[str, Any]:
        calls = {name: {"n": len(samples), **percentiles(samples)} for name, samples in self.latencies.items()}
        return {"seconds": elapsed, "dossiers_per_s": self.dossiers / elapsed,
                "completions_per_s": self.dossiers * self.completions_per_dossier / elapsed,
                "calls_per_s": sum(len(s) for s in self.latencies.values()) / elapsed,
                "calls": calls, "errors": {k: dict(v) for k, v in self.errors.items()}}


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 2) if ordered else 0.0
    return {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99)}


def run(url: str, communes: list[dict[str, str]], *, users: int, seconds: float, rate: float | None,
        protocol: str = "birth") -> dict[str, Any]:
    scenario = json.loads((ROOT / "processes/birth_registration/scenarios/straight.json").read_text("utf-8"))
    results = Results(COMPLETIONS_PER_DOSSIER[protocol])
    started = time.perf_counter()
    deadline = started + seconds
    schedule = iter(range(sys.maxsize))
    schedule_lock = threading.Lock()

    def officer(tokens: dict[str, str]) -> None:
        me = Officer(url, tokens, results)
        application = json.loads(json.dumps(scenario["application"]))
        application["residence"]["unit_id"] = tokens["unit"]
        while True:
            if rate is not None:  # open loop: take the next start time, wait for it
                with schedule_lock:
                    start_at = started + next(schedule) / rate
                if start_at >= deadline:
                    return
                time.sleep(max(0.0, start_at - time.perf_counter()))
            elif time.perf_counter() >= deadline:
                return
            if me.minimal() if protocol == "minimal" else me.dossier(application):
                results.returned()

    # Each officer works at a commune of their own, as the counters of a province do.
    threads = [threading.Thread(target=officer, args=(communes[i % len(communes)],), daemon=True)
               for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    summary = results.summary(time.perf_counter() - started)
    summary.update(users=users, rate=rate, protocol=protocol)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--tokens", required=True, type=Path,
                        help="JSON: per commune, a bearer token per role and its unit")
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, help="dossiers started per second (open loop)")
    parser.add_argument("--protocol", choices=tuple(COMPLETIONS_PER_DOSSIER), default="birth",
                        help="birth registrations (6 calls each) or the minimal procedure 9.000002 (3 calls)")
    args = parser.parse_args()
    communes = json.loads(args.tokens.read_text())
    print(json.dumps(run(args.url, communes, users=args.users, seconds=args.seconds, rate=args.rate,
                         protocol=args.protocol)))


if __name__ == "__main__":
    main()
