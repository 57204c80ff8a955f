"""Admins' form schemas cannot make the server fetch anything or match text in exponential time (issue 17):
references stay inside the procedure's forms, patterns run on RE2, a form's size is bounded with its
references followed, and what breaks any of it is a problem at validation with the JSON pointer of the
keyword; a stored form that breaks it is never run."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.domain.errors import ProcedureDefinitionError, ValidationFailedError
from engine.domain.form_keywords import FORMATS, FormValidator
from engine.domain.form_schema import MAX_DEPTH, MAX_SCHEMAS, form_registry, runnable, schema_problems
from engine.domain.forms import check_form, compile_form, compile_forms

DIALECT = "https://json-schema.org/draft/2020-12/schema"
REDOS = "^(a+)+$"
EVIL_INPUT = "a" * 10_000 + "!"  # Python's re would take longer than the universe on this
FORMS_DIR = Path(__file__).resolve().parents[3] / "forms"


def _form(**properties: Any) -> dict[str, Any]:
    return {"$schema": DIALECT, "type": "object", "properties": properties}


def _problems(schema: Any, form_id: str = "p/application") -> list[str]:
    return schema_problems({form_id: schema})


@pytest.fixture
def failing_without_re(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any, Any], list[str]]:
    """check_form giving the pointers that fail, while Python's `re` fails the test if anything matches or
    compiles with it."""
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"Python's re was called with {args[:1]!r}")

    def failing(validator: Any, data: Any) -> list[str]:
        with monkeypatch.context() as patched:
            for name in ("search", "match", "fullmatch", "compile", "findall", "finditer", "sub", "split"):
                patched.setattr(re, name, refuse)
            try:
                check_form(validator, data, form_id="f")
            except ValidationFailedError as exc:
                return [e.pointer for e in exc.errors]
        return []
    return failing


@pytest.fixture
def no_fetching(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, *a, **k: opened.append(str(url)))
    return opened


@pytest.mark.parametrize(("schema", "pointer"), [
    (_form(x={"$ref": "http://127.0.0.1:9/x.json"}), "/properties/x/$ref"),
    (_form(x={"$ref": "https://example.org/schema#/defs/a"}), "/properties/x/$ref"),
    (_form(x={"$ref": "file:///etc/passwd"}), "/properties/x/$ref"),
    (_form(x={"$ref": "urn:uuid:4f2a"}), "/properties/x/$ref"),
    (_form(x={"$ref": "other.json"}), "/properties/x/$ref"),
    (_form(x={"$ref": "../q/application"}), "/properties/x/$ref"),  # another procedure's form
    (_form(x={"$ref": "#/$defs/missing"}), "/properties/x/$ref"),
    (_form(x={"$ref": DIALECT}), "/properties/x/$ref"),  # held locally by jsonschema, but not a form
    (_form(x={"$dynamicRef": "http://127.0.0.1:9/x.json#meta"}), "/properties/x/$dynamicRef"),
    ({**_form(), "$schema": "http://127.0.0.1:9/meta.json"}, "/$schema"),
    ({**_form(), "$schema": "http://json-schema.org/draft-07/schema#"}, "/$schema"),
    (_form(x={"$schema": DIALECT, "type": "string"}), "/properties/x/$schema"),
    ({**_form(), "$id": "http://127.0.0.1:9/"}, "/$id"),
    (_form(x={"$id": "http://127.0.0.1:9/", "type": "string"}), "/properties/x/$id"),
    ({"allOf": [{"$ref": "http://127.0.0.1:9/a"}]}, "/allOf/0/$ref"),
    ({"enum": [{"pattern": REDOS}], "properties": {"x": {"$ref": "#/enum/0"}}}, "/properties/x/$ref"),
])
def test_a_reference_outside_the_procedure_is_a_problem_with_its_pointer(schema: dict[str, Any], pointer: str) -> None:
    problems = _problems(schema)
    assert len(problems) == 1 and problems[0].startswith(f"form 'p/application' at {pointer}: "), problems


def test_local_and_sibling_references_are_accepted_and_resolve() -> None:
    forms = {
        "p/application": {"$schema": DIALECT, "$id": "p/application", "type": "object",
                          "$defs": {"name": {"$anchor": "name", "type": "string", "maxLength": 5}},
                          "properties": {"a": {"$ref": "#/$defs/name"}, "b": {"$ref": "common"},
                                         "c": {"$ref": "common#/$defs/code"}, "d": {"$ref": "#name"},
                                         "e": {"$ref": "/p/common"}}},
        "p/common": {"type": "integer", "$defs": {"code": {"type": "string", "pattern": "^[0-9]{3}$"}}},
    }
    assert schema_problems(forms) == []
    validator = compile_forms(forms)["p/application"]
    check_form(validator, {"a": "abc", "b": 3, "c": "123", "d": "x", "e": 4}, form_id="p/application")
    with pytest.raises(ValidationFailedError) as caught:
        check_form(validator, {"a": "abcdefg", "b": "x", "c": "12", "d": 1, "e": "y"}, form_id="p/application")
    assert [e.pointer for e in caught.value.errors] == ["/a", "/b", "/c", "/d", "/e"]


def test_fields_named_like_keywords_are_fields() -> None:
    schema = _form(**{"$schema": {"type": "string"}, "$id": {"type": "string"}, "$ref": {"type": "string"}})
    assert _problems(schema) == []
    with pytest.raises(ValidationFailedError) as caught:
        check_form(compile_form(schema), {"$schema": 1, "$id": "x", "$ref": 2}, form_id="f")
    assert [e.pointer for e in caught.value.errors] == ["/$ref", "/$schema"]


def test_a_stored_form_that_breaks_the_rules_is_never_run(no_fetching: list[str]) -> None:
    with pytest.raises(ProcedureDefinitionError) as caught:
        compile_forms({"p/application": _form(x={"$ref": "http://127.0.0.1:9/x.json"}), "p/ok": _form()})
    assert [p.message for p in caught.value.problems] == [m for m in _problems(_form(
        x={"$ref": "http://127.0.0.1:9/x.json"}))]
    assert "/properties/x/$ref" in str(caught.value)
    assert no_fetching == []


@pytest.mark.parametrize("ref", ["http://127.0.0.1:9/x.json", "file:///etc/passwd", "https://example.org/s"])
def test_even_a_validator_built_around_the_checks_fetches_nothing(no_fetching: list[str], ref: str) -> None:
    schema = _form(x={"$ref": ref})
    validator = FormValidator(runnable("f", schema), registry=form_registry({"f": schema}), format_checker=FORMATS)
    with pytest.raises(ProcedureDefinitionError, match="outside its procedure"):
        check_form(validator, {"x": 1}, form_id="f")
    assert no_fetching == []


def _redos_cases() -> list[tuple[dict[str, Any], Any, list[str]]]:
    return [  # the schema, evil data, the pointers that fail
        (_form(x={"type": "string", "pattern": REDOS}), {"x": EVIL_INPUT}, ["/x"]),
        ({"type": "object", "patternProperties": {REDOS: {"type": "integer"}}}, {EVIL_INPUT: "s", "aa": "s"}, ["/aa"]),
        ({"type": "object", "patternProperties": {REDOS: {}}, "additionalProperties": False}, {EVIL_INPUT: 1}, ["/"]),
        # A reference to the form's top, which names its draft: jsonschema would switch to its own class there.
        (_form(x={"type": "string", "pattern": REDOS}, y={"$ref": "#/properties/x"}, z={"$ref": "#/$defs/z"})
         | {"$defs": {"z": {"type": "object", "properties": {"w": {"$ref": "#/properties/x"}}}}},
         {"y": EVIL_INPUT, "z": {"w": EVIL_INPUT}}, ["/y", "/z/w"]),
    ]


@pytest.mark.parametrize(("schema", "data", "failing"), _redos_cases())
def test_a_catastrophic_pattern_runs_on_re2(failing_without_re: Callable[[Any, Any], list[str]],
                                            schema: dict[str, Any], data: Any, failing: list[str]) -> None:
    validator = compile_form(schema)
    assert failing_without_re(validator, data) == failing
    assert failing_without_re(validator, {"aaaa": 1} if "patternProperties" in schema else {"x": "aaaa"}) == []


def test_a_pattern_at_the_top_of_a_form_naming_its_draft_runs_on_re2_when_referred_to(
        failing_without_re: Callable[[Any, Any], list[str]]) -> None:
    # jsonschema validates a schema naming a draft with that draft's own class, whose patterns run on re.
    forms = {"p/code": {"$schema": DIALECT, "$id": "p/code", "type": "string", "pattern": REDOS},
             "p/application": _form(x={"$ref": "code"})}
    assert schema_problems(forms) == []
    assert failing_without_re(compile_forms(forms)["p/application"], {"x": EVIL_INPUT}) == ["/x"]


def test_a_regex_format_is_checked_by_re2(failing_without_re: Callable[[Any, Any], list[str]]) -> None:
    validator = compile_form(_form(x={"type": "string", "format": "regex"}))
    assert failing_without_re(validator, {"x": "^(a+)+$"}) == []
    # Python's re: a RecursionError; then a backreference, which RE2 cannot run.
    assert failing_without_re(validator, {"x": "(" * 5000}) == failing_without_re(validator, {"x": "(a)\\1"}) == ["/x"]


@pytest.mark.parametrize(("schema", "pointer"), [
    (_form(x={"type": "string", "pattern": "(a)\\1"}), "/properties/x/pattern"),
    (_form(x={"type": "string", "pattern": "^(?=a)a$"}), "/properties/x/pattern"),
    ({"type": "object", "patternProperties": {"(?<!a)b": {}}}, "/patternProperties/(?<!a)b"),
    ({"$defs": {"d": {"patternProperties": {"^ok$": {"pattern": "(?!x)"}}}}},
     "/$defs/d/patternProperties/^ok$/pattern"),
])
def test_a_pattern_re2_cannot_run_is_a_problem_with_its_pointer(schema: dict[str, Any], pointer: str) -> None:
    problems = _problems(schema, "f")
    assert len(problems) == 1 and problems[0].startswith(f"form 'f' at {pointer}: the pattern cannot run on RE2")


def test_unevaluated_properties_are_refused() -> None:
    schema = {"type": "object", "patternProperties": {REDOS: {}}, "unevaluatedProperties": False}
    assert [p.split(":")[0] for p in _problems(schema, "f")] == ["form 'f' at /unevaluatedProperties"]


def _doubling(levels: int) -> dict[str, Any]:
    """Each definition refers twice to the one before: small to write, 2**levels schemas to check."""
    defs = {"d0": {"type": "integer"}} | {f"d{i + 1}": {"anyOf": [{"$ref": f"#/$defs/d{i}"}] * 2}
                                          for i in range(levels)}
    return {"type": "object", "$defs": defs, "properties": {"x": {"$ref": f"#/$defs/d{levels}"}}}


def _nested(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"x": schema}}
    return schema


@pytest.mark.parametrize(("schema", "pointer", "reason"), [
    (_form(x={"type": "object", "properties": {"again": {"$ref": "#"}}}), "/properties/x/properties/again/$ref",
     f"nested deeper than {MAX_DEPTH}"),
    (_doubling(12), "/properties/x/$ref", ""),
    ({"properties": {f"p{i}": {"type": "string"} for i in range(MAX_SCHEMAS)}}, "/properties/p", f"{MAX_SCHEMAS}"),
    (_nested(5000), "/properties/x/properties/x", f"nested deeper than {MAX_DEPTH}"),
    ({"enum": [json.loads("[" * 100 + "]" * 100)]}, "/enum/0/0/0", f"nested deeper than {MAX_DEPTH}"),
])
def test_a_form_too_big_or_too_deep_with_its_references_followed_is_a_problem(schema: Any, pointer: str,
                                                                              reason: str) -> None:
    problems = _problems(schema, "f")
    assert len(problems) == 1 and problems[0].startswith(f"form 'f' at {pointer}") and reason in problems[0]
    with pytest.raises(ProcedureDefinitionError):
        compile_form(schema, form_id="f")


def test_a_form_just_within_the_bounds_passes() -> None:
    assert _problems(_doubling(3), "f") == [] and _problems(_nested(MAX_DEPTH // 2 - 1), "f") == []


def test_every_shipped_form_passes() -> None:
    forms = {f"{path.parent.name}/{path.name.removesuffix('.schema.json')}": json.loads(path.read_text())
             for path in FORMS_DIR.glob("*/*.schema.json")}
    assert forms and schema_problems(forms) == []
