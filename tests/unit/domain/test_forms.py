"""Form validation: one error per field, JSON pointers, and no submitted value echoed back."""

from __future__ import annotations

import json

import pytest

from api.settings import ROOT
from engine.domain.errors import ValidationFailedError
from engine.domain.forms import check_form, compile_form

SCHEMA = json.loads((ROOT / "forms" / "birth_registration" / "application.schema.json").read_text(encoding="utf-8"))
VALID = json.loads((ROOT / "processes" / "birth_registration" / "scenarios" / "straight.json")
                   .read_text(encoding="utf-8"))["application"]


def _errors(data: object) -> dict[str, str]:
    with pytest.raises(ValidationFailedError) as caught:
        check_form(compile_form(SCHEMA), data, form_id="application", prefix="/application")
    return {e.pointer: e.message for e in caught.value.errors}


def test_valid_application_passes() -> None:
    check_form(compile_form(SCHEMA), VALID, form_id="application")


def test_missing_fields_point_at_the_field() -> None:
    data = {**VALID, "child": {k: v for k, v in VALID["child"].items() if k != "full_name"}}
    del data["mother"]
    assert _errors(data) == {"/application/child/full_name": "is required", "/application/mother": "is required"}


def test_pattern_and_format_errors_do_not_echo_personal_data() -> None:
    data = json.loads(json.dumps(VALID))
    data["applicant"]["id_number"] = "12345-SECRET"
    data["child"]["date_of_birth"] = "2025-02-30"
    errors = _errors(data)
    assert set(errors) == {"/application/applicant/id_number", "/application/child/date_of_birth"}
    assert not any("SECRET" in m or "2025-02-30" in m for m in errors.values())


def test_unknown_fields_are_refused() -> None:
    errors = _errors({**VALID, "extra": 1})
    assert list(errors) == ["/application"]
