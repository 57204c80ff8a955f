"""What one script task and one gateway condition cost (issue 17): the restricted engine's execute and
evaluate on a dossier-sized task data, timed over many calls, one thread and two at once.

    .venv/bin/python -m bench.scripts [--calls 5000]

Prints µs per call (median of five rounds). The scripts run wherever the engine runs them; since
issue 17 that is the sandbox's worker processes, so the figure includes the round trip.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable

from engine.workflow.script_engine import RestrictedEnvironment

# About the size of a birth registration's task data: the application and a few step results.
DATA = {
    "application": {
        "child": {"full_name": "Nguyễn Văn An", "birth_date": "2025-07-01", "sex": "male", "birth_place": "Huế"},
        "mother": {"full_name": "Trần Thị Bình", "id_number": "046190000001", "address": "12 Lê Lợi, Phú Xuân"},
        "father": {"full_name": "Nguyễn Văn Cường", "id_number": "046188000002", "address": "12 Lê Lợi"},
        "bundle": 2, "copies": 3,
    },
    "fee": 50_000, "register_book": "01/2025", "register_number": 57, "review_result": "approved",
}
SCRIPT = "total = fee * application['copies'] + 10_000\nneeds_verification = total > 100_000"
CONDITION = "application['bundle'] >= 2 and review_result == 'approved'"


def _per_call(call: Callable[[], object], calls: int) -> float:
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(calls):
            call()
        rounds.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(rounds)


def _two_threads(call: Callable[[], object], calls: int) -> float:
    """µs per call with two threads calling at once (wall time over both threads' calls)."""
    threads = [threading.Thread(target=lambda: [call() for _ in range(calls)]) for _ in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (time.perf_counter() - started) / (2 * calls) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5000)
    calls = parser.parse_args().calls
    env = RestrictedEnvironment()
    script = lambda: env.execute(SCRIPT, dict(DATA))  # noqa: E731
    condition = lambda: env.evaluate(CONDITION, DATA)  # noqa: E731
    script(), condition()  # warm: compiled, and the sandbox's first worker started
    for label, call in (("script task", script), ("gateway condition", condition)):
        print(f"{label:18} {_per_call(call, calls):8.1f} µs/call   two threads {_two_threads(call, calls):8.1f}")


if __name__ == "__main__":
    main()
