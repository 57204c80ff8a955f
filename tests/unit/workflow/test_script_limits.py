"""Run-time limits: scripts that pass the static check but would run forever or build huge values are
stopped while they run, quickly, and leave the engine working."""

from __future__ import annotations

import resource
import threading
from datetime import date
from time import monotonic

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from engine.workflow.script_engine import (
    RestrictedEnvironment,
    RestrictedScriptEngine,
    ScriptLimitError,
    ScriptLimits,
    check_script,
)
from tests.unit.workflow.builders import run_in_process, unvalidated_workflow

LIMITS = ScriptLimits(seconds=0.3, memory_bytes=64 * 2**20)
# Time enough for memory to be the limit that stops a script, however much freed memory the allocator
# hands back to it before the process grows.
MEMORY_LIMITS = ScriptLimits(seconds=10, memory_bytes=64 * 2**20)

# Each passes check_script: the sizes and bounds only exist at run time.
RUNAWAYS = {
    "repeat_by_variable": ("n = 10\ns = 'a' * 10**n", "would build"),
    "list_repeat_by_variable": ("n = 9\nitems = [0] * 10**n", "would build"),
    "in_place_repeat": ("items = [0] * 1000\nfor i in range(30):\n    items *= 2", "would build"),
    "power_by_variable": ("n = 10\nx = 10**10**n", "bits"),
    "squaring_loop": ("x = 3\nfor i in range(40):\n    x = x * x", "bits"),
    "power_loop": ("x = 3\nfor i in range(40):\n    x = x ** 2", "bits"),
    "shift_by_variable": ("e = 10**9\nx = 1 << e", "bits"),
    "percent_width_built": ("t = '%' + '999999999d'\ns = t % 1", "widths"),
    "percent_star_built": ("t = '%' + '*d'\ns = t % (999999999, 1)", "widths"),
    "fstring_width_variable": ("w = 999999999\ns = f'{1:{w}}'", "widths"),
    "zfill_variable": ("n = 10**9\ns = '1'.zfill(n)", "would build"),
    "str_join_unbound": ("sep = '-' * 10**5\ns = str.join(sep, ['a'] * 10**5)", "join()"),
    "join_amplifier": ("sep = '-' * 10**5\ns = sep.join(['a'] * 10**5)", "join()"),
    "replace_amplifier": ("s = 'x' * 10**5\nt = s.replace('', s)", "replace()"),
    "strftime_width_built": ("f = '%' + '9999999Y'\ns = date(2025, 1, 1).strftime(f)", "widths"),
    "round_digits_variable": ("n = 10**8\nx = round(1, -n)", "round()"),
    "sum_of_lists": ("x = sum([[0] * 1000] * 1000, [])", "sum()"),
    "range_by_variable": ("n = 10**12\nx = list(range(n))", "range()"),
    "nested_loops_by_variable": ("n = 10000\nt = 0\nfor a in range(n):\n    for b in range(n):\n        t = t + 1",
                                 "longer than"),
    "comprehension_by_variable": ("n = 10000\nt = sum(1 for a in range(n) for b in range(n))", "longer than"),
    "heavy_sort_key": ("n = 10000\nx = sorted(range(n), key=lambda a: sum(range(n)))", "longer than"),
    "doubling_string": ("s = 'ab'\nfor i in range(60):\n    s = s + s", "memory"),
    "doubling_list_in_place": ("items = [0] * 1000\nfor i in range(60):\n    items.extend(items)", "memory"),
    "many_large_lists": ("items = []\nfor i in range(10000):\n    items.append([i] * 10**6)", "memory"),
    "copies_in_one_statement": ("big = [0] * 10**6\ncopies = [" + "list(big), " * 200 + "]", "memory"),
    "self_similar_stored": ("x = [0]\nfor i in range(60):\n    x = [x, x]", "left are larger"),
    "cycle_stored": ("x = []\nx.append(x)", "left are larger"),
    "self_similar_fstring": ("x = [0]\nfor i in range(60):\n    x = [x, x]\ns = f'{x}'", "too large to write"),
    "self_similar_percent": ("x = [0]\nfor i in range(60):\n    x = [x, x]\ns = '%s' % (x,)", "too large to write"),
}
CASES = [pytest.param(source, reason, id=name) for name, (source, reason) in RUNAWAYS.items()]


@pytest.mark.parametrize(("source", "reason"), CASES)
def test_runaway_passes_the_static_check(source: str, reason: str) -> None:
    check_script(source)


@pytest.mark.parametrize(("source", "reason"), CASES)
def test_runaway_is_stopped_at_run_time(source: str, reason: str) -> None:
    limits = MEMORY_LIMITS if reason == "memory" else LIMITS
    env = RestrictedEnvironment(limits=limits)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = monotonic()
    with pytest.raises(ScriptLimitError, match=reason):
        env.execute(source, {})
    assert monotonic() - started < (3 if reason == "memory" else LIMITS.seconds + 1)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 1024 * 1024  # KiB: under 1 GiB
    data = {"fee": 50_000}
    env.execute("total = fee * 3", data)
    assert data["total"] == 150_000


def test_a_runaway_condition_is_stopped() -> None:
    env = RestrictedEnvironment(limits=LIMITS)
    with pytest.raises(ScriptLimitError, match="longer than"):
        env.evaluate("all(a != b + n for a in range(n) for b in range(n))", {"n": 10_000})


def test_a_runaway_step_fails_its_workflow_and_the_engine_goes_on() -> None:
    engine = RestrictedScriptEngine(RestrictedEnvironment(limits=LIMITS))
    started = monotonic()
    with pytest.raises(WorkflowTaskException, match=r"ScriptLimitError.*longer than"):
        unvalidated_workflow(engine, RUNAWAYS["nested_loops_by_variable"][0], fee=50_000).do_engine_steps()
    assert monotonic() - started < LIMITS.seconds + 1
    follower = unvalidated_workflow(engine, "total = fee * 2", fee=50_000)
    follower.do_engine_steps()
    assert follower.is_completed() and follower.data["total"] == 100_000


def test_a_runaway_gateway_condition_fails_with_a_clear_message() -> None:
    engine = RestrictedScriptEngine(RestrictedEnvironment(limits=LIMITS))
    condition = "sum(1 for a in range(total) for b in range(total)) > 0"
    with pytest.raises(WorkflowTaskException, match=r"stopped: Script ran longer than 0\.3 s"):
        unvalidated_workflow(engine, "total = 10000", condition).do_engine_steps()


def test_the_deadline_stops_a_loop_soon_after_it_passes() -> None:
    env = RestrictedEnvironment(limits=ScriptLimits(seconds=0.1))
    started = monotonic()
    with pytest.raises(ScriptLimitError):
        env.execute("n = 10000\nfor a in range(n):\n    for b in range(n):\n        pass", {})
    assert 0.1 <= monotonic() - started < 0.5


def test_a_runaway_in_one_thread_leaves_other_threads_alone() -> None:
    env = RestrictedEnvironment(limits=LIMITS)
    outcome: list[BaseException] = []

    def runaway() -> None:
        try:
            env.execute(RUNAWAYS["nested_loops_by_variable"][0], {})
        except ScriptLimitError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=runaway)
    thread.start()
    results = []
    while thread.is_alive():
        data = {"n": 500}
        env.execute("total = 0\nfor i in range(n):\n    total = total + i", data)
        results.append(data["total"])
    thread.join()
    assert len(outcome) == 1
    assert results and set(results) == {sum(range(500))}


def test_guarded_operations_keep_python_semantics() -> None:
    data = {"items": [1, 2], "price": 1.5, "day": date(2025, 7, 1)}
    run_in_process(
        "alias = items\n"
        "items *= 2\n"
        "code = str(7).zfill(4)\n"
        "label = ', '.join(str(i) for i in items).replace(', ', '/')\n"
        "money = f'{1234567:,} {price:.2f} {day:%d/%m/%Y} {code!r:>8}'\n"
        "share = '%s: %05.1f%%' % ('fee', 12.345)\n"
        "big = 2 ** 100 << 3\n"
        "third = round(10 / 3, 2)\n"
        "days = sum([day - date(2025, 6, 1), day - date(2025, 6, 30)], day - day)\n"
        "name = str.upper('an')\n"
        "later = day.replace(year=2026)\n"
        "same = items\n"
        "items += [9]\n"
        "rest = {1, 2} - {1}\n"
        "merged = {**{'a': 1}, 'b': 2} | {'c': 3}\n"
        "tail = [*items[3:], 0]\n"
        "gap = later - day\n",
        data,
    )
    assert data["alias"] is data["items"] is data["same"]  # *= and += stay in place
    assert data["code"] == "0007"
    assert data["label"] == "1/2/1/2"
    assert data["money"] == "1,234,567 1.50 01/07/2025   '0007'"
    assert data["share"] == "fee: 012.3%"
    assert data["big"] == 2**103
    assert data["third"] == 3.33
    assert data["days"].days == 31
    assert data["name"] == "AN"
    assert data["later"] == date(2026, 7, 1)
    assert data["items"] == [1, 2, 1, 2, 9]
    assert data["rest"] == {2}
    assert data["merged"] == {"a": 1, "b": 2, "c": 3}
    assert data["tail"] == [2, 9, 0]
    assert data["gap"].days == 365


def test_tick_and_guard_names_never_reach_task_data() -> None:
    data: dict = {"__guard_tick": "form field", "n": 3}
    RestrictedEnvironment().execute("total = sum(i * 2 for i in range(n))", data)
    assert data == {"n": 3, "total": 6}
