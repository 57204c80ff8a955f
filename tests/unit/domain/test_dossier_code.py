"""The national dossier code (Circular 01/2018 Art. 19) and the units' electronic identifiers it starts with
(Decision 20/2020/QĐ-TTg): their format, their validation as a province's list, the search box's reading of
both forms of a code, and the manifest's national field."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from engine.domain.dossier_code import DOSSIER_CODE, format_dossier_code
from engine.domain.manifest import MANIFEST_SCHEMA
from engine.domain.search import Query, QueryKind, classify, code_in
from engine.domain.unit import AGENCY_CODE, AgencyCodeRow, Unit, UnitKind, agency_code_problem, agency_code_problems

PROCESSES = Path(__file__).resolve().parents[3] / "processes"
WARD = Unit("19768", "Phường Phú Xuân", UnitKind.COMMUNE, "46", "phường")


def test_a_centre_with_an_identifier_numbers_its_dossiers_after_it() -> None:
    centre = replace(WARD, agency_code="000.31.46.H57")
    code = format_dossier_code(centre.dossier_code_prefix, date(2025, 7, 14), 12)
    assert code == "000.31.46.H57-250714-0012"
    assert DOSSIER_CODE.fullmatch(code) and len(code) <= 48


def test_a_centre_without_one_keeps_the_unit_id_form() -> None:
    assert format_dossier_code(WARD.dossier_code_prefix, date(2025, 7, 14), 1) == "19768-250714-0001"


@pytest.mark.parametrize("text", ["000.00.01.H22", "000.31.46.H57", "000.00.00.H57", "123.45.67.G09", "000.00.00.A1"])
def test_identifiers_of_the_decision_20_structure_are_accepted(text: str) -> None:
    assert agency_code_problem(text) is None


def test_the_parts_of_an_identifier_are_its_four_levels() -> None:
    found = AGENCY_CODE.fullmatch("000.31.46.H57")
    assert found is not None
    assert found.group("level4", "level3", "level2", "level1") == ("000", "31", "46", "H57")


@pytest.mark.parametrize("text", ["", "H57", "00.00.H57", "000.00.00.h57", "000.00.00.H570", "000.0.00.H57",
                                  "000-00-00-H57", "000.00.00.57H", " 000.00.00.H57", "000.00.00.H57.",
                                  "ABC.00.00.H57"])
def test_malformed_identifiers_are_refused_with_the_expected_shape(text: str) -> None:
    problem = agency_code_problem(text)
    assert problem is not None and "V1V2V3.Z1Z2.Y1Y2.M1M2(M3)" in problem


def _row(line: int, unit_id: str, code: str) -> AgencyCodeRow:
    return AgencyCodeRow(line, unit_id, code)


def test_a_good_list_has_no_problem_and_may_restate_or_swap_identifiers() -> None:
    known = {"46": "000.00.00.H57", "19768": "000.31.46.H57", "19777": None}
    assert agency_code_problems([_row(2, "46", "000.00.00.H57")], known) == []  # loaded again
    swapped = [_row(2, "19768", "000.00.00.H57"), _row(3, "46", "000.31.46.H57"), _row(4, "19777", "000.32.46.H57")]
    assert agency_code_problems(swapped, known) == []


def test_every_problem_of_a_list_is_named_by_its_line() -> None:
    known = {"46": "000.00.00.H57", "19768": None, "19777": None, "19786": None, "19795": None}
    rows = [_row(3, "19768", "000.31.46.H57"), _row(4, "99999", "000.32.46.H57"), _row(5, "19777", "31.46.H57"),
            _row(6, "19768", "000.33.46.H57"), _row(7, "19786", "000.31.46.H57"), _row(8, "19795", "000.00.00.H57")]
    problems = agency_code_problems(rows, known)
    assert [line for line, _ in problems] == [4, 5, 6, 7, 8]
    words = dict(problems)
    assert "not a unit" in words[4] and "99999" in words[4]
    assert "V1V2V3" in words[5]
    assert "already given on line 3" in words[6]  # the same unit twice
    assert "already given on line 3" in words[7]  # the same identifier twice
    assert "identifier of unit 46" in words[8]  # held by a unit the list leaves alone


@pytest.mark.parametrize("typed", ["000.31.46.H57-250714-0012", " 000.31.46.h57-250714-0012 ",
                                   "https://motcua.example/?code=000.31.46.H57-250714-0012&secret=K7M4QX9TRB"])
def test_the_search_box_takes_a_national_code_typed_or_scanned(typed: str) -> None:
    assert classify(typed) == Query(QueryKind.CODE, "000.31.46.H57-250714-0012")


@pytest.mark.parametrize("typed", ["19768-250714-0001", "http://localhost/?code=19768-250714-0001&secret=K7M4Q"])
def test_the_search_box_still_takes_the_older_codes(typed: str) -> None:
    assert code_in(typed) == "19768-250714-0001"


@pytest.mark.parametrize("typed", ["000.31.46-250714-0012", "000.31.46.H57-25071-0012", "000.31.46.H57.250714.0012"])
def test_a_broken_national_code_is_not_taken_for_a_code(typed: str) -> None:
    assert code_in(typed) is None


def _manifests() -> list[dict[str, object]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(PROCESSES.glob("*/procedure.json"))]


def test_every_shipped_procedure_names_its_national_field() -> None:
    manifests = _manifests()
    assert len(manifests) >= 12
    for manifest in manifests:
        assert "field_code" in manifest and "field_name" in manifest, manifest["code"]
        name = manifest["field_name"]
        assert isinstance(name, dict) and name["vi"] and name["en"]


def test_the_manifest_schema_takes_a_field_code_or_null_and_refuses_junk() -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(MANIFEST_SCHEMA)
    manifest = _manifests()[0]
    assert not list(validator.iter_errors({**manifest, "field_code": "LV-01.a"}))
    assert not list(validator.iter_errors({**manifest, "field_code": None}))
    older = {k: v for k, v in manifest.items() if k not in ("field_code", "field_name")}
    assert not list(validator.iter_errors(older))  # versions published before the keys stay valid
    assert list(validator.iter_errors({**manifest, "field_code": "Hộ tịch; drop"}))
    assert list(validator.iter_errors({**manifest, "field_name": {"vi": "Hộ tịch"}}))
