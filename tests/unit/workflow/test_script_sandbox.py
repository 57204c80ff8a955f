"""The sandbox: scripts whose work happens inside C code (where the tick never runs and the GIL is held)
pass the static check, and are stopped by the worker process's OS limits or its deadline; the server
process and other scripts carry on; what a script leaves must be JSON data."""

from __future__ import annotations

import re
import resource
import threading
from time import monotonic

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from engine.workflow.script_engine import (
    RestrictedEnvironment,
    RestrictedScriptEngine,
    ScriptLimitError,
    ScriptLimits,
    ScriptRejectedError,
    ScriptValueError,
    check_script,
)
from engine.workflow.script_sandbox import GRACE_SECONDS, ScriptSandbox
from tests.unit.workflow.builders import unvalidated_workflow

LIMITS = ScriptLimits(seconds=0.3, memory_bytes=128 * 2**20)
BIG = "[[0] * 10**6] * 10**6"
"""A million references to one list of a million zeros: 8 MB, but 10**12 items to anything that walks it."""

# Found by an attack on the running product (issue 17): each passed the static check and froze a worker.
REPORTED_CPU = {
    "equal_big_lists": f"{BIG} == {BIG}",
    "count_in_big_list": f"a = {BIG}\nn = a.count([0] * 10**6)",
    "fromkeys_equal": "dict.fromkeys(range(10**4), [0] * 10**6) == dict.fromkeys(range(10**4), [0] * 10**6)",
    "hash_nested_tuple": "n = len({((0,) * 10**6,) * 10**6})",
    "set_of_big_tuple": "t = (0,) * 10**6\nn = len(set([t] * 10**6))",
    "tuple_less_than": "a = ((0,) * 10**6,) * 10**6\nb = ((0,) * 10**6,) * 10**6\nx = a < b",
    "max_of_equal_lists": f"x = max({BIG})",
    "sorted_equal_lists": f"x = len(sorted({BIG}))",
}
REPORTED_MEMORY = {
    "str_of_big_list": f"s = str({BIG})",
    "zip_transpose": "x = list(zip(*[[0] * 10**6] * 1000))",
    "tuple_transpose": "x = tuple(zip(*[[0] * 10**6] * 1000))",
    "sorted_transpose": "x = sorted(zip(*[[0] * 10**6] * 1000))",
    "dict_of_enumerate": "x = dict(enumerate(zip(*[[0] * 10**6] * 1000)))",
}
# Twenty more of our own, the same idea in other C routines.
OWN_ATTEMPTS = {
    "not_equal": f"{BIG} != {BIG}",
    "less_or_equal": f"{BIG} <= {BIG}",
    "greater": f"x = {BIG} > {BIG}",
    "min_of_equal_lists": f"x = min({BIG})",
    "sorted_reverse": f"x = len(sorted({BIG}, reverse=True))",
    "list_index_missing": f"a = {BIG}\nn = a.index([0] * 999999 + [1])",
    "list_remove_missing": f"a = {BIG}\na.remove([0] * 999999 + [1])",
    "membership": f"x = [0] * 999999 + [1] in {BIG}",
    "list_sort_in_place": f"a = {BIG}\na.sort()",
    "nested_isinstance": "t = (str,) * 10**6\nx = isinstance(0, (t,) * 10**6)",
    "dict_fromkeys_big_tuple": "t = (0,) * 10**6\nd = len(dict.fromkeys([t] * 10**6))",
    "set_comprehension_hash": "t = (0,) * 10**6\ns = len({*[t] * 10**6})",
    "tuple_in_set": "t = ((0,) * 10**6,) * 10**6\nx = t in {1}",
    "enumerate_equal": f"x = list(enumerate({BIG})) == list(enumerate({BIG}))",
    "zip_equal": f"x = list(zip({BIG})) == list(zip({BIG}))",
    "dict_values_equal": "list(dict.fromkeys(range(10**4), [0] * 10**6).values()) == "
                         "list(dict.fromkeys(range(10**4), [0] * 10**6).values())",
    "str_of_dict": "s = str(dict.fromkeys(range(10**4), [0] * 10**6))",
    "set_of_zip": "x = len(set(zip(*[[0] * 10**6] * 1000)))",
    "sort_key_builds": "x = sorted(range(10**4), key=lambda a: [a] * 10**6)",
    "sorted_pairs": "x = len(sorted([[0] * 10**6, [0] * 10**6] * 500000))",
    "str_of_nested_tuple": "s = len(str(((0,) * 10**6,) * 10**6))",
    "str_split_big": "s = ('a ' * 500000).split()\nt = len(str([s] * 10**6))",
}
BOMBS = {**REPORTED_CPU, **REPORTED_MEMORY, **OWN_ATTEMPTS}


@pytest.fixture(scope="module")
def env() -> RestrictedEnvironment:
    sandbox = ScriptSandbox(size=2)
    yield RestrictedEnvironment(limits=LIMITS, sandbox=sandbox)
    sandbox.close()


def test_there_are_twenty_attempts_of_our_own() -> None:
    assert len(OWN_ATTEMPTS) >= 20


@pytest.mark.parametrize("source", BOMBS.values(), ids=BOMBS.keys())
def test_bomb_passes_the_static_check_and_is_stopped_within_its_deadline(env: RestrictedEnvironment,
                                                                          source: str) -> None:
    # A statement (`x = ...`) runs as a script task, an expression as a condition.
    is_script = re.match(r"\w+ = ", source) is not None or "\n" in source
    check_script(source, "exec" if is_script else "eval")
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = monotonic()
    with pytest.raises(ScriptLimitError, match=r"longer than|memory|too large|operating system"):
        env.execute(source, {}) if is_script else env.evaluate(source, {})
    assert monotonic() - started < LIMITS.seconds + GRACE_SECONDS + 0.5
    # The server's own process did not grow: the bomb lived in the worker.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 50 * 1024  # KiB
    data = {"fee": 50_000}
    env.execute("total = fee * 3", data)  # the sandbox works on at once
    assert data["total"] == 150_000


def test_a_bomb_in_a_gateway_condition_fails_its_step_clearly() -> None:
    sandbox = ScriptSandbox(size=1)
    engine = RestrictedScriptEngine(RestrictedEnvironment(limits=LIMITS, sandbox=sandbox))
    with pytest.raises(WorkflowTaskException, match=r"stopped: Script ran longer than 0\.3 s"):
        unvalidated_workflow(engine, "total = 1", REPORTED_CPU["equal_big_lists"]).do_engine_steps()
    follower = unvalidated_workflow(engine, "total = fee * 2", fee=50_000)
    follower.do_engine_steps()
    assert follower.is_completed() and follower.data["total"] == 100_000
    sandbox.close()


def test_other_threads_carry_on_while_a_bomb_runs() -> None:
    sandbox = ScriptSandbox(size=2)
    env = RestrictedEnvironment(limits=ScriptLimits(seconds=1.0), sandbox=sandbox)
    outcome: list[BaseException] = []

    def bomb() -> None:
        try:
            env.evaluate(REPORTED_CPU["equal_big_lists"], {})
        except ScriptLimitError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=bomb)
    thread.start()
    done = 0
    started = monotonic()
    while thread.is_alive():
        data = {"n": 50}
        env.execute("total = sum(range(n))", data)
        assert data["total"] == sum(range(50))
        done += 1
    thread.join()
    assert len(outcome) == 1
    # Ordinary scripts ran all along (a frozen GIL would have let through none until the bomb ended).
    assert done > 50 and monotonic() - started < 2.5
    sandbox.close()


def test_a_killed_worker_is_replaced() -> None:
    sandbox = ScriptSandbox(size=1)
    env = RestrictedEnvironment(limits=LIMITS, sandbox=sandbox)
    env.execute("x = 1", {})
    first = sandbox._idle[0].process.pid
    with pytest.raises(ScriptLimitError):
        env.evaluate(REPORTED_CPU["equal_big_lists"], {})
    data: dict = {}
    env.execute("x = 2", data)
    assert data == {"x": 2} and sandbox._idle[0].process.pid != first
    sandbox.close()


UNSTORABLE = {
    "set": "x = {1, 2}",
    "bytes": "x = b'a'",
    "timedelta": "x = timedelta(days=1)",
    "date": "x = date(2025, 7, 1)",
    "range": "x = range(3)",
    "dict_view": "x = {'a': 1}.keys()",
    "generator": "x = (i for i in range(3))",
    "tuple_key": "x = {(1, 2): 3}",
    "int_key": "x = {1: 'a'}",
    "huge_int": "x = 10**5000",
    "int_over_64_bits": "x = 2**64",
    "negative_over_64_bits": "x = -2**63 - 1",
    "infinity": "x = 1e308 * 10",
    "nan": "x = float('nan')",
    "surrogate": "x = '\\ud800'",
    "surrogate_key": "x = {'\\udfff': 1}",
    "nested_set": "x = {'a': [1, {'b': {2}}]}",
    "too_deep": "x = {}\nfor i in range(300):\n    x = {'a': x}",
}


@pytest.mark.parametrize("source", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_a_value_the_state_cannot_store_is_refused_by_name(env: RestrictedEnvironment, source: str) -> None:
    data = {"kept": 1}
    with pytest.raises(ScriptValueError, match=r"'x.*(cannot be stored|not text)"):
        env.execute(source, data)
    assert data == {"kept": 1}  # nothing half-applied


def test_json_values_cross_unchanged(env: RestrictedEnvironment) -> None:
    data: dict = {"application": {"name": "Nguyễn Văn An 😀", "n": 2**63}}
    env.execute("x = [application['name'], application['n'], 2**64 - 1, -2**63, 1.5, None, True, (1, 2)]\n"
                "y = {'k': {'nested': [1]}}", data)
    assert data["x"] == ["Nguyễn Văn An 😀", 2**63, 2**64 - 1, -(2**63), 1.5, None, True, [1, 2]]
    assert data["y"] == {"k": {"nested": [1]}}


def test_assert_with_a_list_fails_the_step_with_its_text() -> None:
    engine = RestrictedScriptEngine(RestrictedEnvironment(limits=LIMITS))
    with pytest.raises(WorkflowTaskException, match=r"AssertionError:\[1\]") as caught:
        unvalidated_workflow(engine, "total = 1\nassert False, [1]").do_engine_steps()
    assert caught.value.line_number == 2


def test_task_data_the_sandbox_cannot_send_is_refused(env: RestrictedEnvironment) -> None:
    with pytest.raises(ScriptValueError, match="'when' is a set"):
        env.evaluate("len(when) > 0", {"when": {1}})


def test_a_refused_source_never_reaches_a_worker() -> None:
    sandbox = ScriptSandbox(size=1)
    with pytest.raises(ScriptRejectedError):
        RestrictedEnvironment(sandbox=sandbox).execute("import os", {})
    assert sandbox._idle == []


def test_the_worker_gets_nothing_of_the_servers_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONESTOP_DATABASE_URL", "postgresql://secret@db/prod")
    sandbox = ScriptSandbox(size=1)
    RestrictedEnvironment(sandbox=sandbox).execute("x = 1", {})
    with open(f"/proc/{sandbox._idle[0].process.pid}/environ", "rb") as environ:
        assert b"ONESTOP" not in environ.read()
    sandbox.close()
