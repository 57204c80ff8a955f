"""Escapes the restricted script engine must refuse, and the legitimate scripts it must still run."""

from __future__ import annotations

from datetime import date

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.workflow.script_check import ALLOWED_ATTRIBUTES, BUILTIN_NAMES, GUARDED_METHODS
from engine.workflow.script_engine import (
    MAX_RANGE_ITEMS,
    RestrictedEnvironment,
    RestrictedScriptEngine,
    ScriptRejectedError,
    check_script,
    compile_script,
)
from engine.workflow.script_guards import SAFE_BUILTINS
from tests.unit.workflow.builders import run_in_process

ESCAPES = [
    "__import__('os')",
    "import os",
    "from os import path",
    "().__class__.__bases__[0].__subclasses__()",
    "open('/etc/passwd')",
    "getattr(x, '__class__')",
    "eval('1')",
    "exec('x=1')",
    "globals()",
    "[c for c in ().__class__.__mro__]",
    "type(x)",
    "while True:\n    pass",
    "def f():\n    pass",
    "y = range(10**9)",
    'y = f"{x.__class__}"',
    "x.__dict__",
    "'{0.__class__}'.format(x)",
    "g = (1 for _ in [1])\nf = g.gi_frame",
    "str.mro()",
    "match x:\n    case str(__class__=c):\n        pass",
    "global x",
    "class C:\n    pass",
]


@pytest.fixture
def env() -> RestrictedEnvironment:
    return RestrictedEnvironment()


@pytest.mark.parametrize("script", ESCAPES)
def test_escape_is_refused_at_run_time(env: RestrictedEnvironment, script: str) -> None:
    # NameError covers whitelisted-out builtins that pass the static check (open, eval, type...).
    with pytest.raises((ScriptRejectedError, NameError)):
        env.execute(script, {"x": "text"})


@pytest.mark.parametrize(
    ("script", "construct"),
    [
        ("__import__('os')", "__import__"),
        ("import os", "import"),
        ("from os import path", "import"),
        ("().__class__", "__class__"),
        ("while True:\n    pass", "while"),
        ("def f():\n    pass", "def"),
        ('y = f"{x.__class__}"', "__class__"),
        ("x = 1\nx.__dict__", "line 2"),
    ],
)
def test_static_check_names_construct_and_line(script: str, construct: str) -> None:
    with pytest.raises(ScriptRejectedError, match=construct):
        check_script(script)


def test_dangerous_builtins_are_not_reachable(env: RestrictedEnvironment) -> None:
    # Names that can only be code (eval, getattr...) are refused outright; names a form field could also
    # have (open, type...) are not builtins at run time.
    for name in ("open", "getattr", "eval", "exec", "globals", "type", "object", "vars", "compile", "print"):
        with pytest.raises((NameError, ScriptRejectedError)):
            env.evaluate(f"{name}", {})


def test_range_is_capped(env: RestrictedEnvironment) -> None:
    assert env.evaluate(f"len(range({MAX_RANGE_ITEMS}))", {}) == MAX_RANGE_ITEMS
    with pytest.raises(ScriptRejectedError, match="range"):
        env.execute("y = range(10**9)", {})
    with pytest.raises(ScriptRejectedError, match="range"):
        env.execute("y = list(range(0, 10**30, 7))", {})


def test_long_source_is_rejected() -> None:
    with pytest.raises(ScriptRejectedError, match="longer than"):
        check_script("x = 1\n" * 5_000)


def test_task_data_cannot_replace_builtins(env: RestrictedEnvironment) -> None:
    with pytest.raises(NameError):
        env.evaluate("open", {"__builtins__": {}})


def test_arithmetic_and_data_building(env: RestrictedEnvironment) -> None:
    data = {"fee": 50_000, "copies": 3, "application": {"child": {"full_name": "Nguyễn Văn An"}}}
    env.execute(
        "total = fee * copies + 10_000\n"
        "summary = {'total': total, 'items': [fee] * copies}\n"
        "name_length = len(application['child']['full_name'])\n",
        data,
    )
    assert data["total"] == 160_000
    assert data["summary"] == {"total": 160_000, "items": [50_000] * 3}
    assert data["name_length"] == len("Nguyễn Văn An")


def test_dates_comprehension_and_if() -> None:
    data = {"children": [{"age": 3}, {"age": 7}]}
    run_in_process(
        "year = date.fromisoformat('2025-07-01').year\n"
        "deadline = date(2025, 7, 1) + timedelta(days=15)\n"
        "ages = [c['age'] for c in children if c['age'] > 5]\n"
        "square = lambda n: n * n\n"
        "if sum(ages) > 5:\n"
        "    band = 'older'\n"
        "else:\n"
        "    band = 'younger'\n"
        "squares = sorted(square(n) for n in range(3))\n",
        data,
    )
    assert data["year"] == 2025
    assert data["deadline"] == date(2025, 7, 16)
    assert data["ages"] == [7]
    assert data["band"] == "older"
    assert data["squares"] == [0, 1, 4]
    # Builtins and functions never leak into the task data.
    assert "__builtins__" not in data
    assert "square" not in data


def test_gateway_condition(env: RestrictedEnvironment) -> None:
    assert env.evaluate("review_result == 'approved'", {"review_result": "approved"}) is True
    assert env.evaluate("\n  review_result == 'approved'\n", {"review_result": "rejected"}) is False


def test_engine_validate_rejects_before_publishing() -> None:
    engine = RestrictedScriptEngine()
    engine.validate("total = fee * 2")
    with pytest.raises(ScriptRejectedError, match="import"):
        engine.validate("import os")


BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="http://example.org/bpmn">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute"/>
    <bpmn:scriptTask id="compute" scriptFormat="python">
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="gateway"/>
    <bpmn:exclusiveGateway id="gateway" default="f_no"/>
    <bpmn:sequenceFlow id="f_yes" sourceRef="gateway" targetRef="approved">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="gateway" targetRef="rejected"/>
    <bpmn:scriptTask id="approved"><bpmn:script>outcome = 'approved'</bpmn:script></bpmn:scriptTask>
    <bpmn:scriptTask id="rejected"><bpmn:script>outcome = 'rejected'</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="approved" targetRef="end"/>
    <bpmn:sequenceFlow id="f4" sourceRef="rejected" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _run(script: str, condition: str = "review_result == 'approved'") -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(BPMN.format(script=script, condition=condition).encode())
    workflow = BpmnWorkflow(parser.get_spec("proc"), script_engine=RestrictedScriptEngine())
    workflow.do_engine_steps()
    return workflow


def test_workflow_runs_scripts_and_conditions_end_to_end() -> None:
    workflow = _run("review_result = 'approved'\ndue = (date(2025, 7, 1) + timedelta(days=3)).isoformat()")
    assert workflow.is_completed()
    assert workflow.data["outcome"] == "approved"
    assert workflow.data["due"] == "2025-07-04"
    assert "date" not in workflow.data


def test_a_date_left_in_the_task_data_fails_the_step_with_what_to_do() -> None:
    # The state is JSON: a date would come back as text after a save, so the step is refused instead.
    with pytest.raises(WorkflowTaskException, match=r"'due' is a date.*isoformat"):
        _run("review_result = 'approved'\ndue = date(2025, 7, 1)")


def test_workflow_refuses_forbidden_script() -> None:
    with pytest.raises(WorkflowTaskException, match=r"ScriptRejectedError.*import"):
        _run("import os")


def test_workflow_refuses_forbidden_condition() -> None:
    with pytest.raises(WorkflowTaskException, match=r"rejected.*__class__"):
        _run("review_result = 'approved'", condition="review_result.__class__ is str")


def test_the_check_and_the_run_agree_on_builtins_and_guarded_methods() -> None:
    assert set(SAFE_BUILTINS) == BUILTIN_NAMES
    assert GUARDED_METHODS <= ALLOWED_ATTRIBUTES


def test_scripts_are_compiled_once() -> None:
    assert compile_script("total = fee * 2") is compile_script("total = fee * 2")
