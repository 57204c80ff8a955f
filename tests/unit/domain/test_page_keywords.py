"""The counter page's form keywords (issue 22) are checked when a form is published: `x-copy-from` on an
object property names another object property of the same form, with short labels; `x-unit` marks a string
property holding a commune's id. A value the page could not use is a problem with its pointer, never ignored,
and every shipped form declares them correctly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.domain.form_schema import schema_problems

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FORMS = Path(__file__).resolve().parents[3] / "forms"
PERSON = {"type": "object", "properties": {"full_name": {"type": "string"}, "id_number": {"type": "string"}}}


def _form(copy: Any = None, unit: Any = None, **extra: Any) -> dict[str, Any]:
    father = {**PERSON, **({"x-copy-from": copy} if copy is not None else {})}
    residence = {"type": "object", "properties": {"unit_id": {"type": "string", **({"x-unit": unit} if unit else {})}}}
    return {"$schema": DIALECT, "type": "object",
            "properties": {"applicant": PERSON, "father": father, "residence": residence, **extra}}


def _problems(schema: dict[str, Any]) -> list[str]:
    return schema_problems({"p/application": schema})


@pytest.mark.parametrize("copy", [
    {"from": "/applicant"},
    {"from": "/applicant", "label": "Chép từ người đi đăng ký", "label-en": "Copy from the applicant"},
    [{"from": "/applicant", "label": "Người đi đăng ký"}, {"from": "/residence"}],
])
def test_a_copy_from_another_group_is_accepted(copy: Any) -> None:
    assert _problems(_form(copy=copy, unit="commune")) == []


@pytest.mark.parametrize(("copy", "where", "words"), [
    ("/applicant", "/properties/father/x-copy-from", "must be {"),
    ({"from": 3}, "/properties/father/x-copy-from", "must be {"),
    ({"from": "/applicant", "script": "alert(1)"}, "/properties/father/x-copy-from", "must be {"),
    ({"from": "applicant"}, "/properties/father/x-copy-from/from", "JSON pointer"),
    ({"from": "/" + "a" * 300}, "/properties/father/x-copy-from/from", "JSON pointer"),
    ({"from": "/nobody"}, "/properties/father/x-copy-from/from", "names no property"),
    ({"from": "/applicant/full_name"}, "/properties/father/x-copy-from/from", "is not an object property"),
    ({"from": "/father"}, "/properties/father/x-copy-from/from", "must not be the property itself"),
    ({"from": "/applicant", "label": ""}, "/properties/father/x-copy-from/label", "1 to 100 characters"),
    ({"from": "/applicant", "label-en": "x" * 101}, "/properties/father/x-copy-from/label-en", "1 to 100"),
    ({"from": "/applicant", "label": ["a"]}, "/properties/father/x-copy-from/label", "1 to 100 characters"),
    ([], "/properties/father/x-copy-from", "holds 1 to 5 copies"),
    ([{"from": "/applicant"}] * 6, "/properties/father/x-copy-from", "holds 1 to 5 copies"),
    ([{"from": "/applicant"}, {"from": "/x"}], "/properties/father/x-copy-from/1/from", "names no property"),
])
def test_a_hostile_copy_is_a_problem_with_its_pointer(copy: Any, where: str, words: str) -> None:
    problems = _problems(_form(copy=copy))
    assert len(problems) == 1, problems
    assert f"at {where}:" in problems[0] and words in problems[0]


def test_a_copy_into_a_group_it_holds_is_refused() -> None:
    holder = {"type": "object", "x-copy-from": {"from": "/holder/inner"},
              "properties": {"inner": PERSON}}
    problems = _problems(_form(holder=holder))
    assert problems == ["form 'p/application' at /properties/holder/x-copy-from/from: must not be the property "
                        "itself, nor one that holds it or that it holds"]


@pytest.mark.parametrize("unit", ["province", 1, ["commune"]])
def test_a_unit_other_than_a_commune_is_refused(unit: Any) -> None:
    assert _problems(_form(unit=unit)) == [
        "form 'p/application' at /properties/residence/properties/unit_id/x-unit: must be one of ['commune'], "
        "on a property of type string"]


def test_a_unit_on_a_number_is_refused() -> None:
    schema = _form(count={"type": "integer", "x-unit": "commune"})
    assert [p for p in _problems(schema) if "/properties/count/x-unit" in p]


def test_the_shipped_forms_declare_them_correctly() -> None:
    forms = {f"{p.parent.name}/{p.name.split('.')[0]}": json.loads(p.read_text()) for p in FORMS.glob("*/*.json")}
    assert schema_problems(forms) == []
    birth = forms["birth_registration/application"]["properties"]
    assert birth["father"]["x-copy-from"]["from"] == birth["mother"]["x-copy-from"]["from"] == "/applicant"
    assert birth["residence"]["properties"]["unit_id"]["x-unit"] == "commune"
    marked = [name for name, form in forms.items() if '"x-unit": "commune"' in json.dumps(form)]
    assert len(marked) == 10  # every application whose family, register or parcel is in a commune
