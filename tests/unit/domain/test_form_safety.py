"""Admins' form schemas cannot make the server fetch anything or match text in exponential time (issue 17):
references stay inside the procedure's forms, patterns run on RE2, and what breaks either is a problem at
validation with the JSON pointer of the keyword."""

from __future__ import annotations

import json
from time import monotonic
from typing import Any

import pytest

from api.settings import ROOT
from engine.domain.errors import ProcedureDefinitionError, ValidationFailedError
from engine.domain.forms import check_form, compile_form, form_registry, schema_problems

REDOS = "^(a+)+$"
EVIL_INPUT = "a" * 5000 + "!"  # Python's re would take longer than the universe on this


def _form(**properties: Any) -> dict[str, Any]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": properties}


@pytest.mark.parametrize(("schema", "pointer"), [
    (_form(x={"$ref": "http://127.0.0.1:9/x.json"}), "/properties/x/$ref"),
    (_form(x={"$ref": "https://example.org/schema#/defs/a"}), "/properties/x/$ref"),
    (_form(x={"$ref": "file:///etc/passwd"}), "/properties/x/$ref"),
    (_form(x={"$ref": "urn:uuid:4f2a"}), "/properties/x/$ref"),
    (_form(x={"$ref": "other.json"}), "/properties/x/$ref"),
    (_form(x={"$dynamicRef": "http://127.0.0.1:9/x.json#meta"}), "/properties/x/$dynamicRef"),
    ({**_form(), "$schema": "http://127.0.0.1:9/meta.json"}, "/$schema"),
    (_form(x={"$id": "http://127.0.0.1:9/", "type": "string"}), "/properties/x/$id"),
    ({"allOf": [{"$ref": "http://127.0.0.1:9/a"}]}, "/allOf/0/$ref"),
])
def test_a_reference_outside_the_procedure_is_a_problem_with_its_pointer(schema: dict[str, Any], pointer: str) -> None:
    problems = schema_problems({"p/application": schema})
    assert len(problems) == 1 and problems[0].startswith(f"form 'p/application' at {pointer}: "), problems


def test_local_and_sibling_references_are_accepted_and_resolve() -> None:
    forms = {
        "p/application": {"$id": "p/application", "$defs": {"name": {"type": "string", "maxLength": 5}},
                          "type": "object", "properties": {"a": {"$ref": "#/$defs/name"}, "b": {"$ref": "common"}}},
        "p/common": {"$id": "p/common", "type": "integer"},
    }
    assert schema_problems(forms) == []
    validator = compile_form(forms["p/application"], form_registry(forms))
    check_form(validator, {"a": "abc", "b": 3}, form_id="p/application")
    with pytest.raises(ValidationFailedError) as caught:
        check_form(validator, {"a": "abcdefg", "b": "x"}, form_id="p/application")
    assert {e.pointer for e in caught.value.errors} == {"/a", "/b"}


def test_a_stored_form_with_an_outside_reference_fails_clearly_and_fetches_nothing() -> None:
    validator = compile_form(_form(x={"$ref": "http://127.0.0.1:9/x.json"}))
    with pytest.raises(ProcedureDefinitionError, match="outside its procedure"):
        check_form(validator, {"x": 1}, form_id="p/application")


@pytest.mark.parametrize("schema", [
    _form(x={"type": "string", "pattern": REDOS}),
    {"type": "object", "patternProperties": {REDOS: {"type": "integer"}}},
])
def test_a_catastrophic_pattern_runs_in_linear_time(schema: dict[str, Any]) -> None:
    assert schema_problems({"f": schema}) == []
    validator = compile_form(schema)
    started = monotonic()
    data = {"x": EVIL_INPUT} if "properties" in schema else {EVIL_INPUT: 1}
    if "properties" in schema:
        with pytest.raises(ValidationFailedError, match="does not match"):
            check_form(validator, data, form_id="f")
    else:
        check_form(validator, data, form_id="f")  # the key does not match: no rule applies
    assert monotonic() - started < 5  # did not hang (seconds for 25 characters with backtracking)
    check_form(validator, {"x": "aaaa"} if "properties" in schema else {"aaaa": 1}, form_id="f")


@pytest.mark.parametrize(("schema", "pointer"), [
    (_form(x={"type": "string", "pattern": "(a)\\1"}), "/properties/x/pattern"),
    (_form(x={"type": "string", "pattern": "^(?=a)a$"}), "/properties/x/pattern"),
    ({"type": "object", "patternProperties": {"(?<!a)b": {}}}, "/patternProperties/(?<!a)b"),
])
def test_a_pattern_re2_cannot_run_is_a_problem_with_its_pointer(schema: dict[str, Any], pointer: str) -> None:
    problems = schema_problems({"f": schema})
    assert len(problems) == 1 and problems[0].startswith(f"form 'f' at {pointer}: the pattern cannot run on RE2")


def test_every_shipped_form_passes() -> None:
    forms = {f"{path.parent.name}/{path.name.removesuffix('.schema.json')}": json.loads(path.read_text())
             for path in (ROOT / "forms").glob("*/*.schema.json")}
    assert forms and schema_problems(forms) == []
