"""The escape corpus: well-known ways out of Python sandboxes, each refused when a procedure version is
validated, and failing its step cleanly when forced into a running workflow that skipped validation."""

from __future__ import annotations

import re
import resource
from time import monotonic

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from engine.workflow import inspect_spec
from engine.workflow.script_engine import RestrictedScriptEngine, ScriptRejectedError, check_script
from tests.unit.workflow.builders import script_process, unvalidated_workflow

CORPUS: dict[str, tuple[str, str]] = {
    # name: (source, what the refusal names)
    # Reaching object, then every class in the process, through dunder attributes.
    "bases_subclasses": ("().__class__.__bases__[0].__subclasses__()", "__subclasses__"),
    "mro_subclasses": ("[c for c in ''.__class__.__mro__[1].__subclasses__() if c.__name__ == 'Popen']",
                       "__subclasses__"),
    "object_subclasses": ("object.__subclasses__()", "__subclasses__"),
    "warnings_module_builtins": ("[c for c in ().__class__.__base__.__subclasses__()][0]()._module.__builtins__",
                                 "__builtins__"),
    "reduce_ex_globals": ("().__reduce_ex__(2)[0].__globals__", "__globals__"),
    "dict_getitem_slot": ("dict.__getitem__(x, 'a')", "__getitem__"),
    "getattribute_slot": ("x.__getattribute__('__class__')", "__getattribute__"),
    # Importing.
    "dunder_import": ("__import__('os')", "__import__"),
    "dunder_import_system": ("__import__('os').system('id')", "system"),
    "import_statement": ("import os", "import"),
    "from_import": ("from subprocess import run", "import"),
    "fullwidth_dunder_import": ("_\uff3fimport__('os')", "__import__"),
    # Builtins that run code, read objects or talk to the terminal.
    "builtins_name": ("__builtins__['eval']('1')", "__builtins__"),
    "builtins_walrus": ("(__builtins__ := {'open': 1})", "__builtins__"),
    "builtins_assign": ("__builtins__ = {}", "__builtins__"),
    "getattr": ("getattr(x, '__cl' + 'ass__')", "getattr"),
    "getattr_as_sort_key": ("sorted([x], key=getattr)", "getattr"),
    "vars": ("vars(x)", "vars"),
    "vars_as_max_key": ("max([x], key=vars)", "vars"),
    "globals": ("globals()", "globals"),
    "locals": ("locals()['__builtins__']", "locals"),
    "eval": ("eval(\"__import__('os')\")", "eval"),
    "exec": ("exec('import os')", "exec"),
    "compile": ("compile('1', 'x', 'eval')", "compile"),
    "breakpoint": ("breakpoint()", "breakpoint"),
    "help": ("help()", "help"),
    "open": ("f = open('/etc/passwd')", "open"),
    "input": ("input()", "input"),
    "print": ("print(x)", "print"),
    "iter_forever": ("for i in iter(int, 1):\n    pass", "iter"),
    "memoryview": ("memoryview(b'abc')", "memoryview"),
    "setattr": ("setattr(date, 'today', 1)", "setattr"),
    "script_e_eval": ("\u212fval('1')", "eval"),  # NFKC makes it eval
    "fullwidth_attribute": ("x.__\uff43lass__", "__class__"),
    "type_three_args": ("type('X', (), {})", "type"),
    "type_base": ("type(x).__base__", "__base__"),
    # Attributes read from inside a string.
    "str_format_attribute": ("'{0.__class__.__init__.__globals__}'.format(x)", "format"),
    "str_format_map": ("'{x.__class__}'.format_map({'x': x})", "format_map"),
    "format_method_reference": ("f = '{0.__class__}'.format", "format"),
    "fstring_dunder": ('y = f"{x.__class__}"', "__class__"),
    "fstring_dunder_in_spec": ('y = f"{x:{x.__class__}}"', "__class__"),
    # Frames, code and tracebacks: the way back to real globals and builtins.
    "generator_frame": ("g = (i for i in [1])\nf = g.gi_frame.f_back.f_globals", "f_globals"),
    "generator_code": ("(i for i in [1]).gi_code", "gi_code"),
    "generator_yieldfrom": ("(i for i in [1]).gi_yieldfrom", "gi_yieldfrom"),
    "lambda_globals": ("(lambda: 0).__globals__['__builtins__']", "__globals__"),
    "lambda_code": ("(lambda: 0).__code__.co_consts", "co_consts"),
    "lambda_closure": ("(lambda: x).__closure__", "__closure__"),
    "bound_method_self": ("date.today.__self__", "__self__"),
    "exception_traceback": ("try:\n    1 / 0\nexcept Exception as e:\n    f = e.__traceback__.tb_frame.f_globals",
                            "try"),
    "bare_except": ("try:\n    x = 1\nexcept:\n    pass", "try"),
    "sys_exc_info": ("sys.exc_info()[2].tb_frame", "tb_frame"),
    # Defining code or reaching outer scopes.
    "decorator": ("@eval\ndef f():\n    pass", "def"),
    "def_function": ("def f():\n    return 1", "def"),
    "class_definition": ("class A:\n    pass", "class"),
    "async_def": ("async def f():\n    pass", "async def"),
    "global_statement": ("global x", "global"),
    "with_statement": ("with open('f') as f:\n    pass", "with"),
    "annotation": ("y: __import__('os') = 1", "annotation"),
    "match_class_pattern": ("match x:\n    case str(__class__=c):\n        pass", "match statement"),
    "raise": ("raise SystemExit", "raise"),
    # Changing what other scripts see.
    "monkeypatch_datetime": ("datetime.now = lambda: 0", "now"),
    "datetime_internals": ("datetime.now().__reduce__()", "__reduce__"),
    "date_subclasses": ("date.__subclasses__()", "__subclasses__"),
    "str_mro": ("str.mro()", "mro"),
    # Huge allocations.
    "str_repeat_1e10": ('"a" * 10**10', "would build"),
    "list_repeat_1e9": ("[0] * 10**9", "would build"),
    "chained_repeat": ('"a" * 1000 * 1000 * 1000', "would build"),
    "power_tower": ("10**10**10", "bits"),
    "big_power": ("2**999999999", "bits"),
    "big_shift": ("1 << 10**9", "bits"),
    "percent_width": ('"%999999999d" % 1', "widths"),
    "percent_star_width": ('"%*d" % (999999999, 1)', "widths"),
    "fstring_width": ('f"{1:999999999}"', "widths"),
    "fstring_precision": ('f"{1.0:.999999999f}"', "widths"),
    "zfill_width": ("'1'.zfill(10**9)", "would build"),
    "strftime_width": ("date.today().strftime('%999999999Y')", "widths"),
    "round_digits": ("round(1, -10**9)", "round()"),
    "translate_amplifier": ("('a' * 10**5).translate(str.maketrans({'a': 'b' * 10**5}))", "translate"),
    "expandtabs": ("'\\t'.expandtabs(10**9)", "expandtabs"),
    "to_bytes": ("(1).to_bytes(10**9, 'big')", "to_bytes"),
    "star_args_repeat": ("max(*[0] * 10**9)", "would build"),
    # Running forever.
    "while_true": ("while True:\n    pass", "while loop"),
    "range_overflow": ("list(range(10**30))", "range()"),
    "range_huge_step": ("len(range(0, 10**100, 2))", "range()"),
    "nested_comprehension_1e12": ("[1 for a in range(10**4) for b in range(10**4) for c in range(10**4)]", "Loops"),
    "nested_loops_1e8": ("for a in range(10**4):\n    for b in range(10**4):\n        pass", "Loops"),
    "lambda_self_application": ("(lambda f: f(f))(lambda f: f(f))", "lambda"),
    "lambda_recursion_by_name": ("f = lambda n: f(n + 1)\nf(0)", "lambda"),
    "lambda_calls_lambda": ("(lambda: (lambda: 1)())()", "lambda"),
    # Exhausting the parser or the compiler.
    "deep_parentheses": ("(" * 1000 + ")" * 1000, "nested"),
    "deep_unary": ("-" * 5000 + "1", "nested"),
    "deep_lists": ("[" * 150 + "]" * 150, "nested"),
    "long_source": ("x = 1\n" * 5000, "longer than"),
}
ESCAPES = [pytest.param(source, reason, id=name) for name, (source, reason) in CORPUS.items()]


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 30


@pytest.mark.parametrize(("source", "reason"), ESCAPES)
def test_check_script_refuses_the_escape(source: str, reason: str) -> None:
    with pytest.raises(ScriptRejectedError, match=re.escape(reason)):
        check_script(source)


@pytest.mark.parametrize("name", ["bases_subclasses", "fullwidth_dunder_import", "str_format_attribute",
                                  "generator_frame", "str_repeat_1e10", "lambda_self_application"])
def test_validating_a_procedure_reports_the_escaping_script(name: str) -> None:
    _, problems = inspect_spec(script_process(script=CORPUS[name][0]), "proc")
    assert [p.element_id for p in problems] == ["compute"]


@pytest.mark.parametrize("name", ["builtins_name", "fstring_dunder", "power_tower", "percent_width"])
def test_validating_a_procedure_reports_the_escaping_condition(name: str) -> None:
    _, problems = inspect_spec(script_process(condition=CORPUS[name][0].removeprefix("y = ")), "proc")
    assert [p.element_id for p in problems] == ["f_yes"]


@pytest.fixture(scope="module")
def engine() -> RestrictedScriptEngine:
    return RestrictedScriptEngine()


@pytest.mark.parametrize(("source", "reason"), ESCAPES)
def test_forced_into_a_workflow_the_step_fails_and_the_engine_goes_on(source: str, reason: str,
                                                                      engine: RestrictedScriptEngine) -> None:
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = monotonic()
    with pytest.raises(WorkflowTaskException, match=rf"Script(Rejected|Limit)Error.*{re.escape(reason)}"):
        unvalidated_workflow(engine, source, fee=50_000, x="text").do_engine_steps()
    assert monotonic() - started < 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 100 * 1024  # KiB
    follower = unvalidated_workflow(engine, "total = fee * 2", fee=50_000)
    follower.do_engine_steps()
    assert follower.is_completed() and follower.data["total"] == 100_000
